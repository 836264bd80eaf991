"""Every 10 minutes, anchor the audit chain's head outside the database (portal.audit_chain.write_anchor)."""

from django.db import migrations

from portal import beat


class Migration(migrations.Migration):
    dependencies = [("portal", "0006_audit_hash_version"), beat.DEPENDENCY]

    operations = [
        beat.schedule(name="审计链锚定", task="portal.anchor_audit_chain", every_minutes=10),
    ]
