"""A real worker is SIGKILLed in the middle of a 20,000-recipient batch build, then in the middle of its
payout. A new worker and the resume job finish the work: everyone is in the batch once and paid exactly once,
and the totals reconcile.
"""

import datetime as dt
import signal

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum

from assistance.models import Batch, Payment, PaymentAttempt
from assistance.services import batch_approve, batch_create, scheme_create
from assistance.tasks import resume_stalled_batches
from portal.models import Person, Role
from portal.population import generate_people
from tests.factories import UserFactory
from tests.pii_fixtures import seal_household_accounts
from tests.worker import broker_mode, start_worker, stop_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.worker,
              pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real broker)")]

N = 20_000
WORKER_SETTINGS = "tests.fault.worker_settings"


def _enrol_everyone_in_xian():
    """N people, one household each in 未央区 (610112), each with an active dibao enrolment: set-based SQL."""
    ctx = generate_people(people=N, seed=7)
    with connection.cursor() as cur:
        cur.execute(
            "INSERT INTO assistance_household (region_id, area, address, head_id, created_at, updated_at)"
            " SELECT '610112', CASE WHEN id %% 3 = 0 THEN 'rural' ELSE 'urban' END, '未央区测试路' || id || '号',"
            " id, now(), now() FROM portal_person WHERE id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id],
        )
        seal_household_accounts(ctx.first_person_id, ctx.last_person_id)  # encrypted at rest (portal.pii)
        cur.execute(
            "INSERT INTO assistance_member (household_id, person_id, relation, joined_on)"
            " SELECT id, head_id, 'head', DATE '2025-01-01' FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id],
        )
        cur.execute(
            "INSERT INTO assistance_enrolment (person_id, household_id, region_id, category, monthly_amount,"
            " start_date, status, created_at)"
            " SELECT head_id, id, region_id, 'dibao', 80000, DATE '2025-01-01', 'active', now()"
            " FROM assistance_household WHERE head_id BETWEEN %s AND %s",
            [ctx.first_person_id, ctx.last_person_id],
        )


def _kill(proc):
    stop_worker(proc, kill=True)
    assert proc.returncode == -signal.SIGKILL or proc.returncode is not None


@pytest.mark.django_db(transaction=True)
def test_build_and_payout_survive_a_killed_worker(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("the worker shares the test database only on PostgreSQL")
    _enrol_everyone_in_xian()
    maker = UserFactory(username="crash_cw", role=Role.CASEWORKER, region_id="610100")
    checker = UserFactory(username="crash_ap", role=Role.APPROVER, region_id="610100")
    scheme = scheme_create(
        name="一次性生活补贴（故障演练）", kind="one_time", region="610100", unit="person", categories=["dibao"],
        urban_amount=80000, rural_amount=70000, budget=N * 80000, deadline=dt.date(2026, 2, 10), actor=maker,
    )

    # --- build, killed part-way
    worker = start_worker(log_path=tmp_path / "w1.log", settings_module=WORKER_SETTINGS)
    try:
        with broker_mode():
            batch = batch_create(scheme=scheme, region="610112", actor=maker)

        def build_halfway():
            b = Batch.objects.get(pk=batch.pk)
            return b.build_hi and b.build_cursor - b.build_lo > (b.build_hi - b.build_lo) * 0.2

        wait_for(build_halfway, timeout=120, interval=0.02, message="the build to be under way")
    finally:
        _kill(worker)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.BUILDING, "the kill should land before the build ends"
    partial = Payment.objects.filter(batch=batch).count()
    assert 0 < partial < N

    # --- a new worker; the resume job sends the build again; it continues from its cursor
    worker = start_worker(log_path=tmp_path / "w2.log", settings_module=WORKER_SETTINGS)
    try:
        with broker_mode():
            resume_stalled_batches.delay(0)
        wait_for(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.DRAFT, timeout=180,
                 message="the resumed build to finish")
        batch.refresh_from_db()
        assert batch.recipient_count == N
        per_person = Payment.objects.filter(scheme=scheme).values("person").annotate(n=Count("id"))
        assert per_person.filter(n__gt=1).count() == 0
        expected_total = (Person.objects.filter(id__in=Payment.objects.filter(batch=batch).values("person")).count())
        assert expected_total == N
        total = Payment.objects.filter(batch=batch).aggregate(s=Sum("amount"))["s"]
        assert batch.total_amount == total

        # --- payout, killed part-way
        with broker_mode():
            batch_approve(batch=batch, actor=checker)

        def paying_halfway():
            return Payment.objects.filter(batch=batch, status=Payment.Status.PAID).count() > N * 0.2

        wait_for(paying_halfway, timeout=180, interval=0.05, message="the payout to be under way")
    finally:
        _kill(worker)
    batch.refresh_from_db()
    paid_at_kill = Payment.objects.filter(batch=batch, status=Payment.Status.PAID).count()
    assert batch.status == Batch.Status.PAYING and paid_at_kill < N, "the kill should land mid-payout"

    worker = start_worker(log_path=tmp_path / "w3.log", settings_module=WORKER_SETTINGS)
    try:
        with broker_mode():
            resume_stalled_batches.delay(0)
        wait_for(lambda: Batch.objects.get(pk=batch.pk).status == Batch.Status.PAID, timeout=300,
                 message="the resumed payout to finish")
    finally:
        stop_worker(worker)

    batch.refresh_from_db()
    scheme.refresh_from_db()
    assert Payment.objects.filter(batch=batch).exclude(status=Payment.Status.PAID).count() == 0
    # exactly one successful attempt per payment: nobody paid twice, nobody skipped
    paid_attempts = PaymentAttempt.objects.filter(payment__batch=batch, outcome="paid").values("payment").annotate(
        n=Count("id"))
    assert paid_attempts.count() == N
    assert paid_attempts.filter(n__gt=1).count() == 0
    assert batch.paid_count == N and batch.paid_amount == total
    assert scheme.paid == total and scheme.reserved == 0
