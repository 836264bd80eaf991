"""The (chain, id) index every chain's head is read through: built CONCURRENTLY, so the audit table keeps
taking writes while it is built (hence `atomic = False`). A build that fails leaves an invalid index of that
name behind: drop it (`DROP INDEX CONCURRENTLY audit_chain_idx`) and run the migration again.
Start the code of the per-province chains only after this has run: without the index a chain's head is found
by scanning the table backwards."""

from django.db import migrations, models

from portal.migration_ops import AddIndexOnline


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("portal", "0011_audit_chain_per_province"),
    ]

    operations = [
        AddIndexOnline(
            model_name="auditevent",
            index=models.Index(fields=["chain", "id"], name="audit_chain_idx"),
        ),
    ]
