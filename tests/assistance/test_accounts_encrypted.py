"""Bank accounts and the household's phone encrypted at rest (portal.pii): no table keeps them in plain text,
lookups by account still work, the bank's file still carries the full account (decrypted for it, audited
once), pages show the masked form, and the migration encrypts the rows that existed before it."""

import base64

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from assistance import services
from assistance.channels import BankFileChannel
from assistance.models import AccountChange, BankFile, Household, Payment, PaymentAttempt
from portal import pii
from portal.audit_actions import AuditAction as PortalAudit
from portal.models import AuditEvent
from tests.assistance import factories as f

pytestmark = pytest.mark.django_db

ACCOUNT = "6222020200123456789"
NEW_ACCOUNT = "6222020200987654321"
PHONE = "13912345678"


def _raw_rows(table: str, where: str = "", params=()) -> list[dict]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT * FROM {table} {where}", list(params))
        names = [c.name for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


def _text(rows: list[dict]) -> str:
    return " ".join(bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                    for row in rows for v in row.values())


def _household(caseworker, account=ACCOUNT, phone=PHONE) -> Household:
    rows = [{"name": "钱测试", "id_number": f.new_id(), "relation": "head"}]
    hh = services.household_create(region="610112", area="urban", address="加密路1号", members=rows,
                                   bank_account=account, phone=phone, actor=caseworker)
    services.enrolment_create(id_number=rows[0]["id_number"], category="dibao", monthly_amount=50000,
                              start=f.START, actor=caseworker)
    return hh


def test_no_table_keeps_an_account_or_the_household_phone_in_plain_text(caseworker, approver, settings, tmp_path):
    settings.ASSISTANCE_BANK_DIR = tmp_path / "bank"
    settings.ASSISTANCE_PAYMENT_CHANNEL = "bank_file"
    hh = _household(caseworker)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    # an account change asked while the payment is unpaid: old and new kept on the change
    services.household_update(household=hh, area="urban", address="加密路1号", bank_account=NEW_ACCOUNT,
                              actor=caseworker)
    services.batch_approve(batch=batch, actor=approver)
    services.batch_pay(batch_id=batch.pk)  # hands the payment over in a file: an attempt row with the account

    tables = {"assistance_household": _raw_rows("assistance_household", "WHERE id = %s", [hh.pk]),
              "assistance_payment": _raw_rows("assistance_payment", "WHERE batch_id = %s", [batch.pk]),
              "assistance_paymentattempt": _raw_rows("assistance_paymentattempt"),
              "assistance_accountchange": _raw_rows("assistance_accountchange", "WHERE household_id = %s", [hh.pk])}
    assert all(tables.values())
    for table, rows in tables.items():
        text = _text(rows)
        assert ACCOUNT not in text and NEW_ACCOUNT not in text and PHONE not in text, table
        assert not {"bank_account", "phone", "account", "old_account", "new_account"} & set(rows[0]), table
    household = tables["assistance_household"][0]
    assert household["bank_account_masked"] == "*" * 15 + "6789" and household["phone_masked"] == "139****5678"
    assert pii.decrypt(pii.ACCOUNT, household["bank_account_enc"]) == ACCOUNT
    assert pii.decrypt(pii.PHONE, household["phone_enc"]) == PHONE
    payment = tables["assistance_payment"][0]  # copied by the set-based build: same HMAC and ciphertext
    assert (payment["bank_account_hmac"], bytes(payment["bank_account_enc"])) == (
        household["bank_account_hmac"], bytes(household["bank_account_enc"]))
    change = tables["assistance_accountchange"][0]
    assert pii.decrypt(pii.ACCOUNT, change["old_account_enc"]) == ACCOUNT
    assert pii.decrypt(pii.ACCOUNT, change["new_account_enc"]) == NEW_ACCOUNT
    assert (change["old_account_masked"], change["new_account_masked"]) == ("*" * 15 + "6789", "*" * 15 + "4321")

    # the bank's file carries the full account; the hand-over is audited once per file
    files = list(BankFileChannel().outbox().glob("*.csv"))
    assert len(files) == 1 and ACCOUNT in files[0].read_text(encoding="utf-8")
    bank_file = BankFile.objects.get(batch=batch, kind="disbursement")
    assert AuditEvent.objects.filter(action=PortalAudit.PII_REVEAL, object_id=str(bank_file.pk)).count() == 1


def test_lookups_and_comparisons_by_account_still_work(caseworker, approver):
    hh = _household(caseworker)
    assert Household.objects.get(bank_account=ACCOUNT) == hh  # the field turns the value into its HMAC
    assert Household.objects.get(bank_account="6222 0202 0012 3456 789") == hh  # normalised like the stored one
    assert not Household.objects.filter(bank_account=NEW_ACCOUNT).exists()
    loaded = Household.objects.get(pk=hh.pk)
    assert loaded.bank_account == ACCOUNT and loaded.bank_account != NEW_ACCOUNT and loaded.phone == PHONE
    # the same account typed again is no change: no second person asked, nothing rewritten
    f.built_batch(caseworker, f.scheme(caseworker))
    services.household_update(household=loaded, area="urban", address="加密路1号", bank_account=ACCOUNT,
                              actor=caseworker)
    assert not AccountChange.objects.filter(household=hh).exists()
    # a new one waits for approval, then the household and the unapproved payment hold it
    services.household_update(household=loaded, area="urban", address="加密路1号", bank_account=NEW_ACCOUNT,
                              actor=caseworker)
    change = AccountChange.objects.get(household=hh)
    assert change.old_account == ACCOUNT and change.new_account == NEW_ACCOUNT
    services.account_change_decide(change=change, approve=True, actor=approver)
    assert Household.objects.get(bank_account=NEW_ACCOUNT) == hh
    payment = Payment.objects.get(household=hh)
    assert payment.bank_account == NEW_ACCOUNT and payment.masked_bank_account.endswith("4321")
    assert pii.decrypt(pii.ACCOUNT, payment.bank_account_enc) == NEW_ACCOUNT


def test_pages_and_the_api_show_masked_accounts_and_phones(caseworker, approver, client, api):
    hh = _household(caseworker)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    services.household_update(household=hh, area="urban", address="加密路1号", bank_account=NEW_ACCOUNT,
                              actor=caseworker)
    client.force_login(caseworker)
    page = client.get(f"/assistance/households/{hh.pk}/").content.decode()
    assert "*6789" in page and "139****5678" in page
    assert ACCOUNT not in page and PHONE not in page
    body = api(caseworker).get(f"/api/v1/assistance/households/{hh.pk}/").content.decode()
    assert "*6789" in body and ACCOUNT not in body and PHONE not in body
    client.force_login(approver)
    for url in ("/assistance/account-changes/", f"/assistance/batches/{batch.pk}/payments/"):
        page = client.get(url).content.decode()
        assert "*6789" in page and ACCOUNT not in page and NEW_ACCOUNT not in page, url


def test_the_migration_encrypts_the_accounts_and_phones_that_existed(caseworker, approver):
    hh = _household(caseworker)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    services.household_update(household=hh, area="urban", address="加密路1号", bank_account=NEW_ACCOUNT,
                              actor=caseworker)
    payment = Payment.objects.get(batch=batch)
    attempt = PaymentAttempt.objects.create(payment=payment, channel="bank_file", outcome="sent", reference="m-1",
                                            account=ACCOUNT, at=payment.created_at)
    change = AccountChange.objects.get(household=hh)
    before, after = [("assistance", "0018_payment_id_number_encrypted")], [
        ("assistance", "0019_accounts_and_household_phone_encrypted")]
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending trigger events before ALTER TABLE
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    with connection.cursor() as cur:  # the rows as they were before the migration: plain text
        cur.execute("UPDATE assistance_household SET bank_account = %s, phone = %s WHERE id = %s", [ACCOUNT, PHONE, hh.pk])
        cur.execute("UPDATE assistance_payment SET bank_account = %s WHERE id = %s", [ACCOUNT, payment.pk])
        cur.execute("UPDATE assistance_paymentattempt SET account = %s WHERE id = %s", [ACCOUNT, attempt.pk])
        cur.execute("UPDATE assistance_accountchange SET old_account = %s, new_account = %s WHERE id = %s",
                    [ACCOUNT, NEW_ACCOUNT, change.pk])
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(after)

    rows = {"household": _raw_rows("assistance_household", "WHERE id = %s", [hh.pk])[0],
            "payment": _raw_rows("assistance_payment", "WHERE id = %s", [payment.pk])[0],
            "attempt": _raw_rows("assistance_paymentattempt", "WHERE id = %s", [attempt.pk])[0],
            "change": _raw_rows("assistance_accountchange", "WHERE id = %s", [change.pk])[0]}
    for name, row in rows.items():
        text = _text([row])
        assert ACCOUNT not in text and NEW_ACCOUNT not in text and PHONE not in text, name
    assert pii.decrypt(pii.ACCOUNT, rows["household"]["bank_account_enc"]) == ACCOUNT
    assert pii.decrypt(pii.PHONE, rows["household"]["phone_enc"]) == PHONE
    assert rows["household"]["phone_hmac"] == pii.digest(pii.PHONE, PHONE)
    assert rows["payment"]["bank_account_hmac"] == pii.digest(pii.ACCOUNT, ACCOUNT)
    assert rows["attempt"]["account_masked"] == "*" * 15 + "6789"
    assert pii.decrypt(pii.ACCOUNT, rows["change"]["new_account_enc"]) == NEW_ACCOUNT
    assert Household.objects.get(bank_account=ACCOUNT).pk == hh.pk
    assert PaymentAttempt.objects.get(account=ACCOUNT).pk == attempt.pk


def test_rotate_pii_keys_re_encrypts_accounts_and_phones(caseworker, settings, capsys):
    hh = _household(caseworker)
    f.built_batch(caseworker, f.scheme(caseworker))
    services.household_update(household=hh, area="urban", address="加密路1号", bank_account=NEW_ACCOUNT,
                              actor=caseworker)
    old_id = pii.current_key_id()
    new = "k9:" + base64.b64encode(b"0123456789abcdef").decode()
    settings.PORTAL_PII_KEYS = f"{new},{settings.PORTAL_PII_KEYS}"
    call_command("rotate_pii_keys", chunk=2)
    out = capsys.readouterr().out
    for column in ("assistance_household.bank_account_enc", "assistance_household.phone_enc",
                   "assistance_payment.bank_account_enc", "assistance_accountchange.old_account_enc",
                   "assistance_accountchange.new_account_enc", "assistance_paymentattempt.account_enc"):
        assert column in out
    settings.PORTAL_PII_KEYS = new  # the old key dropped: everything still decrypts
    household = _raw_rows("assistance_household", "WHERE id = %s", [hh.pk])[0]
    change = _raw_rows("assistance_accountchange", "WHERE household_id = %s", [hh.pk])[0]
    payment = _raw_rows("assistance_payment", "WHERE household_id = %s", [hh.pk])[0]
    for row, column in ((household, "bank_account_enc"), (household, "phone_enc"), (change, "old_account_enc"),
                        (change, "new_account_enc"), (payment, "bank_account_enc")):
        assert pii.key_id_of(row[column]) == "k9" != old_id, column
    assert pii.decrypt(pii.ACCOUNT, household["bank_account_enc"]) == ACCOUNT
    assert pii.decrypt(pii.PHONE, household["phone_enc"]) == PHONE
    assert pii.decrypt(pii.ACCOUNT, change["new_account_enc"]) == NEW_ACCOUNT
    assert pii.decrypt(pii.ACCOUNT, payment["bank_account_enc"]) == ACCOUNT
    assert Household.objects.get(bank_account=ACCOUNT).pk == hh.pk  # lookups unchanged
