"""ID numbers on vouchers and distribution lines (copies of the payment's) and the proxy's ID number typed at
a hand-over, encrypted at rest like the person registry's (portal/pii.py): HMAC column, SM4-GCM ciphertext,
masked form; existing rows encrypted in chunks; the plain columns dropped."""

from django.db import migrations, models

import portal.pii


def encrypt_rows(apps, schema_editor):
    from portal.pii_migration import encrypt_existing

    encrypt_existing("relief_inkind_voucher", "id_number_plain", "id_number", portal.pii.ID)
    encrypt_existing("relief_inkind_distributionline", "id_number_plain", "id_number", portal.pii.ID)
    encrypt_existing("relief_inkind_distributionline", "proxy_id_number_plain", "proxy_id_number", portal.pii.ID)


def sealed(verbose_name, **extra):
    return portal.pii.SealedField(kind="id", verbose_name=verbose_name, **extra)


def columns(model, name, verbose_name):
    return [
        migrations.RenameField(model, name, f"{name}_plain"),
        migrations.AddField(model, name, sealed(verbose_name, db_column=f"{name}_hmac", null=True)),
        migrations.AddField(model, f"{name}_enc", models.BinaryField(db_default=b"", default=b"", editable=False)),
        migrations.AddField(model, f"{name}_masked", models.CharField(blank=True, db_default="", default="",
                                                                      editable=False, max_length=18)),
    ]


def finish(model, name, verbose_name):
    return [
        migrations.RemoveField(model, f"{name}_plain"),
        migrations.AlterField(model, name, sealed(verbose_name, blank=True, db_column=f"{name}_hmac", db_default="",
                                                  default="")),
    ]


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows is its own short transaction

    dependencies = [("relief_inkind", "0004_heating_companies_waivers"), ("portal", "0010_person_personal_data_encrypted")]

    operations = [
        *columns("voucher", "id_number", "身份证号码"),
        *columns("distributionline", "id_number", "身份证号码"),
        *columns("distributionline", "proxy_id_number", "代领人身份证号码"),
        migrations.RunPython(encrypt_rows, migrations.RunPython.noop),
        *finish("voucher", "id_number", "身份证号码"),
        *finish("distributionline", "id_number", "身份证号码"),
        *finish("distributionline", "proxy_id_number", "代领人身份证号码"),
    ]
