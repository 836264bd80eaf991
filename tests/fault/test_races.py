"""Races on real PostgreSQL: several threads hit the same money at the same instant.

(50 concurrent spends on one quota: tests/medical_pooling/test_concurrency.py; concurrent certificate
numbers: tests/skills_training.)"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.db.models import Count

from assistance.models import Batch, Payment, Scheme
from assistance.services import (
    batch_approve,
    batch_build,
    batch_create,
    enrolment_create,
    household_create,
    scheme_create,
)
from medical_pooling import services as pooling
from medical_pooling.models import Account, Relation
from portal.models import AuditEvent, Role
from portal.services import verify_audit_chain
from tests.factories import UserFactory, id_number_for
from tests.medical_pooling.factories import assert_ledger_invariant, citizen_user, insured, relation

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(fns):
    """Start every callable at the same instant; return (results, errors) in order."""
    barrier = threading.Barrier(len(fns))
    results, errors = [None] * len(fns), [None] * len(fns)

    def go(i, fn):
        try:
            barrier.wait(timeout=30)
            results[i] = fn()
        except Exception as exc:
            errors[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=go, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results, errors


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row locks are only meaningful on PostgreSQL")


def _roster(maker, n, region="610112"):
    for i in range(n):
        number = id_number_for(region, seq=5000 + i)
        household_create(region=region, area="urban" if i % 2 else "rural", address=f"竞态路{i}号", actor=maker,
                         members=[{"name": f"竞态{i}", "id_number": number, "relation": "head"}])
        enrolment_create(id_number=number, category="dibao", monthly_amount=60000 + i, start=dt.date(2025, 1, 1),
                         actor=maker)


def _scheme(maker, budget):
    return scheme_create(name="一次性生活补贴（竞态）", kind="one_time", region="610100", unit="person",
                         categories=["dibao"], urban_amount=80000, rural_amount=70000, budget=budget,
                         deadline=dt.date(2026, 2, 10), actor=maker)


def test_two_approvers_approving_one_batch_at_once_approve_it_once():
    maker = UserFactory(username="race_cw", role=Role.CASEWORKER, region_id="610100")
    approvers = [UserFactory(username=f"race_ap{i}", role=Role.APPROVER, region_id="610100") for i in range(2)]
    _roster(maker, 6)
    scheme = _scheme(maker, budget=10_000_000)
    batch = batch_create(scheme=scheme, region="610112", actor=maker)
    batch_build(batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.status == Batch.Status.DRAFT

    results, errors = run_at_once([lambda a=a: batch_approve(batch=batch, actor=a) for a in approvers])
    assert sum(r is not None for r in results) == 1, errors
    assert all(isinstance(e, ValidationError) for e in errors if e is not None)
    scheme.refresh_from_db()
    batch.refresh_from_db()
    # payout ran in-process after the winning approval; the budget moved once
    assert scheme.reserved + scheme.paid == batch.total_amount
    assert AuditEvent.objects.filter(action="assistance.batch_approve", object_id=str(batch.pk)).count() == 1
    assert verify_audit_chain() == []


def test_two_batches_built_at_once_for_one_scheme_pay_nobody_twice():
    maker = UserFactory(username="race_cw2", role=Role.CASEWORKER, region_id="610100")
    _roster(maker, 40)
    scheme = _scheme(maker, budget=100_000_000)
    first = batch_create(scheme=scheme, region="610112", actor=maker)
    second = batch_create(scheme=scheme, region="610100", actor=maker)
    results, errors = run_at_once([lambda: batch_build(batch_id=first.pk), lambda: batch_build(batch_id=second.pk)])
    assert errors == [None, None], errors
    per_person = Payment.objects.filter(scheme=scheme).exclude(status="cancelled").values("person").annotate(
        n=Count("id"))
    assert per_person.count() == 40
    assert not per_person.filter(n__gt=1).exists()
    counts = [Batch.objects.get(pk=b.pk).recipient_count for b in (first, second)]
    assert sum(counts) == 40


def test_budget_is_never_exceeded_by_concurrent_approvals_of_two_batches():
    maker = UserFactory(username="race_cw3", role=Role.CASEWORKER, region_id="610100")
    approver = UserFactory(username="race_ap3", role=Role.APPROVER, region_id="610100")
    approver2 = UserFactory(username="race_ap4", role=Role.APPROVER, region_id="610100")
    _roster(maker, 10, region="610112")
    _roster_b = [id_number_for("610113", seq=7000 + i) for i in range(10)]
    for i, number in enumerate(_roster_b):
        household_create(region="610113", area="urban", address=f"雁塔路{i}号", actor=maker,
                         members=[{"name": f"雁塔{i}", "id_number": number, "relation": "head"}])
        enrolment_create(id_number=number, category="dibao", monthly_amount=60000, start=dt.date(2025, 1, 1),
                         actor=maker)
    scheme = _scheme(maker, budget=15 * 80000)  # room for one batch of ten, not two
    a = batch_create(scheme=scheme, region="610112", actor=maker)
    b = batch_create(scheme=scheme, region="610113", actor=maker)
    batch_build(batch_id=a.pk)
    batch_build(batch_id=b.pk)
    a.refresh_from_db()
    b.refresh_from_db()
    results, errors = run_at_once([lambda: batch_approve(batch=a, actor=approver),
                                   lambda: batch_approve(batch=b, actor=approver2)])
    assert sum(r is not None for r in results) == 1
    scheme = Scheme.objects.get(pk=scheme.pk)
    assert scheme.reserved + scheme.paid <= scheme.budget


def test_concurrent_quota_raises_on_two_relations_of_one_pooler_never_exceed_the_balance():
    pooler = insured(balance=100_000)  # 1,000.00
    user = citizen_user(pooler)
    mother = insured(scheme="resident", region="341600", person_region="341602")
    son = insured(scheme="resident", region="610100", person_region="610112")
    r1 = relation(pooler, mother, 10_000, kinship="parent")
    r2 = relation(pooler, son, 10_000, kinship="child")
    # each raise alone fits (to 600.00), both together would hold 1,200.00 of 1,000.00
    results, errors = run_at_once([
        lambda: pooling.relation_set_quota(actor=user, relation=r1, quota=60_000),
        lambda: pooling.relation_set_quota(actor=user, relation=r2, quota=60_000),
    ])
    assert sum(r is not None for r in results) == 1, errors
    assert all(isinstance(e, ValidationError) for e in errors if e is not None)
    account = Account.objects.get(insured=pooler)
    assert account.reserved == 70_000 <= account.balance
    quotas = sorted(Relation.objects.filter(pk__in=[r1.pk, r2.pk]).values_list("quota", flat=True))
    assert quotas == [10_000, 60_000]
    assert_ledger_invariant()


def test_a_monthly_cap_holds_when_two_relations_of_one_beneficiary_are_charged_at_once():
    """Xi'an caps pooled spending at 500.00 a month per beneficiary; two children in Xi'an pay for their
    mother at the same instant, 300.00 each: one is accepted, the other refused, never both."""
    from tests.medical_pooling.factories import code_for, institution_user, officer, recent

    xian = officer(region="610100")
    pooling.region_rule_set(actor=xian, region="610100", categories=["medical", "pharmacy"], cap_per_month=50_000,
                            wallet_opened_on=dt.date(2025, 1, 1))
    mother = insured(scheme="resident", region="341600", person_region="341602")
    rels = [relation(insured(balance=900_000), mother, 400_000) for _ in range(2)]
    codes = [code_for(r) for r in rels]
    hospital = institution_user()
    results, errors = run_at_once([
        (lambda code=code: pooling.spend_create(actor=hospital, payment_code=code, category="medical",
                                                amount=30_000, occurred_at=recent()))
        for code in codes
    ])
    assert sum(r is not None for r in results) == 1, errors
    assert all(isinstance(e, ValidationError) for e in errors if e is not None), errors
    assert sum(Relation.objects.filter(pk__in=[r.pk for r in rels]).values_list("used", flat=True)) == 30_000
    assert_ledger_invariant()
