"""The ID number copied onto each payment encrypted at rest (portal/pii.py): HMAC, SM4-GCM ciphertext and
masked form; existing rows encrypted in chunks (short transactions); the plain column dropped."""

from django.db import migrations, models

import portal.pii


def encrypt_rows(apps, schema_editor):
    from portal.pii_migration import encrypt_existing

    encrypt_existing("assistance_payment", "id_number_plain", "id_number", portal.pii.ID)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows is its own short transaction

    dependencies = [("assistance", "0017_household_phone_member_disability_health"), ("portal", "0010_person_personal_data_encrypted")]

    operations = [
        migrations.RenameField("payment", "id_number", "id_number_plain"),
        migrations.AddField("payment", "id_number", portal.pii.SealedField(
            db_column="id_number_hmac", kind="id", null=True, verbose_name="身份证号码")),
        migrations.AddField("payment", "id_number_enc", models.BinaryField(db_default=b"", default=b"", editable=False)),
        migrations.AddField("payment", "id_number_masked", models.CharField(blank=True, db_default="", default="",
                                                                            editable=False, max_length=18)),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
        migrations.RemoveField("payment", "id_number_plain"),
        migrations.AlterField("payment", "id_number", portal.pii.SealedField(
            blank=True, db_column="id_number_hmac", db_default="", default="", kind="id", verbose_name="身份证号码")),
    ]
