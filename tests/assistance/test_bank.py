"""Winter relief paid through a real counterparty: the bank simulator runs as its own process (its own
ledger), and every test ends by reading the bank's books: each person paid exactly once, the bank's paid
total equal to the portal's to the fen."""

import shutil
import time

import pytest
from django.core.exceptions import PermissionDenied

from assistance import services
from assistance.channels import BankFileChannel
from assistance.models import AccountChange, BankFile, Batch, Payment, PaymentAttempt
from banksim import ledger
from banksim.testing import BankProcess
from portal import pii
from tests.assistance import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def bank(tmp_path, settings):
    root = tmp_path / "bank"
    with BankProcess(root, poll=0.05) as proc:
        settings.ASSISTANCE_BANK_DIR = root
        settings.ASSISTANCE_BANK_URL = proc.url
        settings.ASSISTANCE_PAYMENT_CHANNEL = "bank_file"
        yield proc


def _approved_batch(caseworker, approver, households=3, accounts=None):
    for i in range(households):
        account = (accounts or {}).get(i, f"62220202001122{i:05d}")
        f.household(caseworker, members=1, bank_account=account)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    services.batch_approve(batch=batch, actor=approver)
    return batch


def _settle(bank, batch):
    """Wait for the bank's answers to every file of the batch and fetch them."""
    for bank_file in BankFile.objects.filter(batch=batch, kind=BankFile.Kind.DISBURSEMENT):
        bank.wait_for_result(bank_file.name, timeout=15)
    services.bank_results_fetch()
    batch.refresh_from_db()
    return batch


def _assert_books_agree(bank, *batches):
    paid = sum(Payment.objects.filter(batch__in=batches, status="paid").values_list("amount", flat=True))
    assert ledger.paid_total_fen(bank.root) == paid
    by_ref = ledger.payments_by_reference(bank.root)
    paid_refs = [r for r, row in by_ref.items() if row["status"] == "paid"]
    paid_payments = {int(r.split("-")[1]) for r in paid_refs}
    assert len(paid_payments) == len(paid_refs), "a payment was paid under two references"
    assert paid_payments == set(Payment.objects.filter(batch__in=batches, status="paid").values_list("id", flat=True))


def test_paid_once_and_reconciled_with_the_banks_books(bank, caseworker, approver):
    batch = _approved_batch(caseworker, approver)
    services.batch_pay(batch_id=batch.pk)
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"sent"}
    batch = _settle(bank, batch)
    assert batch.status == "paid" and batch.paid_count == 3
    _assert_books_agree(bank, batch)
    rec = services.batch_reconcile(batch_id=batch.pk)
    assert rec.balanced, rec.problems
    assert rec.portal["paid"] == rec.bank["paid"] == {"count": 3, "amount": batch.paid_amount}


def test_a_payment_waiting_for_the_bank_is_never_sent_again(bank, caseworker, approver):
    """Finding 1: the resume job and a re-issue used to send a pending batch again under new references."""
    bank.config(paused=True)  # a slow bank: nothing is answered yet
    batch = _approved_batch(caseworker, approver, households=3, accounts={0: "6222020200000000007"})
    bank.config(paused=False, closed_account_suffixes=["7"])
    services.batch_pay(batch_id=batch.pk)
    batch = _settle(bank, batch)
    failed = Payment.objects.get(batch=batch, status="failed")
    bank.config(paused=True)
    services.household_update(household=failed.household, area="urban", address="新地址1号",
                              bank_account="6222020200000000001", actor=caseworker)
    change = AccountChange.objects.get(household=failed.household)
    services.account_change_decide(change=change, approve=True, actor=approver)
    services.payment_reissue(payment=failed, actor=approver)
    services.batch_pay(batch_id=batch.pk)
    for _ in range(5):  # the resume job, again and again, while the bank is slow
        services.batch_resume_stalled(stale_after=__import__("datetime").timedelta(0))
        services.batch_pay(batch_id=batch.pk)
    sent = list(PaymentAttempt.objects.filter(payment__batch=batch, outcome="sent").values_list("reference", flat=True))
    assert len(sent) == len(set(sent)) == 4  # three first hand-overs and one re-issue, each once
    outbox = sorted(p.name for p in BankFileChannel().outbox().glob("*.csv"))
    assert len(outbox) == 2 == BankFile.objects.filter(batch=batch, kind="disbursement").count()
    bank.config(paused=False)
    batch = _settle(bank, batch)
    assert batch.status == "paid" and batch.paid_count == 3 and batch.failed_count == 0
    _assert_books_agree(bank, batch)
    assert ledger.paid_count_per_account(bank.root).get("6222020200000000001") == 1
    assert services.batch_reconcile(batch_id=batch.pk).balanced


def test_the_maker_cannot_redirect_or_settle_a_payment_alone(bank, caseworker, approver, api):
    """Finding 2: the batch's maker changed an account, imported hand-made results and re-issued alone."""
    bank.config(closed_account_suffixes=["7"])
    batch = _approved_batch(caseworker, approver, households=2, accounts={0: "6222020200000000007"})
    services.batch_pay(batch_id=batch.pk)
    batch = _settle(bank, batch)
    failed = Payment.objects.get(batch=batch, status="failed")
    # the account change waits for a second person; the approved payment keeps what was approved
    services.household_update(household=failed.household, area="urban", address="x路1号",
                              bank_account="6222020299999999999", actor=caseworker)
    failed.household.refresh_from_db()
    assert failed.household.bank_account == "6222020200000000007"
    assert AccountChange.objects.get(household=failed.household).status == "pending"
    with pytest.raises(PermissionDenied):
        services.account_change_decide(change=AccountChange.objects.get(), approve=True, actor=caseworker)
    # re-issue, cancel and a hand-made result file: never by the maker
    assert api(caseworker).post(f"/api/v1/assistance/payments/{failed.pk}/reissue/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.payment_cancel(payment=failed, actor=caseworker)
    with pytest.raises(PermissionDenied):
        services.bank_result_upload(batch=batch, data=b"H,x,1,1,0.01,0,0.00\n", filename="x.result.csv",
                                    actor=caseworker)
    failed.refresh_from_db()
    assert failed.status == "failed" and failed.bank_account == "6222020200000000007"
    _assert_books_agree(bank, batch)


def test_result_files_that_do_not_match_are_refused_whole_and_duplicates_change_nothing(
        bank, caseworker, approver, make_user):
    other_approver = make_user("approver", "610100", username="ap2")
    batch = _approved_batch(caseworker, approver, households=2)
    bank.config(paused=True)
    services.batch_pay(batch_id=batch.pk)
    disbursement = BankFile.objects.get(batch=batch, kind="disbursement")
    refs = [(ref, pii.decrypt(pii.ACCOUNT, blob), amount)  # the account handed over, as the bank saw it
            for ref, blob, amount in PaymentAttempt.objects.filter(file=disbursement).order_by("id").values_list(
                "reference", "account_enc", "amount")]
    # a hand-made file claiming one payment with a wrong amount: refused, with its row, nothing applied
    forged = (f"H,{disbursement.name},2,2,1600.01,0,0.00\n"
              f"D,{refs[0][0]},{refs[0][1]},800.01,S,0000,成功\n"
              f"D,{refs[1][0]},{refs[1][1]},800.00,S,0000,成功\n").encode()
    record = services.bank_result_upload(batch=batch, data=forged, filename=f"{disbursement.name}.result.csv",
                                         actor=other_approver)
    assert record.status == "refused" and "第2行" in record.errors
    assert set(Payment.objects.filter(batch=batch).values_list("status", flat=True)) == {"sent"}
    bank.config(paused=False)
    batch = _settle(bank, batch)
    assert batch.paid_count == 2
    # the bank's own result, applied; the same content again under another name changes nothing
    answer = BankFileChannel().inbox() / f"{disbursement.name}.result.csv"
    copy = services.bank_result_upload(batch=batch, data=answer.read_bytes(), filename="again.result.csv",
                                       actor=other_approver)
    assert copy.status in ("duplicate", "refused")
    assert services.bank_results_fetch() == []  # the inbox's files are all known
    batch.refresh_from_db()
    assert batch.paid_count == 2 and Payment.objects.filter(batch=batch, status="paid").count() == 2
    _assert_books_agree(bank, batch)


def test_a_worker_dying_between_recording_and_writing_the_file(bank, caseworker, approver, monkeypatch):
    batch = _approved_batch(caseworker, approver)
    real = BankFileChannel.deliver
    monkeypatch.setattr(BankFileChannel, "deliver", lambda self, name, data: (_ for _ in ()).throw(SystemExit))
    with pytest.raises(SystemExit):
        services.batch_pay(batch_id=batch.pk)
    assert BankFile.objects.get(batch=batch).status == "writing"
    assert not list(BankFileChannel().outbox().glob("*.csv"))
    monkeypatch.setattr(BankFileChannel, "deliver", real)
    services.batch_pay(batch_id=batch.pk)  # the resume: delivers the recorded file, sends nothing new
    assert BankFile.objects.get(batch=batch).status == "sent"
    batch = _settle(bank, batch)
    assert batch.status == "paid" and batch.paid_count == 3
    _assert_books_agree(bank, batch)


def test_a_worker_dying_after_writing_the_file(bank, caseworker, approver, monkeypatch):
    batch = _approved_batch(caseworker, approver)
    real = BankFileChannel.deliver

    def deliver_then_die(self, name, data):
        real(self, name, data)
        raise SystemExit

    monkeypatch.setattr(BankFileChannel, "deliver", deliver_then_die)
    with pytest.raises(SystemExit):
        services.batch_pay(batch_id=batch.pk)
    monkeypatch.setattr(BankFileChannel, "deliver", real)
    services.batch_pay(batch_id=batch.pk)
    assert len(list(BankFileChannel().outbox().glob("*.csv"))) == 1
    batch = _settle(bank, batch)
    assert batch.paid_count == 3
    _assert_books_agree(bank, batch)


def test_the_bank_restarted_mid_batch(bank, caseworker, approver, settings):
    settings.ASSISTANCE_PAY_CHUNK = 2
    bank.config(delay_seconds=1.0)
    batch = _approved_batch(caseworker, approver, households=5)
    services.batch_pay(batch_id=batch.pk)
    time.sleep(0.3)  # the bank has booked the first files, not yet answered them
    bank.kill()
    bank.restart()
    bank.config(delay_seconds=0)
    batch = _settle(bank, batch)
    assert batch.status == "paid" and batch.paid_count == 5
    _assert_books_agree(bank, batch)


def test_an_unanswered_payment_is_resolved_by_asking_the_bank(bank, caseworker, approver):
    batch = _approved_batch(caseworker, approver, households=2)
    services.batch_pay(batch_id=batch.pk)
    disbursement = BankFile.objects.get(batch=batch, kind="disbursement")
    result = bank.wait_for_result(disbursement.name, timeout=15)
    lost = result.with_name("lost.csv.bak")
    shutil.move(result, lost)  # the answer file never reaches the portal
    assert services.bank_results_fetch() == []
    counts = services.bank_query_unanswered(older_than=0)
    assert counts["applied"] == 2 and counts["unknown"] == 0
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.paid_count == 2
    _assert_books_agree(bank, batch)
    assert services.batch_reconcile(batch_id=batch.pk).balanced


def test_reconciliation_flags_a_batch_whose_books_differ(bank, caseworker, approver, client, make_user):
    batch = _approved_batch(caseworker, approver, households=2)
    services.batch_pay(batch_id=batch.pk)
    batch = _settle(bank, batch)
    assert services.batches_reconcile() == []
    # the portal's books changed behind the bank's back: one paid payment's amount edited in the database
    Payment.objects.filter(batch=batch, status="paid").order_by("id").update(amount=1)
    assert services.batches_reconcile() == [batch.pk]
    other_approver = make_user("approver", "610100", username="ap_dash")
    client.force_login(other_approver)
    assert f"#{batch.pk}" in client.get("/").content.decode()
    assert "paid" in Batch.objects.get(pk=batch.pk).reconciliations.first().problems


def test_members_of_one_household_are_paid_to_its_account_under_the_holders_name(bank, caseworker, approver,
                                                                                client):
    f.household(caseworker, members=3, bank_account="6222020200000012345")
    batch = f.built_batch(caseworker, f.scheme(caseworker, unit="person"))
    head = Payment.objects.filter(batch=batch).order_by("id").first().household.head
    assert {(name, pii.decrypt(pii.ACCOUNT, blob)) for name, blob in Payment.objects.filter(batch=batch)
            .values_list("payee_name", "bank_account_enc")} == {(head.name, "6222020200000012345")}
    client.force_login(approver)
    page = client.get(f"/assistance/batches/{batch.pk}/payments/").content.decode()
    assert "*2345" in page and "6222020200000012345" not in page  # what the approver approves, masked
    services.batch_approve(batch=batch, actor=approver)
    services.batch_pay(batch_id=batch.pk)
    batch = _settle(bank, batch)
    assert batch.paid_count == 3  # the bank checks one holder name for the account: all three pass
    _assert_books_agree(bank, batch)
    assert ledger.paid_count_per_account(bank.root) == {"6222020200000012345": 3}
    page = client.get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "银行对账" in page


def test_a_payment_the_bank_would_refuse_fails_at_once_and_the_rest_are_paid(bank, caseworker, approver):
    batch = _approved_batch(caseworker, approver, households=2)
    # through the model: a queryset update() would write only the lookup column of an encrypted field
    first = Payment.objects.filter(batch=batch).order_by("id").first()
    first.bank_account = "12-34"
    first.save(update_fields=["bank_account", "bank_account_enc", "bank_account_masked"])
    services.batch_pay(batch_id=batch.pk)
    batch = _settle(bank, batch)
    bad = Payment.objects.filter(batch=batch).order_by("id").first()
    assert bad.status == "failed" and "收款账号" in bad.reason
    assert batch.status == "paid" and batch.paid_count == 1 and batch.failed_count == 1
    assert not PaymentAttempt.objects.filter(payment=bad, outcome="sent").exists()  # never handed over
    _assert_books_agree(bank, batch)


def test_reconciliation_stays_set_based_when_the_answers_outgrow_memory(caseworker):
    """The unanswered figure compares a batch's references handed over with those answered. As
    `NOT IN (subquery)` PostgreSQL hashes the answered references only while they fit in work_mem; past
    that (a few hundred thousand payments at the default 4MB) it rescans them for every reference handed
    over, quadratic: at 500,000 payments a reconciliation no longer ends. As an anti-join it does not
    depend on memory. Shown with the smallest work_mem and a few thousand attempts: no subquery run per row
    (nor one that only stays hashed while it fits)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("a PostgreSQL plan")
    f.household(caseworker, members=1)
    batch = f.built_batch(caseworker, f.scheme(caseworker))
    payment = Payment.objects.get(batch=batch)
    with connection.cursor() as cur:  # 6,000 references handed over, 4,000 of them answered
        cur.execute(
            "INSERT INTO assistance_paymentattempt (payment_id, channel, outcome, reference, message, at, amount,"
            " account_hmac, holder) SELECT %s, 'bank_file', o.outcome, %s || g, '', now(), 80000, '', '测试'"
            " FROM generate_series(1, 6000) g CROSS JOIN (VALUES ('sent'), ('paid')) o(outcome)"
            " WHERE o.outcome = 'sent' OR g <= 4000",
            [payment.pk, f"{batch.pk}-{payment.pk}-"])
        cur.execute("ANALYZE assistance_paymentattempt")
        cur.execute("ANALYZE assistance_payment")
    with CaptureQueriesContext(connection) as captured:
        rec = services.batch_reconcile(batch_id=batch.pk)
    assert rec.portal["sent"]["count"] == 6000 and rec.portal["unanswered"] == {"count": 2000, "amount": 160000000}
    selects = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")]
    assert selects
    with connection.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '64kB'")
        cur.execute("SET LOCAL hash_mem_multiplier = 1")
        for sql in selects:
            cur.execute("EXPLAIN " + sql)
            plan = "\n".join(r[0] for r in cur.fetchall())
            assert "SubPlan" not in plan, f"a subquery per row (hashed only while it fits):\n{sql}\n{plan}"
