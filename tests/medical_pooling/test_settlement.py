"""Monthly full clearing: closed months by Beijing time, cross-region only, reconciled, repeatable."""

import datetime as dt

import pytest
from django.db.models import F, Sum

from medical_pooling import services
from medical_pooling.models import SettlementLine, SettlementRun, Spend
from portal.models import Job

from .factories import institution_user, insured, officer, relation
from .factories import spend as _factory_spend

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("historic_dates")]
BASE = "/api/v1/pooling"
BJ = dt.timezone(dt.timedelta(hours=8))


def _spend(inst_user, rel, amount, at):
    return _factory_spend(inst_user, rel, amount, at)


@pytest.fixture
def world():
    xian = insured(region="610100", balance=1_000_000)
    xian2 = insured(region="610100", balance=1_000_000)
    tj = insured(region="120100", balance=1_000_000, person_region="120101")
    parent = insured(scheme="resident", region="341600", person_region="341602")
    bz_hospital = institution_user("H34160200001")
    xa_hospital = institution_user("H61011200001")
    r1 = relation(xian, parent, 500_000)
    r2 = relation(xian2, parent, 500_000)
    r3 = relation(tj, parent, 500_000)
    jan = dt.datetime(2026, 1, 10, 9, 0, tzinfo=BJ)
    _spend(bz_hospital, r1, 10000, jan)
    _spend(bz_hospital, r1, 2500, jan)
    _spend(bz_hospital, r2, 700, jan)
    _spend(bz_hospital, r3, 300, jan)
    _spend(xa_hospital, r1, 999, jan)             # Xi'an pooler at a Xi'an hospital: not cross-region
    _spend(bz_hospital, r1, 111, dt.datetime(2026, 1, 31, 23, 30, tzinfo=BJ))   # January in Beijing time
    _spend(bz_hospital, r1, 222, dt.datetime(2026, 2, 1, 0, 10, tzinfo=BJ))     # February
    _spend(bz_hospital, r3, 333, dt.datetime(2025, 12, 31, 23, 59, tzinfo=BJ))  # December
    return locals()


def _lines(month):
    return list(SettlementLine.objects.filter(month=month).order_by("payer_region", "payee_region")
                .values_list("payer_region", "payee_region", "count", "amount"))


def test_clearing_api_cross_region_only_and_repeatable(api, world, django_capture_on_commit_callbacks):
    off = officer()
    with django_capture_on_commit_callbacks(execute=True):
        r = api(off).post(f"{BASE}/settlements/run/", {"month": "2026-01"}, format="json")
    assert r.status_code == 202, r.content
    assert Job.objects.get(pk=r.json()["job"]).status == "done"
    expected = [("120100", "341600", 1, 300), ("610100", "341600", 4, 10000 + 2500 + 700 + 111)]
    assert _lines("2026-01") == expected
    listed = api(off).get(f"{BASE}/settlements/?month=2026-01").json()
    assert listed == [
        {"month": "2026-01", "payer_region": "120100", "payee_region": "341600", "count": 1, "amount": "3.00",
         "month_status": "closed"},
        {"month": "2026-01", "payer_region": "610100", "payee_region": "341600", "count": 4, "amount": "133.11",
         "month_status": "closed"},
    ]
    # reconciled against the month's individual cross-region spends
    month_sum = (Spend.objects.filter(clearing_month="2026-01")
                 .exclude(payer_region=F("payee_region")).aggregate(s=Sum("amount"))["s"])
    assert sum(x[3] for x in expected) == month_sum
    run = SettlementRun.objects.get(month="2026-01")
    assert run.status == "done" and run.reconciled and run.line_amount == month_sum
    # running again gives the same statements, not double
    with django_capture_on_commit_callbacks(execute=True):
        assert api(off).post(f"{BASE}/settlements/run/", {"month": "2026-01"}, format="json").status_code == 202
    assert _lines("2026-01") == expected
    services.settlement_run(month="2026-02")
    assert _lines("2026-02") == [("610100", "341600", 1, 222)]
    services.settlement_run(month="2025-12")
    assert _lines("2025-12") == [("120100", "341600", 1, 333)]


def test_region_officer_sees_own_pairs_only(api, world):
    services.settlement_run(month="2026-01")
    tj = officer(region="120000")
    assert [x["payer_region"] for x in api(tj).get(f"{BASE}/settlements/?month=2026-01").json()] == ["120100"]
    bz = officer(region="341600")
    assert len(api(bz).get(f"{BASE}/settlements/?month=2026-01").json()) == 2
    assert api(officer(region="440000")).get(f"{BASE}/settlements/?month=2026-01").json() == []


def test_clearing_refused(api, world, caseworker):
    off = officer()
    now = dt.datetime.now(BJ)
    current = f"{now.year:04d}-{now.month:02d}"
    r = api(off).post(f"{BASE}/settlements/run/", {"month": current}, format="json")
    assert r.status_code == 400 and "month" in r.json()
    assert api(off).post(f"{BASE}/settlements/run/", {"month": "2026-13"}, format="json").status_code == 400
    assert api(off).post(f"{BASE}/settlements/run/", {"month": "2999-01"}, format="json").status_code == 400
    # prefecture-level officers and other roles may not run it
    assert api(officer(region="341600")).post(f"{BASE}/settlements/run/", {"month": "2026-01"},
                                              format="json").status_code == 403
    assert api(caseworker).post(f"{BASE}/settlements/run/", {"month": "2026-01"}, format="json").status_code == 403
    assert api(caseworker).get(f"{BASE}/settlements/?month=2026-01").status_code == 403
    assert not SettlementRun.objects.exists() and not SettlementLine.objects.exists()


def test_provincial_officer_may_run(api, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = api(officer(region="340000")).post(f"{BASE}/settlements/run/", {"month": "2026-01"}, format="json")
    assert r.status_code == 202
    assert SettlementLine.objects.filter(month="2026-01").count() == 2


def test_monthly_beat_task_is_scheduled():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="medical_pooling.run_monthly_settlement")
    assert (task.crontab.minute, task.crontab.hour, task.crontab.day_of_month) == ("0", "2", "1")
    assert str(task.crontab.timezone) == "Asia/Shanghai"


def test_rerun_of_a_closed_month_changes_nothing(world):
    """Once a month's run has succeeded the month is closed: running it again returns the run as it is and
    does not recompute (its statements never change)."""
    first = services.settlement_run(month="2026-01")
    expected = _lines("2026-01")
    SettlementLine.objects.filter(month="2026-01", payer_region="120100").update(amount=1, count=9)
    again = services.settlement_run(month="2026-01")
    assert again.pk == first.pk and again.run_at == first.run_at and again.status == "done"
    assert _lines("2026-01") != expected  # not recomputed: nobody rewrites a closed month's statements
    assert services.clearing_month_status("2026-01") == "closed"


@pytest.mark.django_db
@pytest.mark.parametrize("month", ["0000-01", "1999-12", "2026-13", "2026-00"])
def test_settlement_refuses_months_out_of_range(month):
    from django.core.exceptions import ValidationError

    from medical_pooling.services import month_bounds

    with pytest.raises(ValidationError):
        month_bounds(month)


@pytest.mark.django_db(transaction=True)
def test_clearing_requested_without_a_broker_runs_in_process():
    """The embedded mode (no REDIS_URL): the run button's job is done by the time the request returns."""
    from medical_pooling.services import previous_month, settlement_enqueue
    from portal.models import Job, Role
    from tests.factories import UserFactory

    officer = UserFactory(username="eager_officer", role=Role.INSURANCE_OFFICER, region_id=None)
    job = settlement_enqueue(month=previous_month(), actor=officer)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.task == "medical_pooling.run_settlement"


def test_a_spend_recorded_during_the_run_goes_to_the_next_month(world):
    """A spend booked while its month is being cleared is not lost and not counted twice: the month is
    `clearing` under the run's lock, so it books into the next open month."""
    from django.db import connection

    late = {}

    def record_a_spend_first(execute, sql, params, many, context):
        if sql.startswith(f"CREATE TEMPORARY TABLE {services.TMP}") and not late:
            late["spend"] = _spend(world["bz_hospital"], world["r2"], 4200, dt.datetime(2026, 1, 20, 10, 0, tzinfo=BJ))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record_a_spend_first):
        run = services.settlement_run(month="2026-01")
    assert late["spend"].clearing_month == "2026-02"
    assert run.status == SettlementRun.Status.DONE and run.reconciled
    assert ("610100", "341600", 4, 10000 + 2500 + 700 + 111) in _lines("2026-01")
    services.settlement_run(month="2026-02")
    assert _lines("2026-02") == [("610100", "341600", 2, 222 + 4200)]
