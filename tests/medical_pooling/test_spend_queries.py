"""The pooled spend's cost in queries (issue 20): one POST /api/v1/pooling/spends/ as an institution sends it
(token, Idempotency-Key, payment code), at most 10 queries, every rule still applied."""

import json

import pytest
from rest_framework.test import APIRequestFactory

from medical_pooling.api.serializers import SpendSerializer
from medical_pooling.models import LedgerEntry, PaymentCode, RegionRule, Spend
from portal.models import AuditEvent, IdempotencyRecord, User

from .factories import code_for, institution_user, insured, recent, relation

# A transactional test: the request's transaction is a real BEGIN … COMMIT, as in production (both are
# counted among the 10), not a savepoint inside the test's own transaction.
pytestmark = pytest.mark.django_db(transaction=True)

URL = "/api/v1/pooling/spends/"
MAX_QUERIES = 7  # the issue asks for at most 10


@pytest.fixture
def queued(monkeypatch):
    """The fraud check the spend queues: a Celery task on the worker in production (tests would run it
    eagerly inside the measured request), so the queue call is recorded here instead."""
    calls = []
    monkeypatch.setattr("medical_pooling.services.enqueue_batched", lambda name, *args: calls.append((name, args)))
    return calls


@pytest.fixture
def setup(api, queued):
    worker = insured(scheme="employee", region="610100", balance=860000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 80000)
    hospital = institution_user()
    return rel, api(hospital)


def _body(rel, amount="10.00"):
    return {"payment_code": code_for(rel), "category": "medical", "amount": amount,
            "occurred_at": recent().isoformat()}


def _post(client, body, key):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.parametrize("with_rule", [False, True])
def test_a_spend_costs_at_most_ten_queries(setup, queued, django_assert_max_num_queries, with_rule):
    rel, client = setup
    if with_rule:  # the paying region has its own rules, a monthly cap among them
        RegionRule.objects.update_or_create(region_id="610100", defaults={
            "categories": ["medical", "pharmacy"], "cap_per_spend": 50000, "cap_per_month": 70000})
    _post(client, _body(rel), "warm-up")  # first request of the process: content types, caches
    body = _body(rel)
    # A monthly cap costs two statements more: the beneficiary's row is locked, then the month is summed by a
    # statement of its own, so that a spend committed meanwhile through another relation is counted
    # (tests/fault/test_races.py::test_a_monthly_cap_holds_when_two_relations_of_one_beneficiary_are_charged_at_once).
    with django_assert_max_num_queries(MAX_QUERIES + (2 if with_rule else 0)):
        r = _post(client, body, "k-measured")
    assert r.status_code == 201, r.content
    # everything the spend writes is there: spend, used code, ledger row, audit event, idempotency record
    spend = Spend.objects.get(pk=r.json()["id"])
    assert spend.clearing_month and spend.payer_region == "610100" and spend.payee_region == "341600"
    assert PaymentCode.objects.filter(spend=spend, used_at__isnull=False).count() == 1
    assert LedgerEntry.objects.filter(spend=spend, kind="pooled_spend", amount=-1000).count() == 1
    assert AuditEvent.objects.filter(action="pooling.spend_create", object_id=str(spend.pk)).count() == 1
    record = IdempotencyRecord.objects.get(key="k-measured")
    assert record.status_code == 201 and record.response_body["id"] == spend.pk
    assert queued[-1] == ("medical_pooling.check_spends_fraud", (spend.pk,))
    rel.refresh_from_db()
    assert rel.used == 2000
    assert r.json()["remaining"] is None  # the quota is not the institution's business
    # the answer is what SpendSerializer gives for the stored spend (the view builds it without one)
    request = APIRequestFactory().post(URL)
    request.user = User.objects.get(pk=record.user_id)
    expected = json.loads(json.dumps(SpendSerializer(spend, context={"request": request}).data))
    assert r.json() == expected


def test_a_refusal_also_stays_cheap(setup, django_assert_max_num_queries):
    rel, client = setup
    _post(client, _body(rel), "warm-up")
    body = _body(rel, "900.00")  # over the quota
    with django_assert_max_num_queries(MAX_QUERIES):
        r = _post(client, body, "k-over")
    assert r.status_code == 400
    assert Spend.objects.count() == 1


def test_the_spend_takes_the_audit_chain_in_its_write_and_links_to_an_event_committed_while_it_waited(queued):
    """The spend's write carries the chain's lock ahead of it in the same round trip and reads the chain's
    head after the lock is held: a spend of province 61 waits for a transaction holding 61's chain, then its
    event links to the row that transaction committed meanwhile; the chain verifies."""
    from medical_pooling.services import spend_create
    from portal.audit_chain import verify
    from tests.factories import audit_chain_held, in_thread

    from .factories import code_for

    worker = insured(scheme="employee", region="610100", balance=860000)
    parent = insured(scheme="resident", region="341600", person_region="341602")
    rel = relation(worker, parent, 80000)
    hospital = institution_user()
    code, got = code_for(rel), {}

    def charge():
        got["spend"] = spend_create(actor=hospital, payment_code=code, category="medical", amount=1000,
                                    occurred_at=recent())

    with audit_chain_held("610102") as first:
        charging = in_thread(charge)
        charging.join(1.5)
        assert charging.is_alive()  # waiting for province 61's chain
    charging.join(30)
    event = AuditEvent.objects.get(action="pooling.spend_create", object_id=str(got["spend"].pk))
    assert event.chain == "61" and event.prev_hash == first.hash
    assert verify(chain="61").ok
