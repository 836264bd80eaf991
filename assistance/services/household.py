"""The household side of monthly assistance: income and assets, the means test (家庭经济状况核对), the
household enrolment (members enrolled together, amount from the means test), suspension (暂停),
resumption, stop (停发), the gradual exit (渐退) and re-computation when a standard changes.

Money: each member's Enrolment row carries that member's share of the household's monthly amount, so
the payroll and the existing schemes (增发一个月, 提前发放) read person rows only. A gap in the rows
(suspended, stopped) is simply not paid; history is kept (a change ends a row and starts a new one).
"""

import calendar
import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.models import code_range
from portal.permissions import Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import (
    Asset,
    Category,
    Enrolment,
    Household,
    HouseholdEnrolment,
    IncomeItem,
    MeansTest,
    Member,
    StandardKind,
)
from .standards import rule_in_force, standard_in_force

LIVE = [HouseholdEnrolment.Status.ACTIVE, HouseholdEnrolment.Status.EXITING]


def month_end(day: dt.date, months_ahead: int = 0) -> dt.date:
    """The last day of the month `months_ahead` months after `day`'s month."""
    y, m = divmod(day.year * 12 + day.month - 1 + months_ahead, 12)
    return dt.date(y, m + 1, calendar.monthrange(y, m + 1)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(y, m + 1, min(day.day, calendar.monthrange(y, m + 1)[1]))


# --------------------------------------------------------------------------- income and assets


@transaction.atomic
def income_item_add(*, household: Household, kind: str, monthly_amount: int, actor, member: Member | None = None,
                    note: str = "") -> IncomeItem:
    require(actor, roles={Role.CASEWORKER}, region=household.region_id)
    if kind not in IncomeItem.Kind.values:
        raise ValidationError({"kind": [_("收入类型无效。")]})
    if monthly_amount is None or monthly_amount < 0:
        raise ValidationError({"monthly_amount": [_("金额不能为负数。")]})
    if member is not None and member.household_id != household.pk:
        raise ValidationError({"member": [_("该成员不属于此家庭。")]})
    item = IncomeItem.objects.create(household=household, member=member, kind=kind, monthly_amount=monthly_amount,
                                     note=(note or "")[:255])
    audit(actor=actor, action=AuditAction.INCOME_ITEM_ADD, obj=item, region_code=household.region_id,
          after={"household": household.pk, "kind": kind, "monthly_amount": monthly_amount})
    return item


@transaction.atomic
def asset_add(*, household: Household, kind: str, actor, quantity: int = 1, value: int = 0, note: str = "") -> Asset:
    require(actor, roles={Role.CASEWORKER}, region=household.region_id)
    if kind not in Asset.Kind.values:
        raise ValidationError({"kind": [_("财产类型无效。")]})
    if value is None or value < 0 or quantity is None or quantity < 0:
        raise ValidationError({"value": [_("金额和数量不能为负数。")]})
    asset = Asset.objects.create(household=household, kind=kind, quantity=quantity, value=value,
                                 note=(note or "")[:255])
    audit(actor=actor, action=AuditAction.ASSET_ADD, obj=asset, region_code=household.region_id,
          after={"household": household.pk, "kind": kind, "quantity": quantity, "value": value})
    return asset


# --------------------------------------------------------------------------- the means test


def _per_member(*, household: Household, category: str, members: list[Member], per_capita: int, on: dt.date,
                rule) -> tuple[dict[int, int], dict]:
    """Each member's monthly amount (fen) and the standards used.

    低保 (补差): max(standard − per-capita income, the rule's minimum per person) for everyone, plus the
    severe-disability addition for each member who has one. 特困: the basic living standard plus the care
    standard of the member's self-care ability (no 补差: 特困 support is the standard itself)."""
    used: dict = {}
    out: dict[int, int] = {}
    if category == Category.TEKUN:
        basic = standard_in_force(region=household.region_id, area=household.area, kind=StandardKind.TEKUN_BASIC,
                                  on=on)
        if basic is None:
            raise ValidationError(_("该区域未设定特困人员基本生活标准。"))
        used["tekun_basic"] = {"amount": basic.amount, "sources": basic.sources}
        for m in members:
            amount = basic.amount
            if m.care_level:
                care = standard_in_force(region=household.region_id, area=household.area,
                                         kind=StandardKind.TEKUN_CARE, care_level=m.care_level, on=on)
                if care is not None:
                    amount += care.amount
                    used[f"tekun_care_{m.care_level}"] = {"amount": care.amount, "sources": care.sources}
            out[m.person_id] = amount
        return out, used
    std = standard_in_force(region=household.region_id, area=household.area, kind=StandardKind.DIBAO, on=on)
    if std is None:
        raise ValidationError(_("该区域未设定低保标准。"))
    used["dibao"] = {"amount": std.amount, "sources": std.sources}
    gap = max(std.amount - per_capita, rule.minimum_per_person)
    for m in members:
        out[m.person_id] = gap + (rule.severe_disability_addition if m.severe_disability else 0)
    return out, used


def _compute(*, household: Household, category: str, on: dt.date) -> dict:
    """The means test's arithmetic, with no writes: the fields of a MeansTest and its inputs."""
    members = list(Member.objects.filter(household=household, left_on__isnull=True).select_related("person")
                   .order_by("id"))
    if not members:
        raise ValidationError(_("该家庭没有在册成员。"))
    rule = rule_in_force(region=household.region_id, on=on)
    if rule is None:
        raise ValidationError(_("该区域未设定家庭经济状况核对规则。"))
    items = list(IncomeItem.objects.filter(household=household).order_by("id"))
    assets = list(Asset.objects.filter(household=household).order_by("id"))
    n = len(members)
    counted_kinds = set(rule.counted_income)
    counted = sum(i.monthly_amount for i in items if i.kind in counted_kinds)
    per_capita = counted // n  # whole fen, rounded down (a fen in the household's favour)
    dibao = standard_in_force(region=household.region_id, area=household.area, kind=StandardKind.DIBAO, on=on)
    if dibao is None:
        raise ValidationError(_("该区域未设定低保标准。"))
    reasons = []
    if per_capita >= dibao.amount:
        reasons.append(_("家庭人均月收入不低于当地低保标准。"))
    deposits = sum(a.value for a in assets if a.kind == Asset.Kind.DEPOSIT)
    if deposits > rule.deposit_limit_per_person * n:
        reasons.append(_("家庭存款超过规定限额。"))
    if sum(a.quantity for a in assets if a.kind == Asset.Kind.HOUSING) > rule.housing_limit:
        reasons.append(_("家庭住房超过规定套数。"))
    if sum(a.quantity for a in assets if a.kind == Asset.Kind.VEHICLE) > rule.vehicle_limit:
        reasons.append(_("家庭拥有规定以外的机动车辆。"))
    eligible = not reasons
    per_member, used = _per_member(household=household, category=category, members=members,
                                   per_capita=per_capita, on=on, rule=rule) if eligible else ({}, {})
    inputs = {
        "category": category,
        "members": [{"person": m.person_id, "name": m.person.name, "relation": m.relation,
                     "severe_disability": m.severe_disability, "work_able": m.work_able,
                     "care_level": m.care_level} for m in members],
        "income": [{"kind": i.kind, "member": i.member_id, "monthly_amount": i.monthly_amount,
                    "counted": i.kind in counted_kinds, "note": i.note} for i in items],
        "assets": [{"kind": a.kind, "quantity": a.quantity, "value": a.value, "note": a.note} for a in assets],
        "rule": {"id": rule.pk, "region": rule.region_id, "effective_from": rule.effective_from.isoformat(),
                 "counted_income": sorted(counted_kinds), "deposit_limit_per_person": rule.deposit_limit_per_person,
                 "housing_limit": rule.housing_limit, "vehicle_limit": rule.vehicle_limit,
                 "minimum_per_person": rule.minimum_per_person,
                 "severe_disability_addition": rule.severe_disability_addition, "exit_months": rule.exit_months},
        "standard": {"amount": dibao.amount, "sources": dibao.sources, **used},
        "deposits": deposits,
        "per_member": {str(k): v for k, v in per_member.items()},
    }
    return {"members": n, "counted_income": counted, "per_capita_income": per_capita, "standard": dibao.amount,
            "eligible": eligible, "reasons": reasons, "amount": sum(per_member.values()), "inputs": inputs,
            "rule": rule}


@transaction.atomic
def means_test_run(*, household: Household, actor, on: dt.date | None = None,
                   category: str = Category.DIBAO) -> MeansTest:
    """家庭经济状况核对: per-capita monthly income from the counted income items, eligibility (income
    below the standard, assets within the limits) and the monthly amount = (standard − per-capita income)
    × members (补差, at least the minimum per person, plus additions), stored with every input used.

    An enrolled household whose per-capita income is now at or above the standard enters the gradual
    exit (渐退): its enrolment continues for the rule's `exit_months` months after this month, then stops
    (0: at the end of this month)."""
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=household.region_id)
    if category not in (Category.DIBAO, Category.TEKUN):
        raise ValidationError({"category": [_("家庭经济状况核对只用于低保和特困。")]})
    on = on or timezone.localdate()
    household = Household.objects.select_for_update().get(pk=household.pk)
    result = _compute(household=household, category=category, on=on)
    rule = result.pop("rule")
    test = MeansTest.objects.create(household=household, region_id=household.region_id, on=on, created_by=actor,
                                    **result)
    audit(actor=actor, action=AuditAction.MEANS_TEST_RUN, obj=test, region_code=household.region_id,
          after={"eligible": test.eligible, "amount": test.amount, "per_capita_income": test.per_capita_income,
                 "standard": test.standard})
    if test.per_capita_income >= test.standard:
        live = HouseholdEnrolment.objects.select_for_update().filter(
            household=household, category=category, status=HouseholdEnrolment.Status.ACTIVE).first()
        if live is not None:
            _start_exit(live, until=month_end(on, rule.exit_months), test=test, actor=actor)
    return test


def _start_exit(he: HouseholdEnrolment, *, until: dt.date, test: MeansTest, actor) -> None:
    _end_rows(he, last_day=until, status=None)
    he.status, he.end = HouseholdEnrolment.Status.EXITING, until
    he.note = _("渐退：收入已超过标准，发放至 %(d)s") % {"d": until.isoformat()}
    he.save(update_fields=["status", "end", "note"])
    audit(actor=actor, action=AuditAction.ENROLMENT_EXIT, obj=he, region_code=he.region_id,
          before={"status": HouseholdEnrolment.Status.ACTIVE},
          after={"status": he.status, "end": until, "means_test": test.pk})


# --------------------------------------------------------------------------- the household enrolment


def _review_due(household: Household, start: dt.date, members: list[Member]) -> dt.date | None:
    rule = rule_in_force(region=household.region_id, on=start)
    if rule is None:
        return None
    months = rule.review_months_work_able if any(m.work_able for m in members) else rule.review_months
    return add_months(start, months)


@transaction.atomic
def household_enrol(*, household: Household, actor, start: dt.date, category: str = Category.DIBAO,
                    means_test: MeansTest | None = None) -> HouseholdEnrolment:
    """Enrol a household as a household from its latest eligible means test of `category`: every current
    member gets an Enrolment row with their share (the means test's per-member amounts); an open person
    enrolment of the same category that began earlier ends the day before."""
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=household.region_id)
    household = Household.objects.select_for_update().get(pk=household.pk)
    if means_test is None:
        means_test = MeansTest.objects.filter(household=household, inputs__category=category).order_by("-id").first()
    if means_test is None or means_test.household_id != household.pk:
        raise ValidationError(_("请先进行家庭经济状况核对。"))
    if not means_test.eligible:
        raise ValidationError(_("最近一次家庭经济状况核对结果为不符合条件，不能认定。"))
    if HouseholdEnrolment.objects.filter(household=household, category=category).exclude(
            status=HouseholdEnrolment.Status.STOPPED).exists():
        raise ValidationError(_("该家庭已有同类认定，请先停发或调整。"))
    members = list(Member.objects.filter(household=household, left_on__isnull=True).order_by("id"))
    shares = {int(k): v for k, v in means_test.inputs.get("per_member", {}).items()}
    if {m.person_id for m in members} != set(shares):
        raise ValidationError(_("家庭成员已变化，请重新进行家庭经济状况核对。"))
    he = HouseholdEnrolment.objects.create(
        household=household, region_id=household.region_id, category=category, monthly_amount=means_test.amount,
        means_test=means_test, start=start, review_due=_review_due(household, start, members), created_by=actor)
    for m in members:
        overlapping = list(Enrolment.objects.select_for_update().filter(person_id=m.person_id, category=category)
                           .exclude(status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gte=start)))
        if any(o.start >= start for o in overlapping):
            raise ValidationError({"start": [_("与成员已有的认定记录重叠。")]})
        for o in overlapping:
            o.end, o.status = start - dt.timedelta(days=1), Enrolment.Status.ENDED
            o.save(update_fields=["end", "status"])
        Enrolment.objects.create(person_id=m.person_id, household=household, region_id=household.region_id,
                                 category=category, monthly_amount=shares[m.person_id], start=start,
                                 created_by=actor, household_enrolment=he)
    audit(actor=actor, action=AuditAction.HOUSEHOLD_ENROL, obj=he, region_code=household.region_id,
          after={"category": category, "monthly_amount": he.monthly_amount, "means_test": means_test.pk,
                 "start": start, "members": len(members), "review_due": he.review_due})
    return he


def _end_rows(he: HouseholdEnrolment, *, last_day: dt.date, status: str | None = Enrolment.Status.ENDED) -> None:
    """End the household's open person rows on `last_day` (rows starting after it are revoked)."""
    rows = Enrolment.objects.select_for_update().filter(household_enrolment=he).exclude(
        status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gt=last_day))
    for row in rows:
        if row.start > last_day:
            row.status = Enrolment.Status.REVOKED
        else:
            row.end = last_day
            if status:
                row.status = status
        row.save(update_fields=["end", "status"])


def _change(he, *, to: str, allowed: list[str], action, actor, reason: str, after: dict | None = None):
    if he.status not in allowed:
        raise ValidationError(_("当前状态（%(s)s）不能执行此操作。") % {"s": he.get_status_display()})
    before = he.status
    he.status = to
    he.note = (reason or "")[:255]
    he.save(update_fields=["status", "note", "end"])
    audit(actor=actor, action=action, obj=he, region_code=he.region_id, before={"status": before},
          after={"status": to, **(after or {})}, note=reason)
    return he


@transaction.atomic
def enrolment_suspend(*, household_enrolment: HouseholdEnrolment, actor, on: dt.date | None = None,
                      reason: str = "") -> HouseholdEnrolment:
    """暂停: nothing is paid from `on` (default: the first day of next month) until resumed."""
    he = HouseholdEnrolment.objects.select_for_update().get(pk=household_enrolment.pk)
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=he.region_id)
    on = on or month_end(timezone.localdate()) + dt.timedelta(days=1)
    if he.status in LIVE:
        _end_rows(he, last_day=on - dt.timedelta(days=1))
    return _change(he, to=HouseholdEnrolment.Status.SUSPENDED, allowed=LIVE, action=AuditAction.ENROLMENT_SUSPEND,
                   actor=actor, reason=reason, after={"from": on})


@transaction.atomic
def enrolment_resume(*, household_enrolment: HouseholdEnrolment, actor, on: dt.date | None = None,
                     reason: str = "") -> HouseholdEnrolment:
    """恢复: new person rows from `on` (default today) with the amounts of the last rows; the suspended
    months stay unpaid (no back-pay for a gap)."""
    he = HouseholdEnrolment.objects.select_for_update().get(pk=household_enrolment.pk)
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=he.region_id)
    on = on or timezone.localdate()
    if he.status == HouseholdEnrolment.Status.SUSPENDED:
        last = {}
        for row in Enrolment.objects.filter(household_enrolment=he).exclude(status=Enrolment.Status.REVOKED) \
                .order_by("start", "id"):
            last[row.person_id] = row
        if any(r.end and r.end >= on for r in last.values()):
            raise ValidationError({"on": [_("恢复日期须晚于暂停日期。")]})
        current = set(Member.objects.filter(household_id=he.household_id, left_on__isnull=True)
                      .values_list("person_id", flat=True))
        for person_id, row in last.items():
            if person_id in current:
                Enrolment.objects.create(person_id=person_id, household_id=he.household_id, region_id=he.region_id,
                                         category=he.category, monthly_amount=row.monthly_amount, start=on,
                                         created_by=actor, household_enrolment=he)
    return _change(he, to=HouseholdEnrolment.Status.ACTIVE, allowed=[HouseholdEnrolment.Status.SUSPENDED],
                   action=AuditAction.ENROLMENT_RESUME, actor=actor, reason=reason, after={"from": on})


@transaction.atomic
def enrolment_stop(*, household_enrolment: HouseholdEnrolment, actor, on: dt.date | None = None,
                   reason: str = "") -> HouseholdEnrolment:
    """停发: nothing is paid from `on` (default: the first day of next month); the enrolment is closed."""
    he = HouseholdEnrolment.objects.select_for_update().get(pk=household_enrolment.pk)
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=he.region_id)
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写停发原因。")]})
    on = on or month_end(timezone.localdate()) + dt.timedelta(days=1)
    if he.status == HouseholdEnrolment.Status.STOPPED:
        raise ValidationError(_("该认定已停发。"))
    _end_rows(he, last_day=on - dt.timedelta(days=1))
    he.end = on - dt.timedelta(days=1)
    return _change(he, to=HouseholdEnrolment.Status.STOPPED, allowed=[*LIVE, HouseholdEnrolment.Status.SUSPENDED],
                   action=AuditAction.ENROLMENT_STOP, actor=actor, reason=reason, after={"end": he.end})


def household_amounts_recompute(*, region: str, effective_from: dt.date, actor) -> int:
    """A step of `standard_set` (inside its transaction, behind its gate): the live household enrolments
    of 低保 in `region` and below get their amounts from the standard in force on `effective_from` and the
    per-capita income of their means test. Rows starting on/after the date change in place; rows before it
    end the day before and a new row starts on it. Returns how many households changed."""
    lo, hi = code_range(region)
    changed = 0
    live = HouseholdEnrolment.objects.select_for_update().filter(
        region_id__gte=lo, region_id__lte=hi, status__in=LIVE, category=Category.DIBAO,
        means_test__isnull=False).select_related("household", "means_test")
    for he in live:
        rule = rule_in_force(region=he.region_id, on=effective_from)
        rows = list(Enrolment.objects.select_for_update().filter(household_enrolment=he)
                    .exclude(status=Enrolment.Status.REVOKED)
                    .filter(Q(end__isnull=True) | Q(end__gte=effective_from)).select_related())
        if rule is None or not rows:
            continue
        members = list(Member.objects.filter(person_id__in=[r.person_id for r in rows], household=he.household)
                       .order_by("id"))
        try:
            shares, _used = _per_member(household=he.household, category=he.category, members=members,
                                        per_capita=he.means_test.per_capita_income, on=effective_from, rule=rule)
        except ValidationError:
            continue
        if all(shares.get(r.person_id) == r.monthly_amount for r in rows):
            continue
        _apply_shares(rows, shares, effective_from=effective_from, actor=actor, he=he)
        before = he.monthly_amount
        he.monthly_amount = sum(shares.values())
        he.save(update_fields=["monthly_amount"])
        audit(actor=actor, action=AuditAction.ENROLMENT_RECOMPUTE, obj=he, region_code=he.region_id,
              before={"monthly_amount": before}, after={"monthly_amount": he.monthly_amount, "from": effective_from})
        changed += 1
    return changed


def _apply_shares(rows, shares: dict[int, int], *, effective_from: dt.date, actor, he) -> None:
    """New per-member amounts from `effective_from`: rows starting on/after it change in place, earlier
    rows end the day before and a new row starts on it (history kept, back-pay follows)."""
    for row in rows:
        new = shares.get(row.person_id, row.monthly_amount)
        if new == row.monthly_amount:
            continue
        if row.start >= effective_from:
            row.monthly_amount = new
            row.save(update_fields=["monthly_amount"])
        else:
            old_end = row.end
            row.end = effective_from - dt.timedelta(days=1)
            row.save(update_fields=["end"])
            Enrolment.objects.create(person_id=row.person_id, household_id=row.household_id,
                                     region_id=row.region_id, category=row.category, monthly_amount=new,
                                     start=effective_from, end=old_end, created_by=actor, household_enrolment=he)


# --------------------------------------------------------------------------- periodic review


class ReviewOutcome:
    CONFIRM = "confirm"
    AMOUNT = "amount"
    EXIT = "exit"
    CHOICES = [(CONFIRM, _("维持原认定")), (AMOUNT, _("重新核对并调整金额")), (EXIT, _("启动退出（渐退）"))]


@transaction.atomic
def review_complete(*, household_enrolment: HouseholdEnrolment, outcome: str, actor, on: dt.date | None = None,
                    note: str = "") -> HouseholdEnrolment:
    """定期复核 of a household enrolment: `confirm` keeps it; `amount` runs a fresh means test and applies
    its amount from the first day of next month (an ineligible result starts the gradual exit, as any
    means test does); `exit` starts the gradual exit now. The next review is due one cycle later (the
    region's rule: shorter for households with a work-able member)."""
    he = HouseholdEnrolment.objects.select_for_update().select_related("household").get(pk=household_enrolment.pk)
    require(actor, roles={Role.CASEWORKER, Role.APPROVER}, region=he.region_id)
    if outcome not in dict(ReviewOutcome.CHOICES):
        raise ValidationError({"outcome": [_("复核结论无效。")]})
    if he.status not in LIVE and he.status != HouseholdEnrolment.Status.SUSPENDED:
        raise ValidationError(_("该认定已停发，无需复核。"))
    on = on or timezone.localdate()
    before = {"status": he.status, "monthly_amount": he.monthly_amount, "review_due": he.review_due}
    test = None
    if outcome == ReviewOutcome.AMOUNT:
        test = means_test_run(household=he.household, actor=actor, on=on, category=he.category)
        he.refresh_from_db()
        if test.eligible and he.status == HouseholdEnrolment.Status.ACTIVE:
            start = month_end(on) + dt.timedelta(days=1)
            rows = list(Enrolment.objects.select_for_update().filter(household_enrolment=he)
                        .exclude(status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gte=start)))
            shares = {int(k): v for k, v in test.inputs.get("per_member", {}).items()}
            _apply_shares(rows, shares, effective_from=start, actor=actor, he=he)
            he.monthly_amount, he.means_test = test.amount, test
    elif outcome == ReviewOutcome.EXIT and he.status == HouseholdEnrolment.Status.ACTIVE:
        rule = rule_in_force(region=he.region_id, on=on)
        until = month_end(on, rule.exit_months if rule else 0)
        _end_rows(he, last_day=until, status=None)
        he.status, he.end = HouseholdEnrolment.Status.EXITING, until
        he.note = _("复核：启动渐退，发放至 %(d)s") % {"d": until.isoformat()}
    members = list(Member.objects.filter(household_id=he.household_id, left_on__isnull=True))
    he.review_due = _review_due(he.household, on, members)
    he.save(update_fields=["monthly_amount", "means_test", "status", "end", "note", "review_due"])
    audit(actor=actor, action=AuditAction.REVIEW_COMPLETE, obj=he, region_code=he.region_id, before=before,
          after={"outcome": outcome, "status": he.status, "monthly_amount": he.monthly_amount,
                 "review_due": he.review_due, "means_test": test.pk if test else None}, note=note)
    return he
