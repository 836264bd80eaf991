"""Eligibility, amounts, nobody twice, maker-checker, budget, payout, re-issue, resumable build."""

import datetime as dt

import pytest
from django.test import override_settings

from assistance import services
from assistance.models import Batch, Campaign, Enrolment, Payment, PaymentAttempt, Scheme
from portal import pii
from portal.models import AuditEvent, Role

from . import factories as f

pytestmark = pytest.mark.django_db


def _api_batch(api, user, scheme, region="610100", capture=None):
    with capture(execute=True):
        resp = api(user).post("/api/v1/assistance/batches/", {"scheme": scheme.pk, "region": region}, format="json")
    assert resp.status_code == 201, resp.content
    assert set(resp.json()) == {"id", "status"}
    return resp.json()["id"]


def test_urban_rural_amounts_per_person(caseworker, api, django_capture_on_commit_callbacks):
    f.household(caseworker, area="urban", members=2)
    f.household(caseworker, area="rural", members=1)
    sch = f.scheme(caseworker, urban=80000, rural=70000)
    batch_id = _api_batch(api, caseworker, sch, capture=django_capture_on_commit_callbacks)
    body = api(caseworker).get(f"/api/v1/assistance/batches/{batch_id}/").json()
    assert body["status"] == "draft"
    assert body["progress"] == 100
    assert body["recipient_count"] == 3
    assert body["total_amount"] == "2300.00"
    assert {"id", "status", "recipient_count", "total_amount", "paid_count", "failed_count", "progress"} <= set(body)
    amounts = sorted(p["amount"] for p in api(caseworker).get(f"/api/v1/assistance/batches/{batch_id}/payments/").json()["results"])
    assert amounts == ["700.00", "800.00", "800.00"]


def test_household_unit_pays_once_per_household(caseworker):
    f.household(caseworker, area="urban", members=3)
    f.household(caseworker, area="rural", members=2)
    f.household(caseworker, area="rural", members=2, enrol=False)
    sch = f.scheme(caseworker, kind="heating", unit="household", urban=120000, rural=50000)
    batch = f.built_batch(caseworker, sch)
    assert batch.recipient_count == 2
    assert batch.total_amount == 170000
    assert Payment.objects.filter(batch=batch, person__isnull=True).count() == 2


def test_only_scheme_categories_active_on_build_date_and_in_region(caseworker, make_user):
    f.household(caseworker, category="dibao")
    f.household(caseworker, category="low_income")  # not a target category
    hh = f.household(caseworker, category=None)  # enrolment that ended before the build date
    member = hh.members.get()
    services.enrolment_create(id_number=member.person.id_number, category="dibao", monthly_amount=1000,
                              start=dt.date(2024, 1, 1), end=dt.date(2024, 12, 31), actor=caseworker)
    tj = make_user(Role.CASEWORKER, "120000")
    f.household(tj, region="120101", category="dibao")  # outside the batch region
    sch = f.scheme(caseworker, categories=["dibao"])
    batch = f.built_batch(caseworker, sch)
    assert batch.recipient_count == 1


def test_extra_month_uses_each_persons_own_amount(caseworker):
    f.household(caseworker, members=2, monthly=[52300, 41000])
    hh2 = f.household(caseworker, members=1, monthly=60000, area="rural")
    per_person = f.scheme(caseworker, kind="extra_month", unit="person", urban=0, rural=0, months=1)
    batch = f.built_batch(caseworker, per_person)
    assert sorted(Payment.objects.filter(batch=batch).values_list("amount", flat=True)) == [41000, 52300, 60000]
    per_household = f.scheme(caseworker, kind="advance", unit="household", urban=0, rural=0, months=3)
    batch2 = f.built_batch(caseworker, per_household)
    assert sorted(Payment.objects.filter(batch=batch2).values_list("amount", flat=True)) == [180000, 3 * 93300]
    assert Payment.objects.get(batch=batch2, household=hh2).amount == 180000


def test_nobody_twice_across_batches_of_one_scheme(caseworker, make_user):
    f.household(caseworker, region="610112", members=2)
    f.household(caseworker, region="610113", members=1)
    sch = f.scheme(caseworker)
    district = f.built_batch(caseworker, sch, region="610112")
    assert district.recipient_count == 2
    city = f.built_batch(caseworker, sch, region="610100")
    assert city.recipient_count == 1  # only the 610113 person is new
    again = f.built_batch(caseworker, sch, region="610100")
    assert again.recipient_count == 0
    assert Payment.objects.filter(scheme=sch).count() == 3
    # cancelling a draft batch frees its recipients for another batch
    services.batch_cancel(batch=district, actor=caseworker)
    rebuilt = f.built_batch(caseworker, sch, region="610100")
    assert rebuilt.recipient_count == 2
    # the database itself refuses a second live payment for the same person
    from django.db import IntegrityError, transaction

    p = Payment.objects.filter(batch=rebuilt).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(batch=city, scheme=sch, period=p.period, household=p.household, person=p.person,
                               region=p.region, amount=1, category="dibao")


def test_crash_mid_build_resumes_without_duplicates(caseworker, settings):
    settings.ASSISTANCE_BUILD_CHUNK = 2
    for _ in range(5):
        f.household(caseworker, members=2, area="rural")
    sch = f.scheme(caseworker)
    batch = services.batch_create(scheme=sch, region="610100", actor=caseworker)
    partial = services.batch_build(batch_id=batch.pk, max_chunks=1)  # the worker "dies" after one chunk
    assert partial.status == Batch.Status.BUILDING
    first = Payment.objects.filter(batch=batch).count()
    assert 0 < first < 10
    assert 0 < partial.progress < 100
    # a chunk whose cursor was not saved is inserted again: nothing doubles
    Batch.objects.filter(pk=batch.pk).update(build_cursor=partial.build_lo - 1)
    services.batch_build(batch_id=batch.pk, max_chunks=1)
    assert Payment.objects.filter(batch=batch).count() == first
    done = services.batch_build(batch_id=batch.pk)
    assert done.status == Batch.Status.DRAFT
    assert done.recipient_count == 10 == Payment.objects.filter(batch=batch).count()
    assert done.total_amount == 10 * 70000
    assert Payment.objects.filter(batch=batch).values("person").distinct().count() == 10


def test_maker_checker(caseworker, approver, make_user, api, django_capture_on_commit_callbacks):
    f.household(caseworker, members=1)
    sch = f.scheme(caseworker)
    batch_id = _api_batch(api, caseworker, sch, capture=django_capture_on_commit_callbacks)
    url = f"/api/v1/assistance/batches/{batch_id}/approve/"
    assert api(caseworker).post(url).status_code == 403  # the creator, and a caseworker
    other_caseworker = make_user(Role.CASEWORKER, "610100")
    assert api(other_caseworker).post(url).status_code == 403
    # an approver who created a batch may not approve it either
    maker_approver = make_user(Role.APPROVER, "610100")
    own = services.batch_create(scheme=sch, region="610100", actor=caseworker)
    Batch.objects.filter(pk=own.pk).update(created_by=maker_approver)
    services.batch_build(batch_id=own.pk)
    assert api(maker_approver).post(f"/api/v1/assistance/batches/{own.pk}/approve/").status_code == 403
    assert Batch.objects.get(pk=own.pk).status == "draft"
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(approver).post(url)
    assert resp.status_code == 200, resp.content
    body = api(approver).get(f"/api/v1/assistance/batches/{batch_id}/").json()
    assert body["status"] == "paid" and body["paid_count"] == 1 and body["progress"] == 100
    assert AuditEvent.objects.filter(action="assistance.batch_approve", actor=approver).exists()
    sch.refresh_from_db()
    assert (sch.reserved, sch.paid) == (0, 80000)


def test_budget_refusal_reserves_nothing(caseworker, approver, api, django_capture_on_commit_callbacks):
    f.household(caseworker, members=2)
    sch = f.scheme(caseworker, budget=100000)  # 1000 yuan < 2 × 800
    batch_id = _api_batch(api, caseworker, sch, capture=django_capture_on_commit_callbacks)
    resp = api(approver).post(f"/api/v1/assistance/batches/{batch_id}/approve/")
    assert resp.status_code == 400
    assert "预算" in resp.json()["detail"]
    sch.refresh_from_db()
    assert (sch.reserved, sch.paid) == (0, 0)
    assert Batch.objects.get(pk=batch_id).status == "draft"


@override_settings(ASSISTANCE_SIMULATED_FAILURE_SUFFIXES="")
def test_failed_payment_reissued_then_paid(caseworker, approver, api, django_capture_on_commit_callbacks, settings):
    hh = f.household(caseworker, members=3)
    failing = hh.members.order_by("id")[1].person.id_last4
    settings.ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = failing[-4:]
    sch = f.scheme(caseworker)
    batch = f.built_batch(caseworker, sch)
    with django_capture_on_commit_callbacks(execute=True):
        services.batch_approve(batch=batch, actor=approver)
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.paid_count == 2 and batch.failed_count == 1
    failed = Payment.objects.get(batch=batch, status="failed")
    assert failed.attempts == 1 and failed.reason
    listed = api(caseworker).get(f"/api/v1/assistance/batches/{batch.pk}/payments/?status=failed").json()["results"]
    assert [p["id_number"] for p in listed] == [hh.members.order_by("id")[1].person.id_number_masked]
    sch.refresh_from_db()
    assert (sch.paid, sch.reserved) == (160000, 80000)
    settings.ASSISTANCE_SIMULATED_FAILURE_SUFFIXES = ""  # the bank account was corrected
    with django_capture_on_commit_callbacks(execute=True):
        assert api(caseworker).post(f"/api/v1/assistance/payments/{failed.pk}/reissue/").status_code == 403
        resp = api(approver).post(f"/api/v1/assistance/payments/{failed.pk}/reissue/")
    assert resp.status_code == 200, resp.content
    failed.refresh_from_db()
    batch.refresh_from_db()
    assert failed.status == "paid" and failed.attempts == 2
    assert batch.status == "paid" and batch.paid_count == 3 and batch.failed_count == 0
    assert list(PaymentAttempt.objects.filter(payment=failed).values_list("outcome", flat=True)) == [
        "failed", "reissued", "paid"]
    sch.refresh_from_db()
    assert (sch.paid, sch.reserved) == (240000, 0)
    # a paid payment cannot be re-issued
    assert api(approver).post(f"/api/v1/assistance/payments/{failed.pk}/reissue/").status_code == 400


def test_payout_resumes_after_crash_without_paying_twice(caseworker, approver, settings):
    settings.ASSISTANCE_PAY_CHUNK = 2
    for _ in range(3):
        f.household(caseworker, members=2)
    sch = f.scheme(caseworker)
    batch = f.built_batch(caseworker, sch)
    services.batch_approve(batch=batch, actor=approver)  # payout task not run (callbacks not executed)
    services.batch_pay(batch_id=batch.pk, max_chunks=1)
    assert Payment.objects.filter(batch=batch, status="paid").count() == 2
    services.batch_pay(batch_id=batch.pk)
    services.batch_pay(batch_id=batch.pk)  # a duplicate delivery of the task
    batch.refresh_from_db()
    assert batch.status == "paid" and batch.paid_count == 6
    assert PaymentAttempt.objects.filter(payment__batch=batch).count() == 6
    sch.refresh_from_db()
    assert (sch.paid, sch.reserved) == (6 * 80000, 0)


def test_enrolment_history_kept(caseworker, api):
    hh = f.household(caseworker, members=1, monthly=50000)
    number = pii.decrypt(pii.ID, hh.members.get().person.id_number_enc)  # the number as a caseworker types it
    resp = api(caseworker).post("/api/v1/assistance/enrolments/", {
        "id_number": number, "category": "dibao", "monthly_amount": "620.00", "start": "2025-07-01"}, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["monthly_amount"] == "620.00"
    rows = list(Enrolment.objects.filter(person__id_number=number).order_by("start").values_list("monthly_amount", "end", "status"))
    assert rows == [(50000, dt.date(2025, 6, 30), "ended"), (62000, None, "active")]
    # a person not in any household of the caseworker's region
    resp = api(caseworker).post("/api/v1/assistance/enrolments/", {
        "id_number": f.new_id(), "category": "dibao", "monthly_amount": "620.00", "start": "2025-07-01"}, format="json")
    assert resp.status_code == 400 and "家庭" in resp.json()["id_number"][0]


def test_scheme_create_api(caseworker, approver, api, outsider):
    body = {"name": "陕西取暖救助", "kind": "heating", "region": "610100", "unit": "household",
            "categories": ["dibao", "tekun"], "urban_amount": "1200.00", "rural_amount": "500.00",
            "budget": "1000000.00", "deadline": "2026-01-31", "campaign": "2025-26 寒冬送温暖"}
    resp = api(caseworker).post("/api/v1/assistance/schemes/", body, format="json")
    assert resp.status_code == 201, resp.content
    assert resp.json()["urban_amount"] == "1200.00" and resp.json()["months"] == 1
    assert Scheme.objects.get().campaign.name == "2025-26 寒冬送温暖"
    assert api(approver).get("/api/v1/assistance/schemes/").json()["count"] == 1
    assert api(outsider).get("/api/v1/assistance/schemes/").json()["count"] == 0
    bad = api(caseworker).post("/api/v1/assistance/schemes/", {**body, "urban_amount": 12.5}, format="json")
    assert bad.status_code == 400
    assert api(caseworker).post("/api/v1/assistance/schemes/", {**body, "region": "120000"}, format="json").status_code == 403
    assert Scheme.objects.count() == 1
    # a refused scheme leaves no new campaign behind
    refused = api(caseworker).post("/api/v1/assistance/schemes/", {**body, "region": "120000", "campaign": "新专项行动"},
                                   format="json")
    assert refused.status_code == 403
    assert not Campaign.objects.filter(name="新专项行动").exists()


def test_provincial_scheme_visible_to_city_batch(make_user, caseworker, api, django_capture_on_commit_callbacks):
    province = make_user(Role.CASEWORKER, "610000")
    sch = f.scheme(province, region="610000")
    f.household(caseworker, members=1)
    batch_id = _api_batch(api, caseworker, sch, capture=django_capture_on_commit_callbacks)
    assert Batch.objects.get(pk=batch_id).recipient_count == 1


def test_build_task_failure_is_recorded_and_resumable(caseworker, monkeypatch):
    f.household(caseworker, members=2)
    sch = f.scheme(caseworker)
    batch = services.batch_create(scheme=sch, region="610100", actor=caseworker)
    from assistance import tasks

    def boom(*args, **kwargs):
        raise RuntimeError("磁盘已满")

    monkeypatch.setattr(services, "_insert_chunk", boom)
    with pytest.raises(RuntimeError):
        tasks.build_batch.apply(args=[batch.pk], throw=True)
    batch.refresh_from_db()
    assert batch.status == "building" and "磁盘已满" in batch.error
    monkeypatch.undo()
    tasks.build_batch.delay(batch.pk)
    batch.refresh_from_db()
    assert batch.status == "draft" and batch.recipient_count == 2 and batch.error == ""


def test_a_large_build_refreshes_the_planner_statistics(caseworker, monkeypatch):
    """The payout reads a fresh batch in chunks; with the statistics of before the build, PostgreSQL
    planned each read as a scan of the whole batch. A build of many rows analyses the table itself."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        f.household(caseworker, members=2)
    sch = f.scheme(caseworker)
    monkeypatch.setattr(services, "BULK_ANALYZE_ROWS", 6)
    big = services.batch_create(scheme=sch, region="610100", actor=caseworker)
    with CaptureQueriesContext(connection) as ctx:
        assert services.batch_build(batch_id=big.pk).recipient_count == 6
    analysed = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
    assert analysed == (["ANALYZE assistance_payment"] if connection.vendor == "postgresql" else [])
    monkeypatch.setattr(services, "BULK_ANALYZE_ROWS", 7)  # a smaller build leaves it to autovacuum
    small = services.batch_create(scheme=f.scheme(caseworker), region="610100", actor=caseworker)
    with CaptureQueriesContext(connection) as ctx:
        assert services.batch_build(batch_id=small.pk).recipient_count == 6
    assert not [q for q in ctx.captured_queries if q["sql"].startswith("ANALYZE")]
