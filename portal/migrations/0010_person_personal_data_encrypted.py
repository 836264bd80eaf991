"""ID numbers and phones of the person registry encrypted at rest (portal/pii.py): new columns for the
HMAC (lookups, uniqueness), the SM4-GCM ciphertext, the masked form and the ID's last four characters;
existing rows encrypted in chunks (short transactions); the plain columns dropped."""

from django.db import migrations, models

import portal.pii
from portal import idnumber


def encrypt_rows(apps, schema_editor):
    from portal.pii_migration import encrypt_existing

    encrypt_existing("portal_person", "id_number_plain", "id_number", portal.pii.ID, last4="id_last4")
    encrypt_existing("portal_person", "phone_plain", "phone", portal.pii.PHONE)


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows is its own short transaction

    dependencies = [("portal", "0009_locality_streets_and_communities")]

    operations = [
        migrations.RenameField("person", "id_number", "id_number_plain"),
        migrations.RenameField("person", "phone", "phone_plain"),
        migrations.AddField("person", "id_number", portal.pii.SealedField(
            db_column="id_number_hmac", kind="id", null=True, verbose_name="身份证号码")),
        migrations.AddField("person", "id_number_enc", models.BinaryField(default=b"", editable=False)),
        migrations.AddField("person", "id_number_masked", models.CharField(default="", editable=False, max_length=18)),
        migrations.AddField("person", "id_last4", models.CharField(default="", editable=False, max_length=4,
                                                                    verbose_name="身份证后四位")),
        migrations.AddField("person", "phone", portal.pii.SealedField(
            db_column="phone_hmac", kind="phone", null=True, verbose_name="联系电话")),
        migrations.AddField("person", "phone_enc", models.BinaryField(db_default=b"", default=b"", editable=False)),
        migrations.AddField("person", "phone_masked", models.CharField(blank=True, db_default="", default="",
                                                                        editable=False, max_length=20)),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
        migrations.RemoveField("person", "id_number_plain"),
        migrations.RemoveField("person", "phone_plain"),
        migrations.AlterField("person", "id_number", portal.pii.SealedField(
            db_column="id_number_hmac", kind="id", unique=True, validators=[idnumber.validate_id_number],
            verbose_name="身份证号码")),
        migrations.AlterField("person", "phone", portal.pii.SealedField(
            blank=True, db_column="phone_hmac", db_default="", default="", kind="phone", verbose_name="联系电话")),
        migrations.AddIndex("person", models.Index(fields=["id_last4"], name="person_id_last4_idx")),
    ]
