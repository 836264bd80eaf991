"""The audit chain becomes keyed (HMAC-SHA256 with AUDIT_CHAIN_KEY). Rows already written keep their plain
SHA-256 hashes and are marked version 1, so existing chains verify; every new row is version 2."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("portal", "0005_api_tokens")]

    operations = [
        migrations.AddField(
            model_name="auditevent", name="hash_version",
            field=models.PositiveSmallIntegerField(default=1), preserve_default=False,
        ),
        migrations.AlterField(
            model_name="auditevent", name="hash_version", field=models.PositiveSmallIntegerField(default=2),
        ),
    ]
