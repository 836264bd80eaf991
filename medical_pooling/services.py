"""Every write of medical_pooling: one transaction each, audited, with row locks on money.

Locking order (to stay deadlock-free): personal Account rows first, in pk order, then Relation rows.
The wallet (个人医保钱包) is opened automatically the first time an employee pools (or explicitly
with `wallet_open`); a resident-insured person has no account and can only be a beneficiary.
"""

import datetime as dt
import re
import zoneinfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.jobs import job_create
from portal.models import Region
from portal.money import yuan_str
from portal.permissions import require
from portal.queue import enqueue
from portal.roles import Role
from portal.services import audit, person_get_or_create, person_name_matches

from .audit_actions import AuditAction
from .models import (
    Account,
    Institution,
    Insured,
    InsuredStatusChange,
    Kinship,
    LedgerEntry,
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
    "relation_create",
    "relation_dissolve",
    "relation_set_quota",
    "settlement_enqueue",
    "settlement_run",
    "spend_create",
    "spend_refund",
    "wallet_open",
]

OFFICER = frozenset({Role.INSURANCE_OFFICER})
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")
MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
FUTURE_SKEW = dt.timedelta(minutes=10)


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
            spend=None, note: str = "") -> LedgerEntry:
    """Move `account` (already locked) and write the matching immutable ledger row."""
    account.balance += amount
    account.reserved += reserved_delta
    if account.balance < 0 or account.reserved < 0 or account.reserved > account.balance:
        raise ValidationError(_("个人账户余额不足。"))
    account.save(update_fields=["balance", "reserved", "updated_at"])
    return LedgerEntry.objects.create(
        account=account, kind=kind, amount=amount, reserved_delta=reserved_delta,
        balance_after=account.balance, reserved_after=account.reserved, relation=relation, spend=spend,
        note=note[:255],
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
    """Dissolve a locked active relation and release its unused quota on the locked account."""
    before = _relation_snapshot(relation)
    unused = relation.quota - relation.used
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
        pooler_ids |= set(Relation.objects.filter(beneficiary=insured, status=Relation.Status.ACTIVE)
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
                         .filter(ending, status=Relation.Status.ACTIVE)
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


@transaction.atomic
def relation_create(*, actor, beneficiary_id_number: str, beneficiary_name: str, kinship: str,
                    quota: int, pooler: Insured | None = None) -> Relation:
    """The pooler (共济人) sets up a relation with a relative; without `pooler`, the pooler is the actor.
    An insurance officer may name a pooler of their region (counter service, the demo's seed)."""
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
    beneficiary = (Insured.objects.select_related("person")
                   .filter(person__id_number=beneficiary_id_number.strip().upper()).first())
    if beneficiary is None:
        raise ValidationError({"beneficiary_id_number": [_("被共济人未参加基本医疗保险。")]})
    if not person_name_matches(beneficiary.person, beneficiary_name):
        raise ValidationError({"beneficiary_name": [_("被共济人姓名与身份证号码不一致。")]})
    if beneficiary.pk == pooler.pk:
        raise ValidationError({"beneficiary_id_number": [_("不能与本人建立共济关系。")]})
    if not beneficiary.is_active:
        raise ValidationError({"beneficiary_id_number": [_("被共济人当前不在参保缴费状态（%(status)s）。")
                                                         % {"status": beneficiary.get_status_display()}]})
    if Relation.objects.filter(pooler=pooler, beneficiary=beneficiary, status=Relation.Status.ACTIVE).exists():
        raise ValidationError({"beneficiary_id_number": [_("您与该亲属已有生效的共济关系，请直接调整额度。")]})
    if quota > account.available:
        raise ValidationError({"quota": [_("共济额度不能超过个人账户可用余额（%(available)s 元）。")
                                         % {"available": yuan_str(account.available)}]})
    if not pooler.wallet_opened:
        pooler.wallet_opened = True
        pooler.save(update_fields=["wallet_opened"])
        audit(actor=actor, action=AuditAction.WALLET_OPEN, obj=pooler, region_code=pooler.region_id,
              before={"wallet_opened": False}, after={"wallet_opened": True}, note="first pooling")
    relation = Relation.objects.create(pooler=pooler, beneficiary=beneficiary, kinship=kinship, quota=quota,
                                       created_by=actor)
    _ledger(account, kind=LedgerEntry.Kind.RESERVE, reserved_delta=quota, relation=relation,
            note=_("建立共济关系，占用额度"))
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
    if not relation.is_active:
        raise ValidationError({"detail": _("共济关系已解除，不能调整额度。")})
    if quota <= 0:
        raise ValidationError({"quota": [_("共济额度必须大于零；如需停止共济请解除关系。")]})
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
    if not relation.is_active:
        raise ValidationError({"detail": _("共济关系已解除。")})
    return _dissolve_locked(relation, account=account, actor=actor, reason=reason or _("本人申请解除"))


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


@transaction.atomic
def spend_create(*, actor, relation_id: int, beneficiary_id_number: str, category: str, amount: int,
                 occurred_at: dt.datetime, institution: Institution | None = None) -> Spend:
    """A designated institution records a spend for itself (`institution` left out or its own); an
    insurance officer may record one for an institution of their region."""
    require(actor, roles={Role.INSTITUTION, Role.INSURANCE_OFFICER}, message=_("只有定点医药机构可以登记共济支付。"))
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
    if category not in Spend.Category.values:
        raise ValidationError({"category": [_("支付类别无效。")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("金额必须大于零。")]})
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at, BEIJING)
    if occurred_at > timezone.now() + FUTURE_SKEW:
        raise ValidationError({"occurred_at": [_("发生时间不能晚于当前时间。")]})
    try:
        relation, account = _lock_relation_with_account(relation_id, "beneficiary__person")
    except Relation.DoesNotExist:
        raise ValidationError({"relation": [_("共济关系不存在。")]}) from None
    beneficiary = relation.beneficiary
    if beneficiary.person.id_number != (beneficiary_id_number or "").strip().upper():
        raise ValidationError({"beneficiary_id_number": [_("就医（购药）人与共济关系的被共济人不一致。")]})
    if not relation.is_active:
        raise ValidationError({"relation": [_("共济关系已解除，不能使用共济额度。")]})
    if amount > relation.quota - relation.used:
        raise ValidationError({"amount": [_("金额超过剩余共济额度（%(remaining)s 元）。")
                                          % {"remaining": yuan_str(relation.quota - relation.used)}]})
    payer_region, payee_region = pooling_regions_of(relation.pooler.region_id, institution.region_id)
    spend = Spend.objects.create(
        relation=relation, institution=institution, beneficiary=beneficiary, category=category, amount=amount,
        occurred_at=occurred_at, payer_region=payer_region, payee_region=payee_region, created_by=actor,
    )
    before = _relation_snapshot(relation)
    relation.used += amount
    relation.save(update_fields=["used"])
    _ledger(account, kind=LedgerEntry.Kind.POOLED_SPEND, amount=-amount, reserved_delta=-amount,
            relation=relation, spend=spend, note=institution.name)
    audit(actor=actor, action=AuditAction.SPEND_CREATE, obj=spend, region_code=spend.payer_region,
          before=before, after={**_relation_snapshot(relation), "amount": amount, "institution": institution.code})
    enqueue("medical_pooling.check_spend_fraud", spend.pk)  # a broker outage never fails a payment
    return spend


@transaction.atomic
def spend_refund(*, actor, spend: Spend, reason: str = "") -> LedgerEntry:
    """Reverse a spend in full: a new ledger row (never an edit). The quota comes back while the
    relation is active; after dissolution the money simply returns to the balance."""
    message = _("只有记录该笔支付的定点机构可以退款。")
    require(actor, roles={Role.INSTITUTION}, message=message)
    if not actor.is_portal_admin and actor.institution_code != spend.institution.code:
        raise PermissionDenied(message)
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
    audit(actor=actor, action=AuditAction.SPEND_REFUND, obj=spend, region_code=spend.payer_region,
          before=before, after={**_relation_snapshot(relation), "refunded": spend.amount})
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


def _cross_region_spends(start, end):
    return (Spend.objects.filter(occurred_at__gte=start, occurred_at__lt=end)
            .exclude(payer_region=F("payee_region")))


TMP = "mp_settlement_pairs"


@transaction.atomic
def settlement_run(*, month: str, actor=None) -> SettlementRun:
    """The clearing task's step (no gate of its own: `settlement_enqueue` is the gate; the monthly beat
    run has no actor). Clear a closed month: one statement per (payer, payee) pair of different pooling regions.

    Set-based: one `GROUP BY` over the month's spends into a temporary table (PostgreSQL runs it with
    parallel workers, which a plain `INSERT … SELECT` cannot use), then the month's statements are
    brought to exactly that result — delete pairs that vanished, update pairs that changed, insert new
    pairs — so a second run gives the same statements and rewrites nothing that is already right.
    Finally reconciled: the statements' totals must equal the month's cross-region spends. Those are
    counted in the same pass that groups them (spends up to the highest id when the run starts), plus
    any spend of the month recorded since (ids above it, found through the primary key), which makes
    the run a mismatch to be run again instead of silently leaving it out. One read of the month's
    spends, not two."""
    start, end = settlement_check_month(month)
    run, _created = SettlementRun.objects.get_or_create(month=month)
    run = SettlementRun.objects.select_for_update().get(pk=run.pk)
    last_id = Spend.objects.aggregate(m=Max("id"))["m"] or 0  # the primary key's last entry: no scan
    grouped = (_cross_region_spends(start, end).filter(pk__lte=last_id).order_by()
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
    late = _cross_region_spends(start, end).filter(pk__gt=last_id).aggregate(n=Count("id"), s=Sum("amount"))
    totals = SettlementLine.objects.filter(month=month).aggregate(n=Sum("count"), s=Sum("amount"))
    run.spend_count = int(grouped_n) + (late["n"] or 0)
    run.spend_amount = int(grouped_s) + (late["s"] or 0)
    run.line_count, run.line_amount = totals["n"] or 0, totals["s"] or 0
    run.status = SettlementRun.Status.DONE if run.reconciled else SettlementRun.Status.MISMATCH
    run.run_at = timezone.now()
    run.run_by = actor if getattr(actor, "pk", None) else None
    run.save()
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
