"""A Hypothesis state machine drives random operations through the services and compares every balance
with a small in-memory model of the rules after each step."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from medical_pooling import services
from medical_pooling.models import Account, Relation
from tests.factories import plain_id

from .factories import assert_ledger_invariant, citizen_user, institution_user, insured, officer

AT = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=1)
amounts = st.integers(min_value=1, max_value=6_000)


class PoolingMachine(RuleBasedStateMachine):
    @initialize()
    def setup(self):
        self.officer = officer()
        self.hospital = institution_user()
        self.people = []      # (insured, user)
        self.model = {}       # insured pk -> {"balance", "active"} (employees only)
        for i in range(3):
            ins = insured(balance=10_000 * (i + 1))
            self.people.append((ins, citizen_user(ins)))
            self.model[ins.pk] = {"balance": 10_000 * (i + 1), "active": True}
        res = insured(scheme="resident", region="341600", person_region="341602")
        self.people.append((res, citizen_user(res)))
        self.rels = {}        # relation pk -> {"pooler", "beneficiary", "quota", "used", "active"}

    # --- helpers
    def reserved(self, pk):
        return sum(r["quota"] - r["used"] for r in self.rels.values() if r["state"] == "active" and r["pooler"] == pk)

    def user_of(self, pk):
        return next(u for i, u in self.people if i.pk == pk)

    def available(self, pk):
        return self.model[pk]["balance"] - self.reserved(pk)

    def _try(self, fn, expect_ok):
        try:
            fn()
        except ValidationError:
            assert not expect_ok, "the model expected success"
            return False
        assert expect_ok, "the model expected a refusal"
        return True

    # --- rules
    @rule(p=st.integers(0, 2), b=st.integers(0, 3), quota=amounts)
    def create(self, p, b, quota):
        pooler, user = self.people[p]
        ben = self.people[b][0]
        dup = any(r["state"] != "dissolved" and r["pooler"] == pooler.pk and r["beneficiary"] == ben.pk
                  for r in self.rels.values())
        ben_active = self.model.get(ben.pk, {"active": True})["active"]
        expect = (p != b and not dup and self.model[pooler.pk]["active"] and ben_active
                  and quota <= self.available(pooler.pk))
        out = {}

        def go():
            out["rel"] = services.relation_create(actor=user, beneficiary_id_number=plain_id(ben.person),
                                                  beneficiary_name=ben.person.name, kinship="sibling", quota=quota)
        if self._try(go, expect):
            self.rels[out["rel"].pk] = {"pooler": pooler.pk, "beneficiary": ben.pk, "quota": quota, "used": 0,
                                        "state": "pending"}

    def _pick(self, n):
        if not self.rels:
            return None, None
        pk = sorted(self.rels)[n % len(self.rels)]
        return pk, self.rels[pk]

    @rule(n=st.integers(0, 50), quota=amounts)
    def set_quota(self, n, quota):
        pk, r = self._pick(n)
        if pk is None:
            return
        user = self.user_of(r["pooler"])
        expect = r["state"] == "pending" or (
            r["state"] == "active" and quota >= r["used"] and quota - r["quota"] <= self.available(r["pooler"]))
        if self._try(lambda: services.relation_set_quota(actor=user, relation=Relation(pk=pk), quota=quota), expect):
            r["quota"] = quota

    @rule(n=st.integers(0, 50))
    def accept(self, n):
        pk, r = self._pick(n)
        if pk is None:
            return
        ben_active = self.model.get(r["beneficiary"], {"active": True})["active"]
        expect = r["state"] == "pending" and ben_active and r["quota"] <= self.available(r["pooler"])
        user = self.user_of(r["beneficiary"])
        if self._try(lambda: services.relation_accept(actor=user, relation=Relation(pk=pk)), expect):
            r["state"] = "active"

    @rule(n=st.integers(0, 50), amount=amounts)
    def spend(self, n, amount):
        pk, r = self._pick(n)
        if pk is None:
            return
        # a code minted directly (the beneficiary could not get one for a relation that is not active)
        code, _row = services._payment_code_new(Relation.objects.get(pk=pk))
        expect = r["state"] == "active" and amount <= r["quota"] - r["used"]
        if self._try(lambda: services.spend_create(actor=self.hospital, payment_code=code, category="medical",
                                                   amount=amount, occurred_at=AT), expect):
            r["used"] += amount
            self.model[r["pooler"]]["balance"] -= amount

    @rule(n=st.integers(0, 50), by_beneficiary=st.booleans())
    def dissolve(self, n, by_beneficiary):
        pk, r = self._pick(n)
        if pk is None:
            return
        who = r["beneficiary"] if by_beneficiary else r["pooler"]
        user = self.user_of(who)
        if self._try(lambda: services.relation_dissolve(actor=user, relation=Relation(pk=pk)),
                     r["state"] != "dissolved"):
            r["state"] = "dissolved"

    @rule(p=st.integers(0, 2), status=st.sampled_from(["active", "transferred", "terminated"]))
    def set_status(self, p, status):
        ins = self.people[p][0]
        services.insured_set_status(actor=self.officer, insured=ins, status=status)
        was_active = self.model[ins.pk]["active"]
        self.model[ins.pk]["active"] = status == "active"
        if was_active and status != "active":
            for r in self.rels.values():
                if r["pooler"] == ins.pk:
                    r["state"] = "dissolved"

    @invariant()
    def balances_match(self):
        if not hasattr(self, "model"):
            return
        for pk, m in self.model.items():
            account = Account.objects.get(insured_id=pk)
            assert account.balance == m["balance"]
            assert account.reserved == self.reserved(pk)
        for pk, r in self.rels.items():
            rel = Relation.objects.get(pk=pk)
            assert (rel.quota, rel.used, rel.status) == (r["quota"], r["used"], r["state"])
        assert_ledger_invariant()


@pytest.mark.django_db
def test_pooling_state_machine():
    from django.db import transaction

    class Machine(PoolingMachine):
        """Each example runs inside a savepoint that is rolled back, so examples don't see each other."""

        def __init__(self):
            super().__init__()
            self._atomic = transaction.atomic()
            self._atomic.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)

    Machine.TestCase.settings = settings(max_examples=20, stateful_step_count=15, deadline=None,
                                         suppress_health_check=list(HealthCheck))
    Machine.TestCase().runTest()
