"""Checking that money arrived (回访核查), issue 21: a paid batch's sample per district drawn in SQL by the
rule max(minimum, ⌈percent⌉), reproducibly from a recorded seed; answers recorded through the pages and the
API; a discrepancy opens a casework task; the batch page shows the rate and the findings."""

import hashlib
import math

import pytest
from django.db import connection

from appeals import services
from appeals.models import VerificationCheck, VerificationRound
from assistance.models import Payment
from casework.models import DiscoveryTask
from portal.models import AuditEvent, Role
from tests.assistance import factories as af

from . import factories as f

pytestmark = pytest.mark.django_db


def paid_batch(caseworker, approver, counts: dict):
    for region, n in counts.items():
        for _ in range(n):
            af.household(caseworker, region=region, members=1)
    batch = af.built_batch(caseworker, af.scheme(caseworker))
    f.pay(batch, approver)
    batch.refresh_from_db()
    assert batch.status == "paid"
    return batch


def expected_sample(batch, seed: str, percent: int, minimum: int) -> set[int]:
    """The rule, computed here in Python from the same seed: per district, ids ordered by md5(seed || id)."""
    out = set()
    by_region: dict[str, list[int]] = {}
    for pid, region in Payment.objects.filter(batch=batch, status="paid").values_list("id", "region_id"):
        by_region.setdefault(region, []).append(pid)
    for ids in by_region.values():
        ids.sort(key=lambda i: (hashlib.md5(f"{seed}{i}".encode()).hexdigest(), i))
        take = max(minimum, math.ceil(len(ids) * percent / 100))
        out |= set(ids[:take])
    return out


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the draw is PostgreSQL SQL (md5, window functions)")
def test_the_sample_follows_the_rule_per_district_and_is_reproducible(caseworker, approver, settings, api):
    settings.APPEALS_VERIFY_PERCENT = 20
    settings.APPEALS_VERIFY_MIN = 2
    batch = paid_batch(caseworker, approver, {"610112": 12, "610113": 3, "610104": 1})
    resp = api(caseworker).post("/api/v1/appeals/verification/", {"batch": batch.pk, "seed": "seed-2026"},
                                format="json")
    assert resp.status_code == 201, resp.content
    body = resp.json()
    # 610112: max(2, ⌈2.4⌉) = 3; 610113: max(2, ⌈0.6⌉) = 2; 610104: only 1 there
    assert (body["population"], body["sample_size"], body["seed"]) == (16, 6, "seed-2026")
    assert (body["percent"], body["minimum"], body["rate"]) == (20, 2, 0)
    rnd = VerificationRound.objects.get()
    drawn = set(VerificationCheck.objects.filter(round=rnd).values_list("payment_id", flat=True))
    assert drawn == expected_sample(batch, "seed-2026", 20, 2)
    per = {r: VerificationCheck.objects.filter(round=rnd, region_id=r).count() for r in ("610112", "610113", "610104")}
    assert per == {"610112": 3, "610113": 2, "610104": 1}
    # another seed draws another sample (of the same sizes)
    assert expected_sample(batch, "other", 20, 2) != drawn
    # once per batch
    r = api(caseworker).post("/api/v1/appeals/verification/", {"batch": batch.pk}, format="json")
    assert r.status_code == 400 and r.json() == {"detail": "该批次已抽取回访核查样本。"}


def test_the_default_rule_is_max_five_or_two_percent(caseworker, approver):
    batch = paid_batch(caseworker, approver, {"610112": 7})
    rnd = services.verification_draw(batch=batch, actor=caseworker)
    assert (rnd.percent, rnd.minimum, rnd.sample_size) == (2, 5, 5) and len(rnd.seed) == 16


def test_a_batch_not_yet_paid_is_refused_and_nothing_is_saved(caseworker, api):
    af.household(caseworker)
    batch = af.built_batch(caseworker, af.scheme(caseworker))
    before = AuditEvent.objects.count()
    r = api(caseworker).post("/api/v1/appeals/verification/", {"batch": batch.pk}, format="json")
    assert r.status_code == 400 and r.json() == {"detail": "只有发放完成的批次可以抽取回访核查样本。"}
    assert not VerificationRound.objects.exists() and AuditEvent.objects.count() == before
    assert api(caseworker).post("/api/v1/appeals/verification/", {"batch": "x"}, format="json").status_code == 400


def test_answers_through_api_and_pages_open_cases_and_show_on_the_batch(caseworker, approver, api, client,
                                                                        outsider, make_user):
    batch = paid_batch(caseworker, approver, {"610112": 6})
    client.force_login(caseworker)
    r = client.post("/appeals/verification/draw/", {"batch": batch.pk})
    assert r.status_code == 302
    rnd = VerificationRound.objects.get()
    checks = list(rnd.checks.order_by("rank"))
    assert len(checks) == 5
    url = "/api/v1/appeals/verification/checks/{}/"
    # who may: not an insurance officer (403), not another region (404)
    assert api(make_user(Role.INSURANCE_OFFICER, "610100")).post(
        url.format(checks[0].pk), {"answer": "received", "method": "phone"}, format="json").status_code == 403
    assert api(outsider).post(url.format(checks[0].pk), {"answer": "received", "method": "phone"},
                              format="json").status_code == 404
    assert api(outsider).get(f"/api/v1/appeals/verification/{rnd.pk}/").status_code == 404
    # bad input: refused in Chinese, nothing saved
    r = api(caseworker).post(url.format(checks[0].pk), {"answer": "amount_differs", "method": "visit",
                                                         "note": "只收到一部分"}, format="json")
    assert r.status_code == 400 and r.json() == {"reported_amount": ["金额不符时须填写本人所述实收金额。"]}
    r = api(caseworker).post(url.format(checks[0].pk), {"answer": "maybe", "method": "visit"}, format="json")
    assert r.status_code == 400 and "answer" in r.json()
    checks[0].refresh_from_db()
    assert checks[0].answer == "pending" and not DiscoveryTask.objects.exists()
    # answers
    r = api(caseworker).post(url.format(checks[0].pk), {"answer": "received", "method": "phone"}, format="json")
    assert r.status_code == 200 and r.json()["case"] is None
    r = api(caseworker).post(url.format(checks[1].pk), {"answer": "amount_differs", "method": "visit",
                                                         "reported_amount": "500.00", "note": "只收到500元"},
                             format="json")
    assert r.status_code == 200 and r.json()["reported_amount"] == "500.00"
    case = DiscoveryTask.objects.get(pk=r.json()["case"])
    assert case.kind == "payment_check" and case.person_id == checks[1].person_id and case.status == "open"
    assert case.evidence["reported_amount"] == "500.00"
    r = client.post(f"/appeals/verification/checks/{checks[2].pk}/", {"answer": "not_received", "method": "visit",
                                                                       "note": ""})
    assert r.status_code == 400 and "发现问题时请填写情况说明。" in r.content.decode()
    r = client.post(f"/appeals/verification/checks/{checks[2].pk}/", {"answer": "not_received", "method": "visit",
                                                                       "note": "本人称未收到"})
    assert r.status_code == 302
    assert DiscoveryTask.objects.filter(kind="payment_check").count() == 2
    # answered once
    r = api(caseworker).post(url.format(checks[0].pk), {"answer": "not_received", "method": "phone",
                                                         "note": "改口"}, format="json")
    assert r.status_code == 400
    # the round: 3 of 5 answered, 2 findings
    body = api(caseworker).get(f"/api/v1/appeals/verification/{rnd.pk}/").json()
    assert (body["checked"], body["discrepancies"], body["rate"]) == (3, 2, 60)
    listed = api(caseworker).get(f"/api/v1/appeals/verification/{rnd.pk}/checks/?answer=pending").json()
    assert listed["count"] == 2 and all(c["id_number"].count("*") == 8 for c in listed["results"])
    # the batch page shows the rate and the findings
    page = client.get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "回访核查" in page and "核查率 60%" in page and "本人称未收到" in page and "金额不符" in page
    detail = client.get(f"/appeals/verification/{rnd.pk}/").content.decode()
    assert "核查率 60%" in detail


def test_the_batch_page_offers_the_draw_once_paid(caseworker, approver, client):
    batch = paid_batch(caseworker, approver, {"610112": 1})
    client.force_login(caseworker)
    page = client.get(f"/assistance/batches/{batch.pk}/").content.decode()
    assert "抽取回访核查样本" in page


def test_a_household_payment_found_not_received_opens_a_task_about_the_head(caseworker, approver):
    hh = af.household(caseworker, members=2)
    batch = af.built_batch(caseworker, af.scheme(caseworker, kind="heating", unit="household"))
    f.pay(batch, approver)
    batch.refresh_from_db()
    check = services.verification_draw(batch=batch, actor=caseworker).checks.get()
    assert check.person_id is None
    check = services.verification_record(check=check, actor=caseworker, answer="unknown_person", method="visit",
                                         note="该地址无此户")
    assert check.case.person_id == hh.head_id and check.case.household_id == hh.pk
