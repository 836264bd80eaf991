"""The phone number a text message went to encrypted at rest (portal/pii.py): HMAC, SM4-GCM ciphertext and
masked form; existing rows encrypted in chunks (short transactions); the plain column dropped."""

from django.db import migrations, models

import portal.pii


def encrypt_rows(apps, schema_editor):
    from portal.pii_migration import encrypt_existing

    encrypt_existing("casework_notice", "phone_plain", "phone", portal.pii.PHONE)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows is its own short transaction

    dependencies = [("casework", "0010_discovery_payment_check_notice_appeal"), ("portal", "0010_person_personal_data_encrypted")]

    operations = [
        migrations.RenameField("notice", "phone", "phone_plain"),
        migrations.AddField("notice", "phone", portal.pii.SealedField(
            db_column="phone_hmac", kind="phone", null=True, verbose_name="手机号")),
        migrations.AddField("notice", "phone_enc", models.BinaryField(db_default=b"", default=b"", editable=False)),
        migrations.AddField("notice", "phone_masked", models.CharField(blank=True, db_default="", default="",
                                                                       editable=False, max_length=20)),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
        migrations.RemoveField("notice", "phone_plain"),
        migrations.AlterField("notice", "phone", portal.pii.SealedField(
            blank=True, db_column="phone_hmac", db_default="", default="", kind="phone", verbose_name="手机号")),
    ]
