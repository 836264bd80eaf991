"""Bank accounts and the household's phone encrypted at rest (portal/pii.py): the household's account and
phone, the account copied onto each payment, the account recorded on each bank hand-over attempt and the
old/new accounts of an account change each get an HMAC column (lookups), the SM4-GCM ciphertext and the
masked form; existing rows are encrypted in chunks (short transactions) and the plain columns dropped."""

from django.db import migrations, models

import portal.pii

ACCOUNT, PHONE = portal.pii.ACCOUNT, portal.pii.PHONE

# (model, table, field, kind, verbose name, max length of the masked form, blank)
SEALED = [
    ("household", "assistance_household", "bank_account", ACCOUNT, "银行账号", 32, True),
    ("household", "assistance_household", "phone", PHONE, "联系电话", 20, True),
    ("payment", "assistance_payment", "bank_account", ACCOUNT, "收款账号", 32, True),
    ("paymentattempt", "assistance_paymentattempt", "account", ACCOUNT, "账号", 32, True),
    ("accountchange", "assistance_accountchange", "old_account", ACCOUNT, "原账号", 32, True),
    ("accountchange", "assistance_accountchange", "new_account", ACCOUNT, "新账号", 32, False),
]


def encrypt_rows(apps, schema_editor):
    from portal.pii_migration import encrypt_existing

    for _model, table, name, kind, *_rest in SEALED:
        encrypt_existing(table, f"{name}_plain", name, kind)


def _operations():
    ops = []
    for model, _table, name, kind, label, width, _blank in SEALED:
        ops += [
            migrations.RenameField(model, name, f"{name}_plain"),
            migrations.AddField(model, name, portal.pii.SealedField(
                db_column=f"{name}_hmac", kind=kind, null=True, verbose_name=label)),
            migrations.AddField(model, f"{name}_enc", models.BinaryField(db_default=b"", default=b"", editable=False)),
            migrations.AddField(model, f"{name}_masked", models.CharField(
                blank=True, db_default="", default="", editable=False, max_length=width)),
        ]
    ops.append(migrations.RunPython(encrypt_rows, migrations.RunPython.noop))
    for model, _table, name, kind, label, _width, blank in SEALED:
        if not blank:  # so that migrating back can add the plain column again to a table with rows
            ops.append(migrations.AlterField(model, f"{name}_plain", models.CharField(
                blank=True, max_length=32, verbose_name=label)))
        ops.append(migrations.RemoveField(model, f"{name}_plain"))
        if blank:
            field = portal.pii.SealedField(blank=True, db_column=f"{name}_hmac", db_default="", default="",
                                           kind=kind, verbose_name=label)
        else:
            field = portal.pii.SealedField(db_column=f"{name}_hmac", kind=kind, verbose_name=label)
        ops.append(migrations.AlterField(model, name, field))
    return ops


class Migration(migrations.Migration):
    atomic = False  # each chunk of rows is its own short transaction

    dependencies = [("assistance", "0018_payment_id_number_encrypted")]

    operations = _operations()
