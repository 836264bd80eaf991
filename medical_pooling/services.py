"""Every write of medical_pooling: one transaction each, audited, with row locks on money.

Locking order (to stay deadlock-free): a PaymentCode row (spend_create only), then personal Account rows
in pk order, then Relation rows, then the ClearingMonth row a spend books into (FOR SHARE), and last the
advisory lock of one audit chain (the paying region's province; a transaction never holds two). The
settlement run locks only its ClearingMonth row (FOR UPDATE) and then its audit chain, so it never waits for
anything a spend holds while the spend waits for it.

A relation is a request (`pending`) until the beneficiary accepts it (双方自愿): only then is the quota
reserved. An institution charges a relation only with a one-time payment code the beneficiary shows;
every refusal that could tell an institution something about a relation is one generic message.
The wallet (个人医保钱包) is opened automatically the first time an employee pools (or explicitly
with `wallet_open`); a resident-insured person has no account and can only be a beneficiary.
"""

import datetime as dt
import hashlib
import hmac
import json
import os
import re
import secrets
import zoneinfo

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from portal import db, pii
from portal.api.idempotency import savepoint_needed
from portal.jobs import job_create
from portal.models import Person, Region
from portal.money import yuan_str
from portal.permissions import require
from portal.queue import enqueue_batched
from portal.roles import Role
from portal.scoping import region_in_scope
from portal.services import AUDIT_HEAD_COLUMN, ChainHead, audit, person_get_or_create, person_name_matches

from .audit_actions import AuditAction
from .models import (
    Account,
    ClearingMonth,
    Institution,
    Insured,
    InsuredStatusChange,
    Kinship,
    LedgerEntry,
    OwnSpend,
    PaymentCode,
    RegionRule,
    Relation,
    SettlementLine,
    SettlementRun,
    Spend,
    validate_institution_code,
)

# The public write services. Each calls `portal.permissions.require` before it changes anything, except
# the ones the write-gate walk (tests/medical_pooling/test_write_gate.py) exempts with its reason.
__all__ = [
    "account_contribute",
    "institution_ensure",
    "insured_create",
    "insured_set_status",
    "own_payment_code_issue",
    "own_spend_create",
    "payment_code_issue",
    "premium_pay",
    "region_rule_set",
    "relation_accept",
    "relation_create",
    "relation_dissolve",
    "relation_set_quota",
    "settlement_enqueue",
    "settlement_run",
    "spend_create",
    "spend_refund",
    "spend_refund_on_review",
    "wallet_open",
]

OFFICER = frozenset({Role.INSURANCE_OFFICER})
OPEN_RELATION = (Relation.Status.PENDING, Relation.Status.ACTIVE)
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FUTURE_SKEW = dt.timedelta(minutes=5)  # clock skew allowed between an institution's till and the portal


# The numbers (docs/pooling.md); each can be set in Django settings.
def payment_code_ttl() -> int:
    """Seconds a payment code stays good (like a 医保电子凭证 dynamic code): 300."""
    return int(getattr(settings, "POOLING_PAYMENT_CODE_TTL", 300))


def region_rule(pooling_region: str) -> RegionRule | None:
    """The pooling region's rules (各地政策), or None: the national defaults."""
    return RegionRule.objects.filter(region_id=pooling_region).first()


def claim_window_days(payer_region: str, rule: RegionRule | None = None) -> int:
    """How far back a spend may be dated, by the paying pooling region: its rule's `claim_window_days`, else
    the national default (90 days, `POOLING_CLAIM_WINDOW_DAYS`)."""
    rule = rule if rule is not None else region_rule(payer_region)
    if rule is not None and rule.claim_window_days:
        return int(rule.claim_window_days)
    return int(getattr(settings, "POOLING_CLAIM_WINDOW_DAYS", 90))


def rule_refusal(rule: RegionRule | None, *, beneficiary: Insured, payer_region: str, category: str, amount: int,
                 occurred_at: dt.datetime) -> str | None:
    """Why the paying region's rule refuses this spend (words for the beneficiary or an officer), or None.
    An institution only ever hears the generic refusal: the rule is the pooler's region's."""
    if rule is None:
        return None
    if not rule.allows(category):
        return _("共济人参保地（%(region)s）不允许将共济资金用于「%(category)s」。") % {
            "region": payer_region, "category": Spend.Category(category).label}
    if rule.cap_per_spend and amount > rule.cap_per_spend:
        return _("超过共济人参保地单笔共济支付上限（%(cap)s 元）。") % {"cap": yuan_str(rule.cap_per_spend)}
    if rule.cap_per_month:
        start, end = month_bounds(month_of(occurred_at))
        spent = (Spend.objects.filter(beneficiary=beneficiary, payer_region=payer_region, occurred_at__gte=start,
                                      occurred_at__lt=end).aggregate(s=Sum("amount"))["s"] or 0)
        if spent + amount > rule.cap_per_month:
            return _("超过共济人参保地每人每月共济支付上限（%(cap)s 元）。") % {"cap": yuan_str(rule.cap_per_month)}
    return None


def spend_refusal_limit() -> tuple[int, int]:
    """(refusals, seconds): after this many refused spends from one institution within the window, its
    further attempts are answered 429 until the window ends. 20 in 600 s (settings, else the environment:
    a load test that refuses on purpose raises it)."""
    return (int(getattr(settings, "POOLING_SPEND_REFUSAL_LIMIT", os.environ.get("POOLING_SPEND_REFUSAL_LIMIT", 20))),
            int(getattr(settings, "POOLING_SPEND_REFUSAL_WINDOW", os.environ.get("POOLING_SPEND_REFUSAL_WINDOW", 600))))


PAYMENT_CODE_DIGITS = 18
# One answer for every refusal an institution could learn something from: no/invalid/expired/used code,
# relation not active, beneficiary mismatch, over the remaining quota.
SPEND_REFUSED = "付款码无效或已失效，或共济额度不足，请让参保人重新出示付款码。"
# What pooled money pays for (个人账户共济使用范围), by where it is spent: personal-burden costs at designated
# medical institutions, self-paid drugs/devices at designated retail pharmacies; premiums have a path of
# their own (`premium_pay`), and an institution may still record one at its counter (shared/API.md).
CATEGORY_FOR_KIND = {Institution.Kind.HOSPITAL: Spend.Category.MEDICAL,
                     Institution.Kind.PHARMACY: Spend.Category.PHARMACY}
CATEGORY_NOT_FOR_KIND = {
    Institution.Kind.HOSPITAL: "定点医疗机构只能登记「定点医疗机构个人负担费用」；购买药品、医疗器械请到定点零售药店。",
    Institution.Kind.PHARMACY: "定点零售药店只能登记「定点零售药店购药」（药品、医疗器械、医用耗材）。",
}


def category_check(institution: Institution, category: str) -> None:
    """The category must fit the institution: medical at a designated medical institution (H…), pharmacy at
    a designated retail pharmacy (P…). A fact about the institution, not the relation: the refusal is
    specific. A premium is paid through its own path (`premium_pay`); shared/API.md still lists `premium`
    as a category an institution may record (collected at its counter), so that stays accepted here."""
    if category not in Spend.Category.values:
        raise ValidationError({"category": [_("支付类别无效。")]})
    if category == Spend.Category.PREMIUM:
        return
    if CATEGORY_FOR_KIND.get(institution.kind) != category:
        raise ValidationError({"category": [_(CATEGORY_NOT_FOR_KIND[institution.kind])]})


class SpendThrottled(Exception):
    """Too many refused spends from one institution: the API answers 429, the page shows the message."""

    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(_("拒绝次数过多，请 %(minutes)s 分钟后再试。") % {"minutes": max(1, (wait + 59) // 60)})


# ---------------------------------------------------------------- helpers

def pooling_regions_of(*codes: str) -> list[str]:
    """The pooling region (统筹地区, prefecture level) of each code, in one query: a county's parent, any
    other level itself."""
    parents = {r.code: r.parent_id for r in Region.objects.filter(code__in=set(codes), level=Region.Level.COUNTY)
               .only("code", "parent_id") if r.parent_id}
    return [parents.get(code, code) for code in codes]


# Row locks are FOR NO KEY UPDATE: they exclude every other writer of the row, but not the foreign-key
# checks (FOR KEY SHARE) of rows that merely point at it, e.g. a ledger row or spend another transaction
# is committing. Keys are never changed.

def _lock_account(insured_id: int) -> Account | None:
    return Account.objects.select_for_update(no_key=True).filter(insured_id=insured_id).first()


def _lock_accounts(insured_ids) -> dict[int, Account]:
    """Lock several accounts in pk order."""
    accounts = (Account.objects.select_for_update(no_key=True).filter(insured_id__in=list(insured_ids))
                .order_by("pk"))
    return {a.insured_id: a for a in accounts}


def _ledger(account: Account, *, kind: str, amount: int = 0, reserved_delta: int = 0, relation=None,
            spend=None, own_spend=None, note: str = "") -> LedgerEntry:
    """Move `account` (already locked) and write the matching immutable ledger row."""
    account.balance += amount
    account.reserved += reserved_delta
    if account.balance < 0 or account.reserved < 0 or account.reserved > account.balance:
        raise ValidationError(_("个人账户余额不足。"))
    account.save(update_fields=["balance", "reserved", "updated_at"])
    return LedgerEntry.objects.create(
        account=account, kind=kind, amount=amount, reserved_delta=reserved_delta,
        balance_after=account.balance, reserved_after=account.reserved, relation=relation, spend=spend,
        own_spend=own_spend, note=note[:255],
    )


def _relation_snapshot(relation: Relation) -> dict:
    return {"status": relation.status, "quota": relation.quota, "used": relation.used}


def _require_self_or_officer(actor, insured: Insured, *, message: str) -> None:
    """After `require(roles=INSURED or officer)`: a citizen acts only for themself, an insurance officer
    only for someone insured in their region (admins for anyone)."""
    if actor.is_portal_admin:
        return
    if actor.role == Role.INSURED:
        if not actor.person_id or actor.person_id != insured.person_id:
            raise PermissionDenied(message)
    else:
        require(actor, region=insured.region_id, message=message)


# ---------------------------------------------------------------- insured persons

@transaction.atomic
def insured_create(*, actor, id_number: str, name: str, scheme: str, region: str, balance: int = 0) -> Insured:
    require(actor, roles=OFFICER, region=region, message=_("您无权管理该统筹地区的参保人。"))
    if scheme not in Insured.Scheme.values:
        raise ValidationError({"scheme": [_("参保险种无效。")]})
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"region": [_("未知的统筹地区代码。")]})
    if balance < 0:
        raise ValidationError({"balance": [_("金额不能为负数。")]})
    if scheme == Insured.Scheme.RESIDENT and balance:
        raise ValidationError({"balance": [_("城乡居民医保没有个人账户，不能设置余额。")]})
    person = person_get_or_create(id_number=id_number, name=name)
    if not person_name_matches(person, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    if Insured.objects.filter(person=person).exists():
        raise ValidationError({"id_number": [_("此人已有参保登记。")]})
    insured = Insured.objects.create(person=person, scheme=scheme, region_id=region, created_by=actor)
    InsuredStatusChange.objects.create(insured=insured, from_status="", to_status=insured.status, actor=actor,
                                       reason=_("参保登记"))
    if scheme == Insured.Scheme.EMPLOYEE:
        account = Account.objects.create(insured=insured)
        if balance:
            _ledger(account, kind=LedgerEntry.Kind.CONTRIBUTION, amount=balance, note=_("期初余额划入"))
    audit(actor=actor, action=AuditAction.INSURED_CREATE, obj=insured, region_code=region,
          after={"scheme": scheme, "status": insured.status, "balance": balance})
    return insured


@transaction.atomic
def account_contribute(*, actor, insured: Insured, amount: int, note: str = "") -> Account:
    """A contribution into an employee's personal account (个人账户划入)."""
    require(actor, roles=OFFICER, region=insured.region_id, message=_("您无权管理该统筹地区的参保人。"))
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    account = _lock_account(insured.pk)
    if account is None:
        raise ValidationError({"detail": _("该参保人没有个人账户。")})
    before = account.balance
    _ledger(account, kind=LedgerEntry.Kind.CONTRIBUTION, amount=amount, note=note or _("个人账户划入"))
    audit(actor=actor, action=AuditAction.ACCOUNT_CONTRIBUTE, obj=account, region_code=insured.region_id,
          before={"balance": before}, after={"balance": account.balance})
    return account


@transaction.atomic
def wallet_open(*, actor, insured: Insured) -> Insured:
    """Opened by the insured person, or by an insurance officer of their region."""
    message = _("您无权为该参保人开通个人医保钱包。")
    require(actor, roles={Role.INSURED, Role.INSURANCE_OFFICER}, message=message)
    _require_self_or_officer(actor, insured, message=message)
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    if insured.scheme != Insured.Scheme.EMPLOYEE or not insured.is_active:
        raise ValidationError({"detail": _("只有正常参保的职工医保参保人可以开通个人医保钱包。")})
    if not insured.wallet_opened:
        insured.wallet_opened = True
        insured.save(update_fields=["wallet_opened"])
        audit(actor=actor, action=AuditAction.WALLET_OPEN, obj=insured, region_code=insured.region_id,
              before={"wallet_opened": False}, after={"wallet_opened": True})
    return insured


def _dissolve_locked(relation: Relation, *, account: Account | None, actor, reason: str) -> Relation:
    """Dissolve a locked pending or active relation; an active one releases its unused quota on the locked
    account (a pending one reserved nothing: a refusal or withdrawal)."""
    before = _relation_snapshot(relation)
    unused = relation.quota - relation.used if relation.is_active else 0
    relation.status = Relation.Status.DISSOLVED
    relation.dissolved_at = timezone.now()
    relation.dissolved_by = actor if getattr(actor, "pk", None) else None
    relation.reason = reason[:255]
    relation.save(update_fields=["status", "dissolved_at", "dissolved_by", "reason"])
    if unused and account is not None:
        _ledger(account, kind=LedgerEntry.Kind.RELEASE, reserved_delta=-unused, relation=relation,
                note=_("解除共济关系，释放未使用额度"))
    audit(actor=actor, action=AuditAction.RELATION_DISSOLVE, obj=relation, region_code=relation.pooler.region_id,
          before=before, after={**_relation_snapshot(relation), "released": unused, "reason": relation.reason})
    return relation


@transaction.atomic
def insured_set_status(*, actor, insured: Insured, status: str, reason: str = "") -> Insured:
    """Change the insurance status. Leaving `active` dissolves every relation where this person pools
    (releasing unused quota); death also ends the relations where this person is the beneficiary."""
    require(actor, roles=OFFICER, region=insured.region_id, message=_("您无权管理该统筹地区的参保人。"))
    if status not in Insured.Status.values:
        raise ValidationError({"status": [_("参保状态无效。")]})
    # Lock: the accounts that fund this person's relations (own first in pk order), then the row.
    pooler_ids = {insured.pk}
    if status == Insured.Status.DECEASED:
        pooler_ids |= set(Relation.objects.filter(beneficiary=insured, status__in=OPEN_RELATION)
                          .values_list("pooler_id", flat=True))
    accounts = _lock_accounts(pooler_ids)
    insured = Insured.objects.select_for_update().get(pk=insured.pk)
    old = insured.status
    if old == status:
        return insured
    insured.status = status
    insured.save(update_fields=["status"])
    InsuredStatusChange.objects.create(insured=insured, from_status=old, to_status=status, actor=actor,
                                       reason=reason[:255])
    audit(actor=actor, action=AuditAction.INSURED_STATUS_CHANGE, obj=insured, region_code=insured.region_id,
          before={"status": old}, after={"status": status})
    if status != Insured.Status.ACTIVE:
        ending = Q(pooler=insured)
        if status == Insured.Status.DECEASED:
            ending |= Q(beneficiary=insured)
        label = insured.get_status_display()
        for relation in (Relation.objects.select_for_update(no_key=True, of=("self",))
                         .filter(ending, status__in=OPEN_RELATION)
                         .select_related("pooler").order_by("pk")):
            _dissolve_locked(relation, account=accounts.get(relation.pooler_id), actor=actor,
                             reason=_("参保状态变更为「%(status)s」，共济关系自动解除") % {"status": label})
    return insured


# ---------------------------------------------------------------- relations

def _pooler_for(actor) -> Insured:
    insured = Insured.objects.filter(person_id=actor.person_id).first() if actor.person_id else None
    if insured is None:
        raise ValidationError({"detail": _("您尚未参保登记，不能建立共济关系。")})
    return insured


BENEFICIARY_NOT_ELIGIBLE = _lazy("未找到与该身份证号码和姓名相符、可建立共济关系的参保人员，请核对后重试。")


def _beneficiary_in_scope(actor, beneficiary: Insured, pooler: Insured) -> bool:
    """May the actor learn why a beneficiary fails (not insured, other name, not contributing)? Only an
    insurance officer whose region holds the beneficiary (or an admin); never a citizen, about anyone but
    themself."""
    if beneficiary.pk == pooler.pk:
        return True
    if actor.is_portal_admin:
        return True
    return actor.role == Role.INSURANCE_OFFICER and region_in_scope(actor, beneficiary.region_id)


@transaction.atomic
def relation_create(*, actor, beneficiary_id_number: str, beneficiary_name: str, kinship: str,
                    quota: int, pooler: Insured | None = None) -> Relation:
    """The pooler (共济人) asks to set up a relation with a relative; without `pooler`, the pooler is the
    actor. An insurance officer may name a pooler of their region (counter service, the demo's seed). The
    relation is `pending` and reserves nothing until the beneficiary accepts it (`relation_accept`); the
    quota must fit what is available now and is checked again then."""
    message = _("您无权为他人建立共济关系。")
    require(actor, roles={Role.INSURED, Role.INSURANCE_OFFICER}, message=message)
    if pooler is None:
        pooler = _pooler_for(actor)
    else:
        _require_self_or_officer(actor, pooler, message=message)
    if kinship not in Kinship.values:
        raise ValidationError({"kinship": [_("共济对象须为配偶、父母、子女、兄弟姐妹、祖父母、外祖父母、孙子女、外孙子女等近亲属。")]})
    if quota <= 0:
        raise ValidationError({"quota": [_("共济额度必须大于零。")]})
    account = _lock_account(pooler.pk)
    pooler = Insured.objects.select_for_update().get(pk=pooler.pk)
    if pooler.scheme != Insured.Scheme.EMPLOYEE or not pooler.is_active or account is None:
        raise ValidationError({"detail": _("只有正常参保且有个人账户的职工医保参保人才能作为共济人。")})
    rule = region_rule(pooling_regions_of(pooler.region_id)[0])
    if rule is not None and (rule.wallet_opened_on is None or rule.wallet_opened_on > timezone.localdate()):
        raise ValidationError({"detail": _("您参保的统筹地区尚未开通个人医保钱包共济，暂不能建立共济关系。")})
    beneficiary = (Insured.objects.select_related("person")
                   .filter(person__id_number=beneficiary_id_number).first())  # normalised into its HMAC
    if beneficiary is None or not _beneficiary_in_scope(actor, beneficiary, pooler):
        # outside the actor's scope one answer for "not insured / name mismatch / not contributing": the
        # form must not tell a citizen whether an ID number is insured, under which name, in which state
        if (beneficiary is None or not person_name_matches(beneficiary.person, beneficiary_name)
                or not beneficiary.is_active):
            raise ValidationError({"beneficiary_id_number": [BENEFICIARY_NOT_ELIGIBLE]})
    if beneficiary is None:
        raise ValidationError({"beneficiary_id_number": [_("被共济人未参加基本医疗保险。")]})
    if not person_name_matches(beneficiary.person, beneficiary_name):
        raise ValidationError({"beneficiary_name": [_("被共济人姓名与身份证号码不一致。")]})
    if beneficiary.pk == pooler.pk:
        raise ValidationError({"beneficiary_id_number": [_("不能与本人建立共济关系。")]})
    if not beneficiary.is_active:
        raise ValidationError({"beneficiary_id_number": [_("被共济人当前不在参保缴费状态（%(status)s）。")
                                                         % {"status": beneficiary.get_status_display()}]})
    if Relation.objects.filter(pooler=pooler, beneficiary=beneficiary, status__in=OPEN_RELATION).exists():
        raise ValidationError({"beneficiary_id_number": [_("您与该亲属已有生效或待确认的共济关系，请直接调整额度。")]})
    if quota > account.available:
        raise ValidationError({"quota": [_("共济额度不能超过个人账户可用余额（%(available)s 元）。")
                                         % {"available": yuan_str(account.available)}]})
    if not pooler.wallet_opened:
        pooler.wallet_opened = True
        pooler.save(update_fields=["wallet_opened"])
        audit(actor=actor, action=AuditAction.WALLET_OPEN, obj=pooler, region_code=pooler.region_id,
              before={"wallet_opened": False}, after={"wallet_opened": True}, note="first pooling")
    relation = Relation.objects.create(pooler=pooler, beneficiary=beneficiary, kinship=kinship, quota=quota,
                                       status=Relation.Status.PENDING, created_by=actor)
    audit(actor=actor, action=AuditAction.RELATION_CREATE, obj=relation, region_code=pooler.region_id,
          after={**_relation_snapshot(relation), "kinship": kinship, "beneficiary": beneficiary.pk})
    return relation


def _lock_relation_with_account(relation_id: int, *related: str) -> tuple[Relation, Account | None]:
    """Lock the pooler's account, then the relation (always in that order, so no two writers deadlock).
    Only those two rows are locked; `related` are read along with the relation."""
    pooler_id = Relation.objects.filter(pk=relation_id).values_list("pooler_id", flat=True).first()
    if pooler_id is None:
        raise Relation.DoesNotExist
    account = _lock_account(pooler_id)
    relation = (Relation.objects.select_for_update(no_key=True, of=("self",)).select_related("pooler", *related)
                .get(pk=relation_id))
    return relation, account


@transaction.atomic
def relation_set_quota(*, actor, relation: Relation, quota: int) -> Relation:
    message = _("只有共济人可以调整共济额度。")
    require(actor, roles={Role.INSURED}, message=message)
    if not actor.is_portal_admin and not Relation.objects.filter(
            pk=relation.pk, pooler__person_id=actor.person_id).exists():
        raise PermissionDenied(message)
    relation, account = _lock_relation_with_account(relation.pk)
    if relation.status == Relation.Status.DISSOLVED:
        raise ValidationError({"detail": _("共济关系已解除，不能调整额度。")})
    if quota <= 0:
        raise ValidationError({"quota": [_("共济额度必须大于零；如需停止共济请解除关系。")]})
    if relation.is_pending:  # nothing reserved yet: the new quota is checked when it is accepted
        if quota != relation.quota:
            before = _relation_snapshot(relation)
            relation.quota = quota
            relation.save(update_fields=["quota"])
            audit(actor=actor, action=AuditAction.RELATION_QUOTA_CHANGE, obj=relation,
                  region_code=relation.pooler.region_id, before=before, after=_relation_snapshot(relation))
        return relation
    if quota < relation.used:
        raise ValidationError({"quota": [_("共济额度不能低于已使用的金额（%(used)s 元）。")
                                         % {"used": yuan_str(relation.used)}]})
    delta = quota - relation.quota
    if delta > account.available:
        raise ValidationError({"quota": [_("提高的额度超过个人账户可用余额（%(available)s 元）。")
                                         % {"available": yuan_str(account.available)}]})
    if delta == 0:
        return relation
    before = _relation_snapshot(relation)
    relation.quota = quota
    relation.save(update_fields=["quota"])
    _ledger(account, kind=LedgerEntry.Kind.RESERVE if delta > 0 else LedgerEntry.Kind.RELEASE,
            reserved_delta=delta, relation=relation, note=_("调整共济额度"))
    audit(actor=actor, action=AuditAction.RELATION_QUOTA_CHANGE, obj=relation, region_code=relation.pooler.region_id,
          before=before, after=_relation_snapshot(relation))
    return relation


@transaction.atomic
def relation_dissolve(*, actor, relation: Relation, reason: str = "") -> Relation:
    message = _("只有共济双方可以解除共济关系。")
    require(actor, roles={Role.INSURED}, message=message)
    if not actor.is_portal_admin and not Relation.objects.filter(
            Q(pooler__person_id=actor.person_id) | Q(beneficiary__person_id=actor.person_id),
            pk=relation.pk).exists():
        raise PermissionDenied(message)
    relation, account = _lock_relation_with_account(relation.pk)
    if relation.status == Relation.Status.DISSOLVED:
        raise ValidationError({"detail": _("共济关系已解除。")})
    default = _("本人申请解除") if relation.is_active else _("未确认，已撤回或拒绝")
    return _dissolve_locked(relation, account=account, actor=actor, reason=reason or default)


GUARDIAN_KINSHIPS = (Kinship.CHILD, Kinship.GRANDCHILD)  # the pooler is the beneficiary's parent/grandparent


def is_minor(insured: Insured, today: dt.date | None = None) -> bool:
    """Under 18 by the birth date in the ID number."""
    born = insured.person.birth_date
    today = today or timezone.localdate()
    return (today.year - born.year - ((today.month, today.day) < (born.month, born.day))) < 18


def may_accept(user, relation: Relation) -> bool:
    """The beneficiary; for a minor beneficiary, the pooler when the pooler is their parent or grandparent
    (a guardian consents for the child); an insurance officer of the beneficiary's region at the counter
    (on the beneficiary's written consent); admins."""
    if user.is_portal_admin:
        return True
    if user.role == Role.INSURED and user.person_id:
        if user.person_id == relation.beneficiary.person_id:
            return True
        return (user.person_id == relation.pooler.person_id and relation.kinship in GUARDIAN_KINSHIPS
                and is_minor(relation.beneficiary))
    return False


@transaction.atomic
def relation_accept(*, actor, relation: Relation) -> Relation:
    """The beneficiary (or a minor's guardian) agrees: the relation becomes active and the quota is
    reserved from the pooler's account now (400 if it no longer fits what is available)."""
    message = _("只有被共济人（未成年人由其监护人）可以确认共济关系。")
    require(actor, roles={Role.INSURED, Role.INSURANCE_OFFICER}, message=message)
    relation = Relation.objects.select_related("pooler__person", "beneficiary__person").get(pk=relation.pk)
    if actor.role == Role.INSURANCE_OFFICER and not actor.is_portal_admin:
        require(actor, region=relation.beneficiary.region_id, message=message)
    elif not may_accept(actor, relation):
        raise PermissionDenied(message)
    relation, account = _lock_relation_with_account(relation.pk, "beneficiary")
    if not relation.is_pending:
        raise ValidationError({"detail": _("该共济关系不在待确认状态。")})
    pooler = relation.pooler
    if pooler.scheme != Insured.Scheme.EMPLOYEE or not pooler.is_active or account is None:
        raise ValidationError({"detail": _("共济人当前不能提供共济额度。")})
    if not relation.beneficiary.is_active:
        raise ValidationError({"detail": _("被共济人当前不在参保缴费状态。")})
    if relation.quota > account.available:
        raise ValidationError({"quota": [_("共济人的可用余额已不足以提供该额度，请共济人调整额度后再确认。")]})
    before = _relation_snapshot(relation)
    relation.status = Relation.Status.ACTIVE
    relation.accepted_at = timezone.now()
    relation.accepted_by = actor if getattr(actor, "pk", None) else None
    relation.save(update_fields=["status", "accepted_at", "accepted_by"])
    _ledger(account, kind=LedgerEntry.Kind.RESERVE, reserved_delta=relation.quota, relation=relation,
            note=_("确认共济关系，占用额度"))
    audit(actor=actor, action=AuditAction.RELATION_ACCEPT, obj=relation, region_code=pooler.region_id,
          before=before, after=_relation_snapshot(relation))
    return relation


# ---------------------------------------------------------------- per-region rules

@transaction.atomic
def region_rule_set(*, actor, region: str, categories: list[str], cap_per_spend: int | None = None,
                    cap_per_month: int | None = None, wallet_opened_on: dt.date | None = None,
                    claim_window_days: int | None = None) -> RegionRule:
    """Set a pooling region's rules (an insurance officer of that region, or above). Every field is data:
    which categories it allows, caps per spend and per person per month (fen, optional), when its wallet
    opened (empty: not yet, no new relations), its claim window (empty: the national default)."""
    require(actor, roles=OFFICER, region=region, message=_("您无权管理该统筹地区的共济规则。"))
    place = Region.objects.filter(code=region).first()
    if place is None:
        raise ValidationError({"region": [_("未知的统筹地区代码。")]})
    if place.level == Region.Level.COUNTY:
        raise ValidationError({"region": [_("共济规则按统筹地区（地市级）设置，请填写地市级区划代码。")]})
    categories = list(dict.fromkeys(categories or []))
    if not categories or set(categories) - set(Spend.Category.values):
        raise ValidationError({"categories": [_("请至少选择一个有效的支付类别。")]})
    errors = {}
    for field, value in (("cap_per_spend", cap_per_spend), ("cap_per_month", cap_per_month)):
        if value is not None and value <= 0:
            errors[field] = [_("上限必须大于零；不设上限请留空。")]
    if cap_per_spend and cap_per_month and cap_per_spend > cap_per_month:
        errors["cap_per_spend"] = [_("单笔上限不能高于每月上限。")]
    if claim_window_days is not None and not (1 <= claim_window_days <= 3650):
        errors["claim_window_days"] = [_("结算期限应在 1 到 3650 天之间；按全国默认请留空。")]
    if errors:
        raise ValidationError(errors)
    existing = RegionRule.objects.select_for_update().filter(region_id=region).first()
    fields = {"categories": categories, "cap_per_spend": cap_per_spend, "cap_per_month": cap_per_month,
              "wallet_opened_on": wallet_opened_on, "claim_window_days": claim_window_days}
    before = None
    if existing is None:
        rule = RegionRule.objects.create(region_id=region, updated_by=actor, **fields)
    else:
        rule = existing
        before = {k: getattr(rule, k) for k in fields}
        for k, v in fields.items():
            setattr(rule, k, v)
        rule.updated_by = actor
        rule.save()
    jsonable = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in fields.items()}
    audit(actor=actor, action=AuditAction.REGION_RULE_SET, obj=rule, region_code=region,
          before={k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in before.items()} if before else None,
          after=jsonable)
    return rule


# ---------------------------------------------------------------- payment codes

def payment_code_digest(code: str) -> str:
    """The keyed hash a code is stored and looked up by (HMAC-SHA256 with SECRET_KEY)."""
    return hmac.new(settings.SECRET_KEY.encode(), f"pooling-payment-code:{code}".encode(),
                    hashlib.sha256).hexdigest()


def _payment_code_new(relation: Relation, *, actor=None, now: dt.datetime | None = None) -> tuple[str, PaymentCode]:
    """Mint a code for an active relation (no gate: `payment_code_issue` is the gate; the demo seed)."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10 ** PAYMENT_CODE_DIGITS):0{PAYMENT_CODE_DIGITS}d}"
    row = PaymentCode.objects.create(relation=relation, digest=payment_code_digest(code), created_at=now,
                                     expires_at=now + dt.timedelta(seconds=payment_code_ttl()),
                                     created_by=actor if getattr(actor, "pk", None) else None)
    return code, row


@transaction.atomic
def payment_code_issue(*, actor, relation: Relation, now: dt.datetime | None = None) -> tuple[str, PaymentCode]:
    """The beneficiary of an active relation gets a one-time code to show a hospital or pharmacy. Only its
    keyed hash is kept; the code itself is returned once."""
    message = _("只有被共济人本人可以出示付款码。")
    require(actor, roles={Role.INSURED}, message=message)
    if not actor.is_portal_admin and not Relation.objects.filter(
            pk=relation.pk, beneficiary__person_id=actor.person_id).exists():
        raise PermissionDenied(message)
    relation = Relation.objects.select_related("beneficiary").get(pk=relation.pk)
    if not relation.is_active or not relation.beneficiary.is_active:
        raise ValidationError({"relation": [_("共济关系未生效，不能出示付款码。")]})
    code, row = _payment_code_new(relation, actor=actor, now=now)
    audit(actor=actor, action=AuditAction.PAYMENT_CODE_ISSUE, obj=row, region_code=relation.beneficiary.region_id,
          after={"relation": relation.pk, "expires_at": row.expires_at.isoformat()})
    return code, row


# ---------------------------------------------------------------- institutions and spending

def institution_region_code(code: str) -> str:
    return code[1:7]


@transaction.atomic
def institution_ensure(*, code: str, name: str = "", actor=None) -> Institution:
    """The institution with this national code, created if it does not exist yet. Reference data with no
    gate of its own: called when an administrator creates an institution's login (signals.py) and by the
    demo seed."""
    code = (code or "").strip().upper()
    existing = Institution.objects.filter(code=code).first()
    if existing is not None:
        return existing
    validate_institution_code(code)
    region = institution_region_code(code)
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"code": [_("机构编码中的区划代码 %(region)s 不存在。") % {"region": region}]})
    kind = Institution.Kind.HOSPITAL if code[0] == "H" else Institution.Kind.PHARMACY
    default = _("定点医疗机构") if kind == Institution.Kind.HOSPITAL else _("定点零售药店")
    institution = Institution.objects.create(code=code, name=name or f"{default} {code}", region_id=region, kind=kind)
    audit(actor=actor, action=AuditAction.INSTITUTION_CREATE, obj=institution, region_code=region,
          after={"code": code, "name": institution.name})
    return institution


def _refusal_key(institution: Institution) -> str:
    return f"mp:spend-refusals:{institution.code}"


def _throttle_check(institution: Institution) -> None:
    limit, window = spend_refusal_limit()
    if (cache.get(_refusal_key(institution)) or 0) >= limit:
        raise SpendThrottled(window)


def _refused(institution: Institution) -> ValidationError:
    """Count a refusal against the institution (a fixed window from its first refusal) and give the one
    generic answer. The cache is outside the transaction, so the count survives the rollback."""
    _limit, window = spend_refusal_limit()
    key = _refusal_key(institution)
    if not cache.add(key, 1, timeout=window):
        try:
            cache.incr(key)
        except ValueError:  # expired in between
            cache.add(key, 1, timeout=window)
    return ValidationError({"payment_code": [_(SPEND_REFUSED)]})


def spend_refusals_reset(institution_code: str) -> None:
    """Forget an institution's refusals (an officer who has checked the till; tests)."""
    cache.delete(f"mp:spend-refusals:{institution_code}")


def month_of(moment: dt.datetime) -> str:
    local = timezone.localtime(moment, BEIJING)
    return f"{local.year:04d}-{local.month:02d}"


def next_month(month: str) -> str:
    year, mon = int(month[:4]), int(month[5:7])
    return f"{year + (mon == 12):04d}-{1 if mon == 12 else mon + 1:02d}"


def _month_status_locked(month: str, *, share: bool) -> str:
    """The month's clearing status, its row created if missing and locked: FOR SHARE by a spend booking into
    it (many at once), FOR UPDATE by the settlement run (alone, waits for those spends to commit)."""
    ClearingMonth.objects.bulk_create([ClearingMonth(month=month)], ignore_conflicts=True)
    table = ClearingMonth._meta.db_table
    lock = (" FOR SHARE" if share else " FOR UPDATE") if connection.vendor == "postgresql" else ""
    with connection.cursor() as cur:
        cur.execute(f"SELECT status FROM {table} WHERE month = %s{lock}", [month])
        return cur.fetchone()[0]


def _book_month(moment: dt.datetime) -> str:
    """The clearing month a spend (or refund) at `moment` books into: the month of `moment` in Beijing time
    while it is open, otherwise the first open month after it. Holds FOR SHARE on that month's row until
    commit, so the month cannot be cleared under the booking: the spend is in that run or in a later one."""
    month = month_of(moment)
    for _i in range(1200):
        if _month_status_locked(month, share=True) == ClearingMonth.Status.OPEN:
            return month
        month = next_month(month)
    raise ValidationError({"detail": _("没有可入账的清算月份。")})  # pragma: no cover - 100 years closed


def clearing_month_status(month: str) -> str:
    """open / clearing / closed (a month nobody has booked into is open)."""
    return ClearingMonth.objects.filter(month=month).values_list("status", flat=True).first() or \
        ClearingMonth.Status.OPEN


def _spend_institution(actor, institution: Institution | None) -> Institution:
    if institution is None:
        institution = Institution.objects.filter(code=actor.institution_code).first()
        if institution is None:
            raise ValidationError({"detail": _("您的账号未关联定点医药机构。")})
    elif actor.is_portal_admin:
        pass
    elif actor.role == Role.INSTITUTION:
        if institution.code != actor.institution_code:
            raise PermissionDenied(_("只能以本机构名义登记共济支付。"))
    else:
        require(actor, region=institution.region_id, message=_("该定点医药机构不在您的管辖范围内。"))
    return institution


def _throttle_check_code(institution_code: str) -> None:
    limit, window = spend_refusal_limit()
    if (cache.get(f"mp:spend-refusals:{institution_code}") or 0) >= limit:
        raise SpendThrottled(window)


# One statement reads and locks everything a spend decides on, in the locking order of this module: the
# payment code row, then the pooler's account, then the relation, then the clearing month (FOR SHARE). Each
# lock is a MATERIALIZED CTE whose condition reads the one before it, so PostgreSQL takes them in that order
# whatever plan it picks for the final join. Rows locked in READ COMMITTED are their latest committed
# versions (a code another spend has just used comes back with its used_at set). The same statement reads
# the institution, the beneficiary and their person, both pooling regions, the paying region's rule and,
# when that rule caps a month, what the beneficiary has spent in the month so far.
_SPEND_READ_SQL = """
WITH inst AS MATERIALIZED (
    SELECT id, code, name, region_id, kind FROM medical_pooling_institution WHERE code = %(inst)s
), pc AS MATERIALIZED (
    SELECT id, relation_id, used_at, expires_at FROM medical_pooling_paymentcode
    WHERE digest = %(digest)s AND relation_id IS NOT NULL
    FOR NO KEY UPDATE
), acct AS MATERIALIZED (
    SELECT a.id, a.balance, a.reserved FROM medical_pooling_account a
    WHERE a.insured_id = (SELECT r.pooler_id FROM medical_pooling_relation r WHERE r.id = (SELECT relation_id FROM pc))
    FOR NO KEY UPDATE
), rel AS MATERIALIZED (
    SELECT r.id, r.pooler_id, r.beneficiary_id, r.kinship, r.quota, r.used, r.status
    FROM medical_pooling_relation r
    WHERE r.id = (SELECT relation_id FROM pc) AND (SELECT count(*) FROM acct) >= 0
    FOR NO KEY UPDATE
), cm AS MATERIALIZED (
    SELECT status FROM medical_pooling_clearingmonth
    WHERE month = %(month)s AND (SELECT count(*) FROM rel) > 0
    FOR SHARE
), regions AS MATERIALIZED (
    SELECT rel.id AS rel_id,
           COALESCE((SELECT g.parent_id FROM portal_region g WHERE g.code = p.region_id AND g.level = 3), p.region_id)
               AS payer,
           COALESCE((SELECT g.parent_id FROM portal_region g WHERE g.code = inst.region_id AND g.level = 3),
                    inst.region_id) AS payee
    FROM rel JOIN medical_pooling_insured p ON p.id = rel.pooler_id CROSS JOIN inst
)
SELECT inst.id, inst.name, inst.region_id, inst.kind,
       pc.id, pc.relation_id, pc.used_at, pc.expires_at,
       acct.id, acct.balance, acct.reserved,
       rel.id, rel.pooler_id, rel.beneficiary_id, rel.kinship, rel.quota, rel.used, rel.status,
       b.status, b.region_id, b.person_id, person.id_number_hmac, person.id_number_masked, person.name,
       regions.payer, regions.payee,
       rr.id, rr.categories, rr.cap_per_spend, rr.cap_per_month, rr.claim_window_days,
       (SELECT status FROM cm)
FROM inst
LEFT JOIN pc ON true
LEFT JOIN acct ON true
LEFT JOIN rel ON true
LEFT JOIN medical_pooling_insured b ON b.id = rel.beneficiary_id
LEFT JOIN portal_person person ON person.id = b.person_id
LEFT JOIN regions ON regions.rel_id = rel.id
LEFT JOIN medical_pooling_regionrule rr ON rr.region_id = regions.payer
"""

# Every write of an accepted spend, in one statement: the spend, the code marked used and pointing at it,
# the relation's use, the account's balance and reservation (computed and checked on the locked rows) and
# the ledger row. Spend and ledger are append-only tables (their triggers refuse UPDATE/DELETE).
_SPEND_WRITE_SQL = """
WITH s AS (
    INSERT INTO medical_pooling_spend (relation_id, institution_id, premium_scheme, premium_year, beneficiary_id,
        category, amount, occurred_at, payer_region, payee_region, clearing_month, refund_of_id, created_at,
        created_by_id)
    VALUES (%(rel)s, %(inst)s, '', NULL, %(ben)s, %(category)s, %(amount)s, %(occurred_at)s, %(payer)s, %(payee)s,
            %(month)s, NULL, %(now)s, %(actor)s)
    RETURNING id, created_at
), c AS (
    UPDATE medical_pooling_paymentcode SET used_at = %(now)s, spend_id = (SELECT id FROM s) WHERE id = %(code)s
), r AS (
    UPDATE medical_pooling_relation SET used = %(used)s WHERE id = %(rel)s
), a AS (
    UPDATE medical_pooling_account SET balance = %(balance)s, reserved = %(reserved)s, updated_at = %(now)s
    WHERE id = %(acct)s
), l AS (
    INSERT INTO medical_pooling_ledgerentry (account_id, kind, amount, reserved_delta, balance_after, reserved_after,
        relation_id, spend_id, own_spend_id, note, at)
    SELECT %(acct)s, %(kind)s, %(delta)s, %(delta)s, %(balance)s, %(reserved)s, %(rel)s, s.id, NULL, %(note)s, %(now)s
    FROM s
)
SELECT id, created_at, """ + AUDIT_HEAD_COLUMN + """ FROM s
"""


def _spend_read_locked(*, institution_code: str, digest: str, month: str) -> tuple | None:
    with connection.cursor() as cur:
        db.execute(cur, "mp_spend_read", _SPEND_READ_SQL, {"inst": institution_code, "digest": digest, "month": month})
        return cur.fetchone()


def _spend_create_postgresql(*, actor, code: str, category: str, amount: int, occurred_at: dt.datetime,
                             relation_id: int | None, beneficiary_id_number: str | None,
                             institution: Institution | None, now: dt.datetime) -> Spend:
    """spend_create on PostgreSQL: the same checks in the same order as `_spend_create_orm`, on rows read and
    locked by one statement and written by one more (then the audit event)."""
    inst_code = institution.code if institution is not None else (actor.institution_code or "")
    _throttle_check_code(inst_code)
    code_ok = bool(re.fullmatch(rf"\d{{{PAYMENT_CODE_DIGITS}}}", code))
    month = month_of(occurred_at)
    got = _spend_read_locked(institution_code=inst_code, digest=payment_code_digest(code) if code_ok else "",
                             month=month) if inst_code else None
    if got is None:
        if institution is None:
            raise ValidationError({"detail": _("您的账号未关联定点医药机构。")})
        got = (institution.pk, institution.name, institution.region_id, institution.kind) + (None,) * 28
    (inst_id, inst_name, inst_region, inst_kind, code_id, code_relation, used_at, expires_at, acct_id, balance,
     reserved, rel_id, pooler_id, ben_id, kinship, quota, used, rel_status, ben_status, ben_region, person_id,
     id_hmac, id_masked, ben_name, payer_region, payee_region, rule_id, rule_categories, cap_per_spend, cap_per_month,
     rule_window, month_status) = got
    if institution is None:
        institution = Institution(pk=inst_id, code=inst_code, name=inst_name, region_id=inst_region, kind=inst_kind)
    category_check(institution, category)
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if occurred_at > now + FUTURE_SKEW:
        raise ValidationError({"occurred_at": [_("发生时间不能晚于当前时间。")]})
    if not code_ok or code_id is None or used_at is not None or expires_at <= now:
        raise _refused(institution)
    if relation_id is not None and relation_id != code_relation:
        raise _refused(institution)
    if rel_id is None:
        raise Relation.DoesNotExist
    beneficiary = Insured(pk=ben_id, status=ben_status, region_id=ben_region, person_id=person_id)
    id_number = pii.Sealed(pii.ID, id_hmac or "", id_masked or "")  # compared by HMAC, never decrypted
    beneficiary.person = Person(pk=person_id, id_number=id_number, id_number_masked=id_masked or "", name=ben_name)
    relation = Relation(pk=rel_id, pooler_id=pooler_id, beneficiary_id=ben_id, kinship=kinship, quota=quota,
                        used=used, status=rel_status)
    relation.beneficiary = beneficiary
    if beneficiary_id_number and id_number != beneficiary_id_number.strip().upper():
        raise _refused(institution)
    if not relation.is_active or not beneficiary.is_active or amount > relation.quota - relation.used:
        raise _refused(institution)
    rule = None if rule_id is None else RegionRule(
        pk=rule_id, region_id=payer_region, cap_per_spend=cap_per_spend,
        categories=json.loads(rule_categories) if isinstance(rule_categories, str) else rule_categories,
        cap_per_month=cap_per_month, claim_window_days=rule_window)
    window = claim_window_days(payer_region, rule) if rule is not None else \
        int(getattr(settings, "POOLING_CLAIM_WINDOW_DAYS", 90))
    if occurred_at < now - dt.timedelta(days=window):
        raise ValidationError({"occurred_at": [_("发生时间超出 %(days)s 天的结算期限，不能登记共济支付。")
                                               % {"days": window}]})
    if rule is not None and rule.cap_per_month is not None:
        # The month's total is summed after the beneficiary's row is locked, by a statement of its own: the
        # locked read above sees other rows as they stood when it began, so a spend committed meanwhile
        # (through this relation or another of the same beneficiary) would be missing from a sum taken there.
        Insured.objects.select_for_update().filter(pk=ben_id).values_list("pk", flat=True).first()
    if rule_refusal(rule, beneficiary=beneficiary, payer_region=payer_region, category=category, amount=amount,
                    occurred_at=occurred_at):
        raise _refused(institution)
    if acct_id is None:  # a pooler always has an account; a missing one is refused like an empty one
        raise ValidationError(_("个人账户余额不足。"))
    balance, reserved = balance - amount, reserved - amount
    if balance < 0 or reserved < 0 or reserved > balance:
        raise ValidationError(_("个人账户余额不足。"))
    if month_status != ClearingMonth.Status.OPEN:  # the month's row is missing (its first spend) or closed
        month = _book_month(occurred_at)
    before = _relation_snapshot(relation)
    relation.used += amount
    # the audit chain's lock goes ahead of the write in its round trip, and the write reads the chain's head
    head = ChainHead(payer_region)
    with connection.cursor() as cur:
        db.execute(cur, "mp_spend_write", _SPEND_WRITE_SQL, {
            "rel": rel_id, "inst": institution.pk, "ben": ben_id, "category": category, "amount": amount,
            "occurred_at": occurred_at, "payer": payer_region, "payee": payee_region, "month": month, "now": now,
            "actor": actor.pk if getattr(actor, "pk", None) else None, "code": code_id, "used": relation.used,
            "balance": balance, "reserved": reserved, "acct": acct_id, "kind": LedgerEntry.Kind.POOLED_SPEND,
            "delta": -amount, "note": institution.name[:255], **head.params}, before=head.lock)
        spend_id, created_at, last_hash = cur.fetchone()
    head.read(last_hash)
    spend = Spend(pk=spend_id, relation_id=rel_id, institution_id=institution.pk, beneficiary_id=ben_id,
                  premium_scheme="", premium_year=None, refund_of_id=None,
                  category=category, amount=amount, occurred_at=occurred_at, payer_region=payer_region,
                  payee_region=payee_region, clearing_month=month, created_at=created_at,
                  created_by_id=actor.pk if getattr(actor, "pk", None) else None)
    spend._state.adding, spend._state.db = False, "default"
    spend.relation, spend.institution, spend.beneficiary = relation, institution, beneficiary
    audit(actor=actor, action=AuditAction.SPEND_CREATE, obj=spend, region_code=payer_region,
          before=before, after={**_relation_snapshot(relation), "amount": amount, "institution": institution.code,
                                "clearing_month": month}, head=head, defer=True)
    enqueue_batched("medical_pooling.check_spends_fraud", spend.pk)  # a broker outage never fails a payment
    return spend


def spend_create(*, actor, payment_code: str, category: str, amount: int, occurred_at: dt.datetime,
                 relation_id: int | None = None, beneficiary_id_number: str | None = None,
                 institution: Institution | None = None, now: dt.datetime | None = None) -> Spend:
    # one transaction; no savepoint inside an idempotent API request, whose errors roll back all of it
    with transaction.atomic(savepoint=savepoint_needed()):
        return _spend_create(actor=actor, payment_code=payment_code, category=category, amount=amount,
                             occurred_at=occurred_at, relation_id=relation_id,
                             beneficiary_id_number=beneficiary_id_number, institution=institution, now=now)


def _spend_create(*, actor, payment_code: str, category: str, amount: int, occurred_at: dt.datetime,
                  relation_id: int | None, beneficiary_id_number: str | None, institution: Institution | None,
                  now: dt.datetime | None) -> Spend:
    """A designated institution charges the relation named by the beneficiary's one-time payment code
    (`institution` left out or its own; an insurance officer may record one for an institution of their
    region). `relation_id` / `beneficiary_id_number`, when sent, must match the code. Every refusal about
    the code, the relation, the beneficiary or the quota is the same generic message and counts towards
    the institution's refusal limit (then `SpendThrottled`)."""
    require(actor, roles={Role.INSTITUTION, Role.INSURANCE_OFFICER}, message=_("只有定点医药机构可以登记共济支付。"))
    if institution is not None:
        institution = _spend_institution(actor, institution)
    if connection.vendor == "postgresql":
        now = now or timezone.now()
        if timezone.is_naive(occurred_at):
            occurred_at = timezone.make_aware(occurred_at, BEIJING)
        return _spend_create_postgresql(
            actor=actor, code=re.sub(r"\s", "", payment_code or ""), category=category, amount=amount,
            occurred_at=occurred_at, relation_id=relation_id, beneficiary_id_number=beneficiary_id_number,
            institution=institution, now=now)
    institution = _spend_institution(actor, institution)
    _throttle_check(institution)
    now = now or timezone.now()
    category_check(institution, category)
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, BEIJING)
    if occurred_at > now + FUTURE_SKEW:
        raise ValidationError({"occurred_at": [_("发生时间不能晚于当前时间。")]})
    code = re.sub(r"\s", "", payment_code or "")
    if not re.fullmatch(rf"\d{{{PAYMENT_CODE_DIGITS}}}", code):
        raise _refused(institution)
    # the code row first (it names the relation), then the account and the relation
    row = (PaymentCode.objects.select_for_update(no_key=True).filter(digest=payment_code_digest(code)).first())
    if row is None or row.relation_id is None or row.used_at is not None or row.expires_at <= now:
        raise _refused(institution)
    if relation_id is not None and relation_id != row.relation_id:
        raise _refused(institution)
    relation, account = _lock_relation_with_account(row.relation_id, "beneficiary__person")
    beneficiary = relation.beneficiary
    if beneficiary_id_number and beneficiary.person.id_number != beneficiary_id_number.strip().upper():
        raise _refused(institution)
    # the beneficiary's own insurance is checked at every spend (terminated, deceased …: refused)
    if not relation.is_active or not beneficiary.is_active or amount > relation.quota - relation.used:
        raise _refused(institution)
    payer_region, payee_region = pooling_regions_of(relation.pooler.region_id, institution.region_id)
    rule = region_rule(payer_region)  # a spend follows the paying (pooler's) region's rules
    window = claim_window_days(payer_region, rule)
    if occurred_at < now - dt.timedelta(days=window):
        raise ValidationError({"occurred_at": [_("发生时间超出 %(days)s 天的结算期限，不能登记共济支付。")
                                               % {"days": window}]})
    if rule_refusal(rule, beneficiary=beneficiary, payer_region=payer_region, category=category, amount=amount,
                    occurred_at=occurred_at):
        raise _refused(institution)
    spend = Spend.objects.create(
        relation=relation, institution=institution, beneficiary=beneficiary, category=category, amount=amount,
        occurred_at=occurred_at, payer_region=payer_region, payee_region=payee_region,
        clearing_month=_book_month(occurred_at), created_by=actor,
    )
    row.used_at, row.spend = now, spend
    row.save(update_fields=["used_at", "spend"])
    before = _relation_snapshot(relation)
    relation.used += amount
    relation.save(update_fields=["used"])
    _ledger(account, kind=LedgerEntry.Kind.POOLED_SPEND, amount=-amount, reserved_delta=-amount,
            relation=relation, spend=spend, note=institution.name)
    audit(actor=actor, action=AuditAction.SPEND_CREATE, obj=spend, region_code=spend.payer_region,
          before=before, after={**_relation_snapshot(relation), "amount": amount, "institution": institution.code,
                                "clearing_month": spend.clearing_month})
    enqueue_batched("medical_pooling.check_spends_fraud", spend.pk)  # a broker outage never fails a payment
    return spend


def _require_beneficiary_or_officer(actor, relation: Relation, *, message: str) -> None:
    """After `require(roles=INSURED or officer)`: the beneficiary themself, or an insurance officer of the
    beneficiary's region (at the counter); admins."""
    if actor.is_portal_admin:
        return
    if actor.role == Role.INSURED:
        if not actor.person_id or actor.person_id != relation.beneficiary.person_id:
            raise PermissionDenied(message)
    else:
        require(actor, region=relation.beneficiary.region_id, message=message)


@transaction.atomic
def premium_pay(*, actor, relation: Relation, premium_scheme: str, amount: int, year: int | None = None,
                now: dt.datetime | None = None) -> Spend:
    """共济缴费: a premium (resident medical insurance, long-term-care insurance) paid from the quota of an
    active relation, by the beneficiary or an insurance officer of the beneficiary's region. Not at an
    institution: the payee is the beneficiary's pooling region (its fund collects the premium), and it
    clears like any pooled spend. One premium per beneficiary, scheme and year (unless refunded)."""
    message = _("只有被共济人本人或其参保地医保经办机构可以用共济额度缴纳保费。")
    require(actor, roles={Role.INSURED, Role.INSURANCE_OFFICER}, message=message)
    relation = Relation.objects.select_related("beneficiary__person").get(pk=relation.pk)
    _require_beneficiary_or_officer(actor, relation, message=message)
    now = now or timezone.now()
    this_year = timezone.localtime(now, BEIJING).year
    year = this_year if year in (None, "") else int(year)
    if premium_scheme not in Spend.PremiumScheme.values:
        raise ValidationError({"premium_scheme": [_("缴费险种应为城乡居民基本医疗保险或长期护理保险。")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if not (this_year - 1 <= year <= this_year + 1):
        raise ValidationError({"year": [_("只能缴纳上一年度至下一年度的保费。")]})
    relation, account = _lock_relation_with_account(relation.pk, "beneficiary__person")
    beneficiary = relation.beneficiary
    if not relation.is_active:
        raise ValidationError({"relation": [_("共济关系未生效，不能用共济额度缴费。")]})
    if not beneficiary.is_active:
        raise ValidationError({"relation": [_("被共济人当前不在参保缴费状态（%(status)s），不能缴费。")
                                            % {"status": beneficiary.get_status_display()}]})
    if premium_scheme == Spend.PremiumScheme.RESIDENT and beneficiary.scheme != Insured.Scheme.RESIDENT:
        raise ValidationError({"premium_scheme": [_("被共济人参加的是职工医保，不需缴纳城乡居民医保保费。")]})
    paid = LedgerEntry.objects.filter(spend=OuterRef("pk"), kind=LedgerEntry.Kind.REFUND)
    if (Spend.objects.filter(beneficiary=beneficiary, category=Spend.Category.PREMIUM, premium_scheme=premium_scheme,
                             premium_year=year, refund_of__isnull=True).exclude(Exists(paid)).exists()):
        raise ValidationError({"year": [_("被共济人 %(year)s 年度的该项保费已缴纳。") % {"year": year}]})
    if amount > relation.quota - relation.used:
        raise ValidationError({"amount": [_("缴费金额超过共济额度剩余（%(left)s 元）。")
                                          % {"left": yuan_str(relation.quota - relation.used)}]})
    payer_region, payee_region = pooling_regions_of(relation.pooler.region_id, beneficiary.region_id)
    refusal = rule_refusal(region_rule(payer_region), beneficiary=beneficiary, payer_region=payer_region,
                           category=Spend.Category.PREMIUM, amount=amount, occurred_at=now)
    if refusal:
        raise ValidationError({"amount": [refusal]})
    spend = Spend.objects.create(
        relation=relation, institution=None, beneficiary=beneficiary, category=Spend.Category.PREMIUM,
        premium_scheme=premium_scheme, premium_year=year, amount=amount, occurred_at=now,
        payer_region=payer_region, payee_region=payee_region, clearing_month=_book_month(now), created_by=actor,
    )
    before = _relation_snapshot(relation)
    relation.used += amount
    relation.save(update_fields=["used"])
    label = Spend.PremiumScheme(premium_scheme).label
    _ledger(account, kind=LedgerEntry.Kind.POOLED_SPEND, amount=-amount, reserved_delta=-amount,
            relation=relation, spend=spend, note=f"{year} {label}")
    audit(actor=actor, action=AuditAction.PREMIUM_PAY, obj=spend, region_code=payer_region, before=before,
          after={**_relation_snapshot(relation), "amount": amount, "premium_scheme": premium_scheme, "year": year,
                 "clearing_month": spend.clearing_month})
    enqueue_batched("medical_pooling.check_spends_fraud", spend.pk)
    return spend


# ---------------------------------------------------------------- the pooler's own spending (本人使用)

OWN_SPEND_REFUSED = "付款码无效或已失效，或个人账户可用余额不足，请让参保人重新出示本人付款码。"


@transaction.atomic
def own_payment_code_issue(*, actor, now: dt.datetime | None = None) -> tuple[str, PaymentCode]:
    """本人付款码: an employee-insured person with a personal account gets a one-time code for spending from
    their own account (only its keyed hash is kept; the code is returned once)."""
    require(actor, roles={Role.INSURED}, message=_("只有参保人本人可以出示本人付款码。"))
    insured = Insured.objects.filter(person_id=actor.person_id).first() if actor.person_id else None
    if insured is None:
        raise ValidationError({"detail": _("您尚未参保登记。")})
    if insured.scheme != Insured.Scheme.EMPLOYEE or not insured.is_active or not Account.objects.filter(
            insured=insured).exists():
        raise ValidationError({"detail": _("只有正常参保且有个人账户的职工医保参保人可以使用本人付款码。")})
    now = now or timezone.now()
    code = f"{secrets.randbelow(10 ** PAYMENT_CODE_DIGITS):0{PAYMENT_CODE_DIGITS}d}"
    row = PaymentCode.objects.create(owner=insured, digest=payment_code_digest(code), created_at=now,
                                     expires_at=now + dt.timedelta(seconds=payment_code_ttl()), created_by=actor)
    audit(actor=actor, action=AuditAction.PAYMENT_CODE_ISSUE, obj=row, region_code=insured.region_id,
          after={"own": True, "expires_at": row.expires_at.isoformat()})
    return code, row


@transaction.atomic
def own_spend_create(*, actor, payment_code: str, category: str, amount: int, occurred_at: dt.datetime,
                     id_number: str | None = None, institution: Institution | None = None,
                     now: dt.datetime | None = None) -> OwnSpend:
    """A designated institution records the insured person's own spending from their personal account, by
    their own payment code (and, when sent, their ID number, which must match). It may use only what is
    available (balance − reserved): what is reserved for relatives (在共济额度内，共济人不能再使用该额度) is
    refused, with the same generic answer as any code problem."""
    require(actor, roles={Role.INSTITUTION, Role.INSURANCE_OFFICER}, message=_("只有定点医药机构可以登记个人账户支付。"))
    institution = _spend_institution(actor, institution)
    _throttle_check(institution)
    now = now or timezone.now()
    category_check(institution, category)
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, BEIJING)
    if occurred_at > now + FUTURE_SKEW:
        raise ValidationError({"occurred_at": [_("发生时间不能晚于当前时间。")]})

    def refused():
        _refused(institution)  # counts against the institution's limit
        return ValidationError({"payment_code": [_(OWN_SPEND_REFUSED)]})

    code = re.sub(r"\s", "", payment_code or "")
    if not re.fullmatch(rf"\d{{{PAYMENT_CODE_DIGITS}}}", code):
        raise refused()
    row = PaymentCode.objects.select_for_update(no_key=True).filter(digest=payment_code_digest(code)).first()
    if row is None or row.owner_id is None or row.used_at is not None or row.expires_at <= now:
        raise refused()
    account = _lock_account(row.owner_id)
    insured = Insured.objects.select_related("person").get(pk=row.owner_id)
    if id_number and insured.person.id_number != id_number.strip().upper():
        raise refused()
    if account is None or not insured.is_active or amount > account.available:
        raise refused()
    window = claim_window_days(pooling_regions_of(insured.region_id)[0])
    if occurred_at < now - dt.timedelta(days=window):
        raise ValidationError({"occurred_at": [_("发生时间超出 %(days)s 天的结算期限，不能登记支付。") % {"days": window}]})
    own = OwnSpend.objects.create(insured=insured, institution=institution, category=category, amount=amount,
                                  occurred_at=occurred_at, created_by=actor)
    row.used_at, row.own_spend = now, own
    row.save(update_fields=["used_at", "own_spend"])
    before = {"balance": account.balance, "reserved": account.reserved}
    _ledger(account, kind=LedgerEntry.Kind.OWN_SPEND, amount=-amount, own_spend=own, note=institution.name)
    audit(actor=actor, action=AuditAction.OWN_SPEND_CREATE, obj=own, region_code=insured.region_id, before=before,
          after={"balance": account.balance, "reserved": account.reserved, "amount": amount,
                 "institution": institution.code})
    return own


@transaction.atomic
def spend_refund(*, actor, spend: Spend, reason: str = "") -> LedgerEntry:
    """Reverse a spend in full: a new ledger row and a new negative spend row (never an edit). The quota
    comes back while the relation is active; after dissolution the money simply returns to the balance.
    The negative row clears with the spend's month while that is open, else in the first open month from
    now (a closed month's statements never change)."""
    message = _("只有记录该笔支付的定点机构可以退款。")
    require(actor, roles={Role.INSTITUTION}, message=message)
    if not actor.is_portal_admin and (spend.institution is None or actor.institution_code != spend.institution.code):
        raise PermissionDenied(message)
    return _refund(actor=actor, spend=spend, reason=reason, action=AuditAction.SPEND_REFUND)


@transaction.atomic
def spend_refund_on_review(*, actor, spend: Spend, reason: str) -> LedgerEntry:
    """A disputed spend found wrong on review (参保人申诉): the medical insurance bureau of the payer's pooling
    region reverses it in full, as the institution's own refund would (the same ledger and clearing rules)."""
    require(actor, roles={Role.INSURANCE_OFFICER}, region=spend.payer_region)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写退款理由。")]})
    return _refund(actor=actor, spend=spend, reason=reason.strip(), action=AuditAction.SPEND_REFUND_ON_REVIEW)


def _refund(*, actor, spend: Spend, reason: str, action) -> LedgerEntry:
    if spend.refund_of_id is not None:
        raise ValidationError({"detail": _("退款记录不能再退款。")})
    relation, account = _lock_relation_with_account(spend.relation_id)
    if LedgerEntry.objects.filter(spend=spend, kind=LedgerEntry.Kind.REFUND).exists():
        raise ValidationError({"detail": _("该笔支付已退款。")})
    before = _relation_snapshot(relation)
    if relation.is_active:
        relation.used -= spend.amount
        relation.save(update_fields=["used"])
        entry = _ledger(account, kind=LedgerEntry.Kind.REFUND, amount=spend.amount, reserved_delta=spend.amount,
                        relation=relation, spend=spend, note=reason or _("退款"))
    else:
        entry = _ledger(account, kind=LedgerEntry.Kind.REFUND, amount=spend.amount, relation=relation, spend=spend,
                        note=reason or _("退款"))
    now = timezone.now()
    if _month_status_locked(spend.clearing_month, share=True) == ClearingMonth.Status.OPEN:
        month = spend.clearing_month
    else:
        month = _book_month(max(now, spend.occurred_at))
    Spend.objects.create(
        relation=relation, institution=spend.institution, beneficiary_id=spend.beneficiary_id,
        category=spend.category, premium_scheme=spend.premium_scheme, premium_year=spend.premium_year,
        amount=-spend.amount, occurred_at=now, payer_region=spend.payer_region,
        payee_region=spend.payee_region, clearing_month=month, refund_of=spend, created_by=actor,
    )
    audit(actor=actor, action=action, obj=spend, region_code=spend.payer_region,
          before=before, after={**_relation_snapshot(relation), "refunded": spend.amount, "clearing_month": month})
    return entry


# ---------------------------------------------------------------- monthly clearing

def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """[start, next start) of a `YYYY-MM` month in Beijing time."""
    match = MONTH_RE.match(month or "")
    if not match:
        raise ValidationError({"month": [_("月份格式应为 YYYY-MM，例如 2026-01。")]})
    year, mon = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 9998 and 1 <= mon <= 12):
        raise ValidationError({"month": [_("月份超出范围：应为 2000-01 之后的有效月份。")]})
    start = dt.datetime(year, mon, 1, tzinfo=BEIJING)
    end = dt.datetime(year + (mon == 12), 1 if mon == 12 else mon + 1, 1, tzinfo=BEIJING)
    return start, end


def settlement_check_month(month: str) -> tuple[dt.datetime, dt.datetime]:
    start, end = month_bounds(month)
    if end > timezone.now():
        raise ValidationError({"month": [_("%(month)s 尚未结束，不能清算。") % {"month": month}]})
    return start, end


def previous_month(now: dt.datetime | None = None) -> str:
    local = timezone.localtime(now or timezone.now(), BEIJING)
    first = local.replace(day=1)
    last = first - dt.timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def _cross_region_spends(month: str):
    """The spend rows (refund rows included, negative) a month's run clears: by clearing_month."""
    return Spend.objects.filter(clearing_month=month).exclude(payer_region=F("payee_region"))


TMP = "mp_settlement_pairs"


@transaction.atomic
def settlement_run(*, month: str, actor=None) -> SettlementRun:
    """The clearing task's step (no gate of its own: `settlement_enqueue` is the gate; the monthly beat
    run has no actor). Clear an ended month: one statement per (payer, payee) pair of different pooling
    regions, over the spends whose `clearing_month` is that month.

    Closing: the run locks the month's ClearingMonth row FOR UPDATE. Every spend booking into the month
    holds FOR SHARE on that row until it commits, so once the run has the lock no booking into the month
    is in flight, and any that comes later waits, then finds the month closed and books into the next open
    one: each spend is in exactly one run. A month whose run succeeded is closed; running it again returns
    its run as it is (its statements never change).

    Set-based: one `GROUP BY` over the month's spends into a temporary table (PostgreSQL runs it with
    parallel workers, which a plain `INSERT … SELECT` cannot use), then the month's statements are
    brought to exactly that result — delete pairs that vanished, update pairs that changed, insert new
    pairs. Finally reconciled: the statements' totals must equal the month's cross-region spends, counted
    in the same pass, plus any found with an id above the highest id the run started from (there can be
    none while the lock holds; if there were, the run is a mismatch, the month stays open and is run again)."""
    settlement_check_month(month)
    status = _month_status_locked(month, share=False)
    run, _created = SettlementRun.objects.get_or_create(month=month)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    if status == ClearingMonth.Status.CLOSED:
        return run
    ClearingMonth.objects.filter(month=month).update(status=ClearingMonth.Status.CLEARING)
    last_id = Spend.objects.aggregate(m=Max("id"))["m"] or 0  # the primary key's last entry: no scan
    grouped = (_cross_region_spends(month).filter(pk__lte=last_id).order_by()
               .values("payer_region", "payee_region").annotate(n=Count("id"), s=Sum("amount")))
    select_sql, params = grouped.query.sql_with_params()
    lines = SettlementLine._meta.db_table
    match = f"t.payer_region = {lines}.payer_region AND t.payee_region = {lines}.payee_region"
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {TMP}")
        cur.execute(f"CREATE TEMPORARY TABLE {TMP} AS {select_sql}", params)
        cur.execute(f"CREATE UNIQUE INDEX {TMP}_pair ON {TMP} (payer_region, payee_region)")
        if connection.vendor == "postgresql":
            cur.execute(f"ANALYZE {TMP}")  # temporary tables get no autovacuum statistics
        cur.execute(f"SELECT COALESCE(SUM(n), 0), COALESCE(SUM(s), 0) FROM {TMP}")
        grouped_n, grouped_s = cur.fetchone()
        cur.execute(f"DELETE FROM {lines} WHERE month = %s AND NOT EXISTS "
                    f"(SELECT 1 FROM {TMP} t WHERE {match})", [month])
        cur.execute(f"UPDATE {lines} SET count = (SELECT t.n FROM {TMP} t WHERE {match}), "
                    f"amount = (SELECT t.s FROM {TMP} t WHERE {match}) "
                    f"WHERE month = %s AND EXISTS (SELECT 1 FROM {TMP} t WHERE {match} "
                    f"AND (t.n <> {lines}.count OR t.s <> {lines}.amount))", [month])
        # what is left in the temporary table is new; (an INSERT that anti-joins its own target table
        # would rescan the rows it is adding: quadratic)
        cur.execute(f"DELETE FROM {TMP} WHERE EXISTS (SELECT 1 FROM {lines} l WHERE l.month = %s "
                    f"AND l.payer_region = {TMP}.payer_region AND l.payee_region = {TMP}.payee_region)", [month])
        cur.execute(f"INSERT INTO {lines} (month, payer_region, payee_region, count, amount) "
                    f"SELECT %s, t.payer_region, t.payee_region, t.n, t.s FROM {TMP} t", [month])
        cur.execute(f"DROP TABLE {TMP}")
    late = _cross_region_spends(month).filter(pk__gt=last_id).aggregate(n=Count("id"), s=Sum("amount"))
    totals = SettlementLine.objects.filter(month=month).aggregate(n=Sum("count"), s=Sum("amount"))
    run.spend_count = int(grouped_n) + (late["n"] or 0)
    run.spend_amount = int(grouped_s) + (late["s"] or 0)
    run.line_count, run.line_amount = totals["n"] or 0, totals["s"] or 0
    run.status = SettlementRun.Status.DONE if run.reconciled else SettlementRun.Status.MISMATCH
    run.run_at = timezone.now()
    run.run_by = actor if getattr(actor, "pk", None) else None
    run.save()
    if run.status == SettlementRun.Status.DONE:
        ClearingMonth.objects.filter(month=month).update(status=ClearingMonth.Status.CLOSED, closed_at=run.run_at)
    else:
        ClearingMonth.objects.filter(month=month).update(status=ClearingMonth.Status.OPEN)
    audit(actor=actor, action=AuditAction.SETTLEMENT_RUN, obj=run,
          after={"month": month, "status": run.status, "count": run.line_count, "amount": run.line_amount})
    return run


def may_run_settlement(user) -> bool:
    """Monthly clearing is run by a national (no region) or provincial insurance officer, or an admin."""
    if user.is_portal_admin:
        return True
    return user.role == Role.INSURANCE_OFFICER and (
        user.region_id is None or Region.objects.filter(code=user.region_id, level=Region.Level.PROVINCE).exists())


def settlement_enqueue(*, month: str, actor):
    """Validate, record a Job and queue the Celery clearing task after commit."""
    message = _("只有国家或省级医保经办机构可以发起月度清算。")
    require(actor, roles=OFFICER, message=message)
    if not may_run_settlement(actor):
        raise PermissionDenied(message)
    settlement_check_month(month)
    job = job_create(kind="pooling.settlement", params={"month": month}, actor=actor, total=1,
                     task="medical_pooling.run_settlement")
    audit(actor=actor, action=AuditAction.SETTLEMENT_ENQUEUE, obj=job, after={"month": month})
    return job
