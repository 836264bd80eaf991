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


def _alerts():
    return sorted((a.rule.kind, a.key, a.region_code, a.evidence, a.insured_id, a.relation_id, a.spend_id)
                  for a in FraudAlert.objects.select_related("rule"))


def test_the_check_after_a_spend_raises_what_the_rules_say_in_few_statements(django_assert_max_num_queries):
    """The per-spend check on PostgreSQL (two statements) raises exactly the alerts of the rules' ORM queries,
    every kind at once, and nothing twice."""
    from medical_pooling.fraud import _check_spend_orm, fraud_check_spend
    from medical_pooling.models import Spend

    last = Spend.objects.get(pk=_scenario()[3])  # the fourth spend at the far hospital: every rule
    raised = fraud_check_spend(spend_id=last.pk)
    fast = _alerts()
    assert len(raised) == len(fast) == 5
    assert {kind for kind, *_ in fast} == set(FraudRule.Kind.values)
    # nothing new: the two statements (and the savepoint the test's transaction makes of the check's own)
    with django_assert_max_num_queries(4):
        assert fraud_check_spend(spend_id=last.pk) == []
    FraudAlert.objects.all().delete()
    assert len(_check_spend_orm(last.pk)) == len(fast)
    assert _alerts() == fast


def _scenario():
    """Spends over three relations that reach every rule, some relations charged several times."""
    FraudRule.objects.filter(kind="many_relations").update(params={"max_relations": 1})
    FraudRule.objects.filter(kind="many_poolers").update(params={"max_poolers": 1})
    worker = insured(balance=900000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    child = insured(scheme="resident", region="610100")
    other = insured(balance=100000)
    rel = relation(worker, parent, 10000)
    rel_child = relation(worker, child, 50000)  # the worker pools for two: many_relations
    rel_other = relation(other, parent, 10000)  # the parent has two poolers: many_poolers
    far = institution_user("H44010300001", "广州某医院")  # far_spend
    near = institution_user("H61011200001")
    spends = [_spend(far, rel, amount) for amount in (3000, 3000, 3000, 500)]  # burst, repeated_amount
    spends += [_spend(near, rel_child, 700) for _ in range(3)]  # repeated_amount, no burst (quota 500.00)
    spends += [_spend(near, rel_other, 100), _spend(far, rel_other, 200)]
    FraudAlert.objects.all().delete()
    return [s.pk for s in spends]


def test_a_batch_raises_what_each_spend_checked_alone_raises_in_a_few_statements(django_assert_max_num_queries):
    """The queued check takes spends in batches: on PostgreSQL the whole batch costs two statements when it
    raises nothing (not two or four per spend), and raises exactly the alerts of the rules' ORM queries run
    spend by spend, each once."""
    from medical_pooling.fraud import _check_spend_orm, fraud_check_spends

    ids = _scenario()
    for spend_id in ids:
        _check_spend_orm(spend_id)
    expected = _alerts()
    assert {kind for kind, *_ in expected} == set(FraudRule.Kind.values)
    FraudAlert.objects.all().delete()
    raised, missing = fraud_check_spends(ids + [10**9])
    assert missing == [10**9]
    assert len(raised) == len(expected) and _alerts() == expected
    with django_assert_max_num_queries(2):
        assert fraud_check_spends(ids) == ([], [])


def test_the_batch_task_falls_back_to_one_spend_at_a_time(monkeypatch, caplog):
    from medical_pooling import fraud
    from medical_pooling.tasks import check_spends_fraud

    ids = _scenario()
    assert check_spends_fraud(ids) == FraudAlert.objects.count() > 0
    FraudAlert.objects.all().delete()

    def broken(spend_ids):
        raise RuntimeError("batch statement failed")

    monkeypatch.setattr(fraud, "fraud_check_spends", broken)
    assert check_spends_fraud(ids + [10**9]) == FraudAlert.objects.count() > 0
    assert "checking them one by one" in caplog.text and f"fraud check of spend {10**9} failed" in caplog.text
