"""Fraud signals: rules are data, run on each spend and nightly, into a review queue."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from medical_pooling.fraud import fraud_scan
from medical_pooling.models import FraudAlert, FraudRule

from .factories import institution_user, insured, officer, relation, spend

pytestmark = pytest.mark.django_db


def _spend(inst, rel, amount, at=None):
    return spend(inst, rel, amount, at or timezone.now())


def test_rules_are_seeded_as_data():
    assert set(FraudRule.objects.values_list("kind", flat=True)) == set(FraudRule.Kind.values)


def test_burst_and_repeated_amount_raised_on_spend(django_capture_on_commit_callbacks):
    worker = insured(balance=100000)
    parent = insured(scheme="resident", region="610100")
    rel = relation(worker, parent, 10000)
    inst = institution_user("H61011200001")
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            _spend(inst, rel, 3000)
    kinds = set(FraudAlert.objects.values_list("rule__kind", flat=True))
    assert kinds == {"burst", "repeated_amount"}
    alert = FraudAlert.objects.get(rule__kind="burst")
    assert alert.evidence["spends"] == 3 and alert.evidence["amount_fen"] == 9000 and alert.region_code == "610100"
    # running the nightly scan again does not duplicate the queue
    fraud_scan()
    assert FraudAlert.objects.count() == 2


def test_far_spend_and_many_poolers_and_disabled_rule(django_capture_on_commit_callbacks):
    FraudRule.objects.filter(kind="many_relations").update(enabled=False)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    poolers = [insured(balance=100000) for _ in range(4)]
    rels = [relation(p, parent, 1000, kinship="child") for p in poolers]
    far = institution_user("H44010300001", "广州某医院")
    with django_capture_on_commit_callbacks(execute=True):
        _spend(far, rels[0], 100)
    assert FraudAlert.objects.filter(rule__kind="far_spend", spend__isnull=False).count() == 1
    assert FraudAlert.objects.filter(rule__kind="many_poolers", insured=parent).count() == 1
    assert not FraudAlert.objects.filter(rule__kind="many_relations").exists()


def test_review_queue_page(django_capture_on_commit_callbacks, caseworker):
    worker = insured(balance=100000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        _spend(institution_user("H44010300001"), rel, 100, at=timezone.now() - dt.timedelta(hours=1))
    alert = FraudAlert.objects.get(rule__kind="far_spend")
    c = Client()
    c.force_login(officer(region="610000"))
    html = c.get("/pooling/fraud/").content.decode()
    assert "在共济双方参保省份之外消费" in html and "440100" in html
    other = Client()
    other.force_login(officer(region="120000"))
    assert "440100" not in other.get("/pooling/fraud/").content.decode()
    assert other.post(f"/pooling/fraud/{alert.pk}/review/", {"status": "confirmed"}).status_code == 404
    cw = Client()
    cw.force_login(caseworker)
    assert cw.get("/pooling/fraud/").status_code == 403
    c.post(f"/pooling/fraud/{alert.pk}/review/", {"status": "dismissed", "note": "异地出差就医"})
    alert.refresh_from_db()
    assert alert.status == "dismissed" and alert.note == "异地出差就医"
