"""Factories and helpers for medical_pooling tests. Money-moving setup goes through the services."""

import itertools

from django.db.models import Sum

from medical_pooling import services
from medical_pooling.models import Account, Insured, LedgerEntry, Relation
from portal.models import Role, User
from tests.factories import PersonFactory, UserFactory, plain_id

_seq = itertools.count(1)


def officer(region=None, username=None) -> User:
    return UserFactory(role=Role.INSURANCE_OFFICER, region_id=region, username=username or f"officer{next(_seq)}")


def insured(*, scheme="employee", region="610100", balance=0, person_region="610112", actor=None,
            status=None) -> Insured:
    person = PersonFactory(region=person_region)
    actor = actor or officer(username=f"seed_officer{next(_seq)}")
    ins = services.insured_create(actor=actor, id_number=person.id_number, name=person.name, scheme=scheme,
                                  region=region, balance=balance)
    if status:
        services.insured_set_status(actor=actor, insured=ins, status=status)
        ins.refresh_from_db()
    return ins


def citizen_user(ins: Insured) -> User:
    return UserFactory(role=Role.INSURED, region_id=None, person=ins.person, username=f"citizen{next(_seq)}")


def institution_user(code="H34160200001", name="亳州市人民医院") -> User:
    services.institution_ensure(code=code, name=name)
    return UserFactory(role=Role.INSTITUTION, region_id=None, institution_code=code, username=f"inst{next(_seq)}")


def user_of(ins: Insured) -> User:
    return User.objects.filter(person=ins.person).first() or citizen_user(ins)


def pending_relation(pooler: Insured, beneficiary: Insured, quota: int, kinship="parent") -> Relation:
    """A request the pooler has made, waiting for the beneficiary's consent."""
    return services.relation_create(actor=user_of(pooler), beneficiary_id_number=plain_id(beneficiary.person),
                                    beneficiary_name=beneficiary.person.name, kinship=kinship, quota=quota)


def relation(pooler: Insured, beneficiary: Insured, quota: int, kinship="parent") -> Relation:
    """An active relation: requested by the pooler and accepted by the beneficiary."""
    rel = pending_relation(pooler, beneficiary, quota, kinship=kinship)
    return services.relation_accept(actor=user_of(beneficiary), relation=rel)


def code_for(rel: Relation, **kwargs) -> str:
    """A fresh one-time payment code, minted by the beneficiary."""
    code, _row = services.payment_code_issue(actor=user_of(rel.beneficiary), relation=rel, **kwargs)
    return code


def spend(inst_user: User, rel: Relation, amount: int, at, category="medical", **kwargs):
    """The beneficiary shows a fresh code and the institution charges it."""
    return services.spend_create(actor=inst_user, payment_code=code_for(rel), category=category, amount=amount,
                                 occurred_at=at, **kwargs)


def recent(days_ago: int = 1, hour: int = 10):
    """A moment `days_ago` days before now, at `hour` Beijing time (inside the claim window)."""
    import datetime as dt

    from django.utils import timezone

    bj = dt.timezone(dt.timedelta(hours=8))
    return (timezone.now().astimezone(bj) - dt.timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0,
                                                                                 microsecond=0)


def assert_ledger_invariant():
    """For every account: balance == Σ ledger amounts, reserved == Σ reserved deltas ==
    Σ(quota − used) over its active relations, and 0 <= reserved <= balance; every relation used <= quota."""
    sums = {r["account_id"]: r for r in LedgerEntry.objects.values("account_id")
            .annotate(b=Sum("amount"), r=Sum("reserved_delta")).order_by()}
    for account in Account.objects.all():
        row = sums.get(account.pk, {"b": 0, "r": 0})
        assert account.balance == (row["b"] or 0), f"account {account.pk}: balance != Σ ledger"
        assert account.reserved == (row["r"] or 0), f"account {account.pk}: reserved != Σ ledger"
        assert 0 <= account.reserved <= account.balance
        held = sum(r.quota - r.used for r in Relation.objects.filter(pooler_id=account.insured_id,
                                                                     status=Relation.Status.ACTIVE))
        assert account.reserved == held, f"account {account.pk}: reserved {account.reserved} != held {held}"
        last = LedgerEntry.objects.filter(account=account).order_by("-id").first()
        if last is not None:
            assert (last.balance_after, last.reserved_after) == (account.balance, account.reserved)
    for rel in Relation.objects.all():
        assert 0 <= rel.used <= rel.quota
