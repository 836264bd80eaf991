"""Monthly assistance (issue 15): standards as data, the means test, household enrolments, the monthly
payroll with advance months, back-pay, suspension/stop and the gradual exit, and a race of two runs."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from assistance import services
from assistance.models import (
    Batch,
    Enrolment,
    HouseholdEnrolment,
    Member,
    PaidMonth,
    Payment,
    Scheme,
)
from assistance.services.standards import standard_in_force
from portal.roles import Role
from tests.factories import UserFactory

from . import factories as f

pytestmark = pytest.mark.django_db

# months paid are recorded (PaidMonth) by the PostgreSQL path of recording outcomes only
needs_paid_months = pytest.mark.skipif(connection.vendor != "postgresql",
                                       reason="PaidMonth coverage is written on PostgreSQL only")

JAN, FEB, MAR = dt.date(2026, 1, 10), dt.date(2026, 2, 10), dt.date(2026, 3, 10)


@pytest.fixture
def world(caseworker):
    f.rule("610100", pay_day=10, exit_months=2)
    f.standard("610000", amount=70000)  # the province
    f.standard("610100", amount=80000)  # Xi'an raises it
    return caseworker


def pay(batch, approver):
    services.batch_approve(batch=batch, actor=approver)
    return services.batch_pay(batch_id=batch.pk)


def lines(batch):
    return {(p.person_id, p.period): p.amount for p in Payment.objects.filter(batch=batch)
            .exclude(status=Payment.Status.CANCELLED)}


# ---------------------------------------------------------------- standards

def test_standard_walks_up_the_region_tree_and_takes_the_higher_or_tops_up(db):
    f.standard("610000", amount=70000)
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=JAN).amount == 70000
    f.standard("610100", amount=65000)  # a city rate below the province's: the province's stands
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=JAN).amount == 70000
    f.standard("610100", amount=82000, effective=dt.date(2026, 2, 1))
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=JAN).amount == 70000
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=FEB).amount == 82000
    f.standard("610112", amount=3000, combine="top_up")  # the district tops the city's rate up
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=FEB).amount == 85000
    assert standard_in_force(region="610112", area="rural", kind="dibao", on=FEB) is None
    assert standard_in_force(region="120101", area="urban", kind="dibao", on=FEB) is None


def test_standard_set_ends_the_previous_rate_and_needs_an_approver(world, approver):
    with pytest.raises(PermissionDenied):
        services.standard_set(region="610100", area="urban", kind="dibao", amount=90000,
                              effective_from=dt.date(2026, 2, 1), actor=world)
    services.standard_set(region="610100", area="urban", kind="dibao", amount=90000,
                          effective_from=dt.date(2026, 2, 1), actor=approver)
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=JAN).amount == 80000
    assert standard_in_force(region="610112", area="urban", kind="dibao", on=FEB).amount == 90000


# ---------------------------------------------------------------- the means test

def test_means_test_through_the_api_finds_eligibility_and_the_amount(world, api):
    hh = f.household(world, members=3, enrol=False)
    head = Member.objects.filter(household=hh).order_by("id").first()
    Member.objects.filter(pk=head.pk).update(severe_disability=True)
    services.income_item_add(household=hh, kind="wages", monthly_amount=120000, actor=world)
    services.income_item_add(household=hh, kind="transfers", monthly_amount=50000, actor=world)  # not counted
    resp = api(world).post(f"/api/v1/assistance/households/{hh.pk}/means-test/", {"on": "2026-01-10"},
                           format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    # counted 1200.00 / 3 = 400.00 per person; (800 − 400) × 3 + 100 severe-disability addition
    assert body["per_capita_income"] == "400.00"
    assert body["standard"] == "800.00"
    assert body["eligible"] is True
    assert body["amount"] == "1300.00"
    assert [i["counted"] for i in body["inputs"]["income"]] == [True, False]
    assert body["inputs"]["standard"]["sources"][-1]["region"] == "610100"


def test_means_test_minimum_per_person_and_ineligible_cases(world, api):
    hh = f.household(world, members=2, enrol=False)
    services.income_item_add(household=hh, kind="wages", monthly_amount=158000, actor=world)  # 790 a head
    test = services.means_test_run(household=hh, actor=world, on=JAN)
    assert test.eligible and test.amount == 2 * 2000  # gap 10.00 < minimum 20.00 per person
    services.income_item_add(household=hh, kind="pension", monthly_amount=4000, actor=world)  # 810 a head
    test = services.means_test_run(household=hh, actor=world, on=JAN)
    assert not test.eligible and test.amount == 0
    rich = f.household(world, members=1, enrol=False)
    services.asset_add(household=rich, kind="vehicle", quantity=1, value=5_000_000, actor=world)
    body = api(world).post(f"/api/v1/assistance/households/{rich.pk}/means-test/", {}, format="json").json()
    assert body["eligible"] is False and any("机动车" in r for r in body["reasons"])


def test_means_test_is_refused_outside_the_region(world, outsider, api):
    hh = f.household(world, members=1, enrol=False)
    assert api(outsider).post(f"/api/v1/assistance/households/{hh.pk}/means-test/", {}, format="json") \
        .status_code == 404


# ---------------------------------------------------------------- household enrolment and the payroll

@needs_paid_months
def test_household_enrolment_splits_the_amount_and_is_paid_monthly(world, approver):
    hh, he = f.enrolled_household(world, members=2, wages=60000)  # 300 a head: (800-300) x 2 = 1000
    assert he.monthly_amount == 100000
    assert sorted(Enrolment.objects.filter(household_enrolment=he).values_list("monthly_amount", flat=True)) \
        == [50000, 50000]
    batch = services.payroll_run(region="610100", month="2026-01", on=JAN)
    assert batch.created_by_id is None and batch.status == Batch.Status.DRAFT
    assert sorted(lines(batch).values()) == [50000, 50000]
    assert services.payroll_run(region="610100", month="2026-01", on=JAN).pk == batch.pk  # once a month
    batch = pay(batch, approver)
    assert batch.status == Batch.Status.PAID
    assert PaidMonth.objects.filter(month="2026-01").count() == 2
    feb = services.payroll_run(region="610100", month="2026-02", on=FEB)
    assert feb.pk != batch.pk and feb.recipient_count == 2 and feb.total_amount == 100000


def test_existing_person_enrolment_appears_in_the_next_payroll(world):
    f.household(world, members=1, monthly=45000, category="dibao")  # the per-person API path
    batch = services.payroll_run(region="610100", month="2026-01", on=JAN)
    assert list(lines(batch).values()) == [45000]


@needs_paid_months
def test_months_paid_in_advance_are_skipped(world, approver):
    hh, he = f.enrolled_household(world, members=1)
    adv = services.scheme_create(name="提前发放1-3月", kind="advance", region="610100", unit="person",
                                 categories=["dibao"], urban_amount=0, rural_amount=0, months=3, budget=10**10,
                                 deadline=dt.date(2026, 2, 10), first_month="2026-01", actor=world)
    batch = f.built_batch(world, adv)
    assert batch.total_amount == 3 * 80000
    pay(batch, approver)
    assert sorted(PaidMonth.objects.values_list("month", flat=True)) == ["2026-01", "2026-02", "2026-03"]
    for month, day in (("2026-01", JAN), ("2026-02", FEB), ("2026-03", MAR)):
        assert services.payroll_run(region="610100", month=month, on=day).status == Batch.Status.CANCELLED
    apr = services.payroll_run(region="610100", month="2026-04", on=dt.date(2026, 4, 10))
    assert list(lines(apr).values()) == [80000]


def test_an_unpaid_advance_also_keeps_its_months_out(world):
    f.enrolled_household(world, members=1)
    adv = services.scheme_create(name="提前发放", kind="advance", region="610100", unit="household",
                                 categories=["dibao"], urban_amount=0, rural_amount=0, months=2, budget=10**10,
                                 deadline=dt.date(2026, 2, 10), first_month="2026-01", actor=world)
    f.built_batch(world, adv)  # draft, not yet paid
    assert services.payroll_run(region="610100", month="2026-01", on=JAN).status == Batch.Status.CANCELLED


@needs_paid_months
def test_a_standard_raised_mid_year_is_back_paid_once(world, approver):
    hh, he = f.enrolled_household(world, members=2, wages=60000)  # 500 a head
    pay(services.payroll_run(region="610100", month="2026-01", on=JAN), approver)
    # in February the city raises its standard to 900 from 1 January
    services.standard_set(region="610100", area="urban", kind="dibao", amount=90000,
                          effective_from=dt.date(2026, 1, 1), actor=approver)
    he.refresh_from_db()
    assert he.monthly_amount == 120000
    feb = services.payroll_run(region="610100", month="2026-02", on=FEB)
    got = lines(feb)
    assert sorted(v for (p, period), v in got.items() if period == "2026-02") == [60000, 60000]
    assert sorted(v for (p, period), v in got.items() if period == "2026-01-bp02") == [10000, 10000]
    pay(feb, approver)
    mar = services.payroll_run(region="610100", month="2026-03", on=MAR)
    assert all(period == "2026-03" for (_p, period) in lines(mar))  # the difference is not paid again


def test_a_late_confirmation_with_an_earlier_start_is_back_paid(world, approver):
    f.enrolled_household(world, members=1)
    pay(services.payroll_run(region="610100", month="2026-01", on=JAN), approver)
    hh, he = f.enrolled_household(world, members=1, start=dt.date(2026, 1, 1))  # confirmed in February
    feb = services.payroll_run(region="610100", month="2026-02", on=FEB)
    person = Enrolment.objects.get(household_enrolment=he).person_id
    assert lines(feb)[(person, "2026-01-bp02")] == 80000
    assert lines(feb)[(person, "2026-02")] == 80000


@needs_paid_months
def test_suspended_and_stopped_are_not_paid_and_resume_pays_again(world, approver, client):
    hh, he = f.enrolled_household(world, members=1)
    stopped_hh, stopped = f.enrolled_household(world, members=1)
    client.force_login(world)
    r = client.post(f"/assistance/household-enrolments/{he.pk}/suspend/", {"on": "2026-02-01", "reason": "核查"})
    assert r.status_code == 302
    r = client.post(f"/assistance/household-enrolments/{stopped.pk}/stop/", {"on": "2026-02-01", "reason": "迁出"})
    assert r.status_code == 302
    he.refresh_from_db()
    stopped.refresh_from_db()
    assert he.status == "suspended" and stopped.status == "stopped"
    jan = services.payroll_run(region="610100", month="2026-01", on=JAN)
    assert jan.recipient_count == 2  # both still paid for January
    pay(jan, approver)
    assert services.payroll_run(region="610100", month="2026-02", on=FEB).status == Batch.Status.CANCELLED
    client.post(f"/assistance/household-enrolments/{he.pk}/resume/", {"on": "2026-03-01", "reason": "核实"})
    mar = services.payroll_run(region="610100", month="2026-03", on=MAR)
    # March only: the suspended February is not back-paid, the stopped household never again
    assert list(lines(mar).keys()) == [(Enrolment.objects.filter(household_enrolment=he).first().person_id,
                                        "2026-03")]


def test_income_above_the_standard_starts_the_gradual_exit(world, approver):
    hh, he = f.enrolled_household(world, members=1)
    services.income_item_add(household=hh, kind="wages", monthly_amount=90000, actor=world)
    test = services.means_test_run(household=hh, actor=world, on=dt.date(2026, 3, 5))
    assert not test.eligible
    he.refresh_from_db()
    assert he.status == "exiting" and he.end == dt.date(2026, 5, 31)  # 2 more months (the rule's)
    assert services.payroll_run(region="610100", month="2026-05", on=dt.date(2026, 5, 10)).recipient_count == 1
    assert services.payroll_run(region="610100", month="2026-06",
                                on=dt.date(2026, 6, 10)).status == Batch.Status.CANCELLED
    services.monthly_payroll(on=dt.date(2026, 6, 11))
    he.refresh_from_db()
    assert he.status == "stopped"


def test_the_daily_job_runs_only_on_the_pay_day(world):
    f.enrolled_household(world, members=1)
    assert services.monthly_payroll(on=dt.date(2026, 1, 9)) == []
    made = services.monthly_payroll(on=JAN)
    assert len(made) == 1 and Batch.objects.get(pk=made[0]).payroll_month == "2026-01"
    assert services.monthly_payroll(on=JAN) == made  # a second run the same day finds the same batch
    from django_celery_beat.models import PeriodicTask

    assert PeriodicTask.objects.filter(task="assistance.monthly_payroll").exists()


def test_a_system_made_payroll_is_approved_by_any_approver_but_not_by_a_caseworker(world, approver):
    f.enrolled_household(world, members=1)
    batch = services.payroll_run(region="610100", month="2026-01", on=JAN)
    with pytest.raises(PermissionDenied):
        services.batch_approve(batch=batch, actor=world)
    assert services.batch_approve(batch=batch, actor=approver).status == Batch.Status.APPROVED


def test_a_manual_monthly_batch_needs_a_month_and_cannot_double_the_job(world):
    f.enrolled_household(world, members=1)
    scheme = services.payroll_run(region="610100", month="2026-01", on=JAN).scheme
    with pytest.raises(ValidationError):
        services.batch_create(scheme=scheme, region="610100", period="once", actor=world)
    with pytest.raises(ValidationError):
        services.batch_create(scheme=scheme, region="610100", period="2026-01", actor=world)
    with pytest.raises(ValidationError):
        services.scheme_create(name="月度", kind="monthly", region="610100", unit="person", categories=["dibao"],
                               urban_amount=0, rural_amount=0, budget=1, deadline=JAN, actor=world)


@pytest.mark.django_db(transaction=True)
def test_two_payroll_runs_at_once_make_one_batch_and_pay_nobody_twice(caseworker, settings):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL")
    settings.ASSISTANCE_BUILD_CHUNK = 2
    f.rule("610100", pay_day=10)
    f.standard("610100", amount=80000)
    people = 0
    for _ in range(6):
        f.enrolled_household(caseworker, members=2)
        people += 2
    errors, made = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            made.append(services.payroll_run(region="610100", month="2026-01", on=JAN).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(made)) == 1
    assert Batch.objects.filter(payroll_month="2026-01").count() == 1
    assert Payment.objects.filter(period="2026-01").count() == people
    assert Payment.objects.filter(period="2026-01").values("person").distinct().count() == people
    assert Scheme.objects.filter(kind="monthly").count() == 1


def test_household_enrol_needs_an_eligible_means_test(world):
    hh = f.household(world, members=1, enrol=False)
    with pytest.raises(ValidationError):
        services.household_enrol(household=hh, actor=world, start=JAN)
    services.income_item_add(household=hh, kind="wages", monthly_amount=100000, actor=world)
    services.means_test_run(household=hh, actor=world, on=JAN)
    with pytest.raises(ValidationError):
        services.household_enrol(household=hh, actor=world, start=JAN)
    assert not HouseholdEnrolment.objects.exists()


def test_an_approver_outside_the_region_cannot_stop(world):
    hh, he = f.enrolled_household(world, members=1)
    other = UserFactory(role=Role.APPROVER, region_id="120000")
    with pytest.raises(PermissionDenied):
        services.enrolment_stop(household_enrolment=he, actor=other, reason="x")


def test_pages_income_means_test_enrol_and_standards(world, client):
    hh = f.household(world, members=2, enrol=False)
    client.force_login(world)
    r = client.post(f"/assistance/households/{hh.pk}/income/", {"kind": "wages", "monthly_amount": "600.00"})
    assert r.status_code == 302
    r = client.post(f"/assistance/households/{hh.pk}/assets/", {"kind": "deposit", "quantity": 1, "value": "1000"})
    assert r.status_code == 302
    r = client.post(f"/assistance/households/{hh.pk}/means-test/", {"category": "dibao", "on": "2026-01-10"})
    assert r.status_code == 302
    page = client.get(r["Location"]).content.decode()
    assert "¥300.00" in page and "¥1,000.00" in page  # per-capita income and the household amount
    r = client.post(f"/assistance/households/{hh.pk}/enrol/", {"category": "dibao", "start": "2026-01-01"})
    assert r.status_code == 302
    page = client.get(f"/assistance/households/{hh.pk}/").content.decode()
    assert "正常发放" in page and "停发" in page and "符合条件" in page
    assert "西安市" in client.get("/assistance/standards/").content.decode()
    r = client.post(f"/assistance/households/{hh.pk}/enrol/", {"category": "dibao", "start": "2026-01-01"})
    assert r.status_code == 200 and "已有同类认定" in r.content.decode()


# ---------------------------------------------------------------- periodic review

def test_due_reviews_queue_outcomes_and_the_overdue_count(world, client):
    hh, he = f.enrolled_household(world, members=1, start=f.START)  # review due 2026-01-01 (overdue)
    _hh2, confirmed = f.enrolled_household(world, members=1, start=f.START)
    Member.objects.filter(household=_hh2).update(work_able=True)
    client.force_login(world)
    page = client.get("/assistance/reviews/").content.decode()
    assert page.count("逾期") >= 2
    assert "逾期未复核的救助家庭" in client.get("/").content.decode()
    r = client.post(f"/assistance/household-enrolments/{confirmed.pk}/review/", {"outcome": "confirm"})
    assert r.status_code == 302
    confirmed.refresh_from_db()
    today = dt.date.today()
    assert confirmed.review_due > today and (confirmed.review_due - today).days <= 6 * 31  # work-able: 6 months
    services.income_item_add(household=hh, kind="wages", monthly_amount=30000, actor=world)  # 300: amount falls
    r = client.post(f"/assistance/household-enrolments/{he.pk}/review/", {"outcome": "amount"})
    assert r.status_code == 302
    he.refresh_from_db()
    assert he.monthly_amount == 50000 and he.status == "active"
    assert Enrolment.objects.filter(household_enrolment=he, monthly_amount=50000).exists()
    assert selectors_overdue(world) == 0


def selectors_overdue(user):
    from assistance import selectors

    return selectors.reviews_overdue_count(user)


# ---------------------------------------------------------------- printed documents

def test_notices_sheets_roster_and_public_notice_as_pages_and_pdfs(world, approver, client, outsider):
    from assistance.documents import mask_name

    assert (mask_name("张三"), mask_name("张小三"), mask_name("欧阳小明")) == ("张*", "张*三", "欧**明")
    hh, he = f.enrolled_household(world, members=2, wages=60000)
    poor = f.household(world, members=1, enrol=False)
    services.income_item_add(household=poor, kind="wages", monthly_amount=200000, actor=world)
    refused = services.means_test_run(household=poor, actor=world, on=JAN)
    batch = services.payroll_run(region="610100", month="2026-01", on=JAN)
    client.force_login(world)
    page = client.get(f"/assistance/household-enrolments/{he.pk}/approval-notice/").content.decode()
    assert "审批确认通知书" in page and "¥1,000.00" in page and "西安市" in page
    page = client.get(f"/assistance/means-tests/{refused.pk}/rejection-notice/").content.decode()
    assert "不予认定告知书" in page and "60日内" in page and "6个月内" in page
    page = client.get(f"/assistance/households/{hh.pk}/entitlement/?month=2026-01").content.decode()
    assert "应发合计 ¥1,000.00" in page
    page = client.get(f"/assistance/batches/{batch.pk}/roster/").content.decode()
    assert "签字" in page and hh.head.id_number not in page
    page = client.get("/assistance/public-notice/?region=610100").content.decode()
    head = hh.head.name
    assert mask_name(head) in page and head not in page and hh.head.id_number not in page
    for url in (f"/assistance/household-enrolments/{he.pk}/approval-notice/",
                f"/assistance/means-tests/{refused.pk}/rejection-notice/", f"/assistance/batches/{batch.pk}/roster/",
                "/assistance/public-notice/"):
        r = client.get(url + ("&" if "?" in url else "?") + "format=pdf")
        assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    client.force_login(outsider)
    assert client.get(f"/assistance/household-enrolments/{he.pk}/approval-notice/").status_code == 404
    assert client.get("/assistance/public-notice/?region=610100").status_code == 404
