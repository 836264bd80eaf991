"""Real processes end to end: a Celery worker pays a 600-person batch through the bank simulator (its own
process and ledger). The worker is SIGKILLed right after a chunk is recorded and before its file is written,
then right after a file is written and before it is marked delivered; the bank is killed and restarted
mid-batch; the resume job is sent again and again. At the end the bank's own books say: every person paid
exactly once, and the bank's paid total equals the portal's to the fen."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection

from assistance import services
from assistance.channels import BankFileChannel
from assistance.models import BankFile, Batch, Payment, PaymentAttempt
from assistance.tasks import resume_stalled_batches
from banksim import ledger
from banksim.testing import BankProcess
from portal.models import Role
from portal.population import generate_people
from tests.factories import UserFactory
from tests.pii_fixtures import seal_household_accounts
from tests.worker import broker_mode, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.worker,
              pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)")]

N = 600
WORKER_SETTINGS = "tests.fault.bank_worker_settings"


def _households():
    ctx = generate_people(people=N, seed=11)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO assistance_household (region_id, area, address, head_id, created_at, updated_at)"
            " SELECT '610112', 'urban', '未央区银行测试路' || id || '号', id,"
            " now(), now() FROM portal_person WHERE id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id])
        seal_household_accounts(ctx.first_person_id, ctx.last_person_id)  # encrypted at rest (portal.pii)
        cur.execute(
            "INSERT INTO assistance_member (household_id, person_id, relation, joined_on)"
            " SELECT id, head_id, 'head', DATE '2025-01-01' FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id])
        cur.execute(
            "INSERT INTO assistance_enrolment (person_id, household_id, region_id, category, monthly_amount,"
            " start_date, status, created_at)"
            " SELECT head_id, id, region_id, 'dibao', 80000, DATE '2025-01-01', 'active', now()"
            " FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id])


def _kill(proc):
    stop_worker(proc, kill=True)
    assert proc.returncode is not None


@pytest.mark.django_db(transaction=True)
def test_paid_once_through_killed_workers_and_a_restarted_bank(tmp_path, settings, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    root = tmp_path / "bank"
    bank = BankProcess(root, poll=0.05).start()
    settings.ASSISTANCE_BANK_DIR = root
    settings.ASSISTANCE_BANK_URL = bank.url
    settings.ASSISTANCE_PAYMENT_CHANNEL = "bank_file"
    monkeypatch.setenv("PORTAL_BANK_DIR", str(root))
    try:
        _households()
        maker = UserFactory(username="bank_cw", role=Role.CASEWORKER, region_id="610100")
        checker = UserFactory(username="bank_ap", role=Role.APPROVER, region_id="610100")
        scheme = services.scheme_create(
            name="一次性生活补贴（银行故障演练）", kind="one_time", region="610100", unit="person",
            categories=["dibao"], urban_amount=80000, rural_amount=70000, budget=N * 80000,
            deadline=dt.date(2026, 2, 10), actor=maker)
        batch = services.batch_create(scheme=scheme, region="610112", actor=maker)  # built in-process (eager)
        batch.refresh_from_db()
        assert batch.status == Batch.Status.DRAFT and batch.recipient_count == N

        # 1. killed after recording a chunk as sent, before its file is written
        monkeypatch.setenv("PORTAL_BANK_TEST_PAUSE", "before_write:60")
        worker = start_worker(log_path=tmp_path / "w1.log", settings_module=WORKER_SETTINGS)
        try:
            with broker_mode():
                services.batch_approve(batch=batch, actor=checker)
            wait_for(lambda: BankFile.objects.filter(batch=batch, status="writing").exists(), timeout=120,
                     message="a chunk recorded, its file not yet written")
        finally:
            _kill(worker)
        recorded = BankFile.objects.get(batch=batch, status="writing")
        assert not (BankFileChannel().outbox() / f"{recorded.name}.csv").exists()
        assert Payment.objects.filter(batch=batch, status="sent").count() == recorded.rows

        # 2. the resume delivers that file; killed right after writing it, before marking it delivered
        monkeypatch.setenv("PORTAL_BANK_TEST_PAUSE", "after_write:60")
        worker = start_worker(log_path=tmp_path / "w2.log", settings_module=WORKER_SETTINGS)
        try:
            with broker_mode():
                resume_stalled_batches.delay(0)
            wait_for(lambda: (BankFileChannel().outbox() / f"{recorded.name}.csv").exists(), timeout=120,
                     message="the recorded file written by the resumed payout")
        finally:
            _kill(worker)
        assert BankFile.objects.get(pk=recorded.pk).status == "writing"

        # 3. the bank dies and comes back; a worker with no pause finishes, the resume job sent again and again
        bank.kill()
        bank.restart()
        monkeypatch.delenv("PORTAL_BANK_TEST_PAUSE")
        worker = start_worker(log_path=tmp_path / "w3.log", settings_module=WORKER_SETTINGS)
        try:
            with broker_mode():
                for _ in range(3):
                    resume_stalled_batches.delay(0)

            def settled():
                services.bank_results_fetch()
                return Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID

            wait_for(settled, timeout=240, interval=0.5, message="every payment answered by the bank")
            with broker_mode():
                resume_stalled_batches.delay(0)  # once more after the end: nothing to send
        finally:
            stop_worker(worker)
    finally:
        bank.stop()

    batch.refresh_from_db()
    assert batch.paid_count == N and Payment.objects.filter(batch=batch).exclude(status="paid").count() == 0
    sent = list(PaymentAttempt.objects.filter(payment__batch=batch, outcome="sent").values_list("reference", flat=True))
    assert len(sent) == len(set(sent)) == N, "each payment handed over once, under one reference"
    files = {p.name for p in BankFileChannel().outbox().glob("*.csv")}
    assert files == {f"{n}.csv" for n in BankFile.objects.filter(batch=batch, kind="disbursement")
                     .values_list("name", flat=True)}
    # the bank's own books
    assert ledger.paid_total_fen(root) == batch.paid_amount == N * 80000
    per_account = ledger.paid_count_per_account(root)
    assert len(per_account) == N and set(per_account.values()) == {1}
    assert services.batch_reconcile(batch_id=batch.pk).balanced
