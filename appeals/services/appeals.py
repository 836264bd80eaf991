"""Appeals (申诉 / 复核): filed by the person (a citizen signed in, linked to their Person) or by staff on
their behalf, within the filing time limit; reviewed by someone who did not make the decision; decided
with an outcome that puts right what it must, through the owning app's services:

    rejection  upheld → casework.application_reopen (the application is reviewed again)
    stop       upheld → assistance.enrolment_reinstate from the day the stop took effect (back-pay follows
               in the next payroll); partly upheld → reinstated from a later date
    amount     upheld → assistance.enrolment_amount_correct to the amount asked for; partly upheld → to
               the amount the reviewer awards (back-pay of the difference follows)
    spend      upheld → medical_pooling.spend_refund_on_review (the spend reversed in full)

Every decision queues a notice to the person (casework's notices). One transaction each: a remedy that
is refused leaves the appeal as it was.
"""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.models import Enrolment, HouseholdEnrolment, Member
from casework import services as casework_services
from casework.models import Application, Notice
from casework.services.notices import queue_notice
from medical_pooling import services as pooling_services
from medical_pooling.models import LedgerEntry, Spend
from portal.models import AuditEvent
from portal.money import yuan_str
from portal.permissions import require
from portal.roles import CIVIL_STAFF, Role
from portal.services import audit

from .. import rules
from ..audit_actions import AuditAction
from ..models import Appeal

K, S = Appeal.Kind, Appeal.Status
LIVE = (HouseholdEnrolment.Status.ACTIVE, HouseholdEnrolment.Status.EXITING)


def _staff_roles(kind: str) -> set:
    return {Role.INSURANCE_OFFICER} if kind == K.SPEND else set(CIVIL_STAFF)


def _reviewer_roles(kind: str) -> set:
    return {Role.INSURANCE_OFFICER} if kind == K.SPEND else {Role.APPROVER}


def _gate(actor, *, kind: str, region: str, person_ids: set) -> None:
    """Staff of the decision's region (the kind's side), or the person the decision concerns."""
    require(actor, roles=_staff_roles(kind) | {Role.INSURED})
    if actor.role == Role.INSURED and not actor.is_portal_admin:
        if actor.person_id is None or actor.person_id not in person_ids:
            raise PermissionDenied(_("只能对与本人有关的决定提出申诉。"))
    else:
        require(actor, region=region)


def _latest_event(obj, actions=None) -> AuditEvent | None:
    qs = AuditEvent.objects.filter(object_type=obj._meta.label, object_id=str(obj.pk))
    if actions:
        qs = qs.filter(action__in=[str(a) for a in actions])
    return qs.order_by("-at", "-id").first()


def _decision(kind: str, subject) -> dict:
    """What the appeal is about: region, decision date and maker, the people it concerns, its amount."""
    local = timezone.localdate
    if kind == K.REJECTION:
        if not isinstance(subject, Application):
            raise ValidationError({"application": [_("请选择不予认定的申请。")]})
        if subject.status != Application.Status.REJECTED:
            raise ValidationError({"application": [_("只有不予认定的申请可以申诉。")]})
        return {"region": subject.region_id, "date": local(subject.decided_at), "by": subject.decided_by_id,
                "persons": {subject.person_id}, "person": subject.person_id, "amount": subject.requested_amount,
                "effective": None, "fields": {"application": subject}}
    if kind in (K.STOP, K.AMOUNT):
        if not isinstance(subject, HouseholdEnrolment):
            raise ValidationError({"household_enrolment": [_("请选择家庭救助认定。")]})
        members = set(Member.objects.filter(household_id=subject.household_id, left_on__isnull=True)
                      .values_list("person_id", flat=True))
        head = subject.household.head_id or (min(members) if members else None)
        if kind == K.STOP:
            if subject.status not in (HouseholdEnrolment.Status.STOPPED, HouseholdEnrolment.Status.SUSPENDED):
                raise ValidationError({"household_enrolment": [_("该认定未停发或暂停，无需申诉。")]})
            event = _latest_event(subject, ["assistance.enrolment_stop",
                                            "assistance.enrolment_suspend"])
            ends = [e for e in Enrolment.objects.filter(household_enrolment=subject)
                    .exclude(status=Enrolment.Status.REVOKED).values_list("end", flat=True) if e]
            effective = max(ends) + dt.timedelta(days=1) if ends else subject.start
        else:
            if subject.status not in LIVE:
                raise ValidationError({"household_enrolment": [_("只有正常发放的认定可以申请金额复核。")]})
            # who set the amount: the enrolment itself, a recomputation or a correction, never a later
            # unrelated edit (or a system event without an actor), which would let its maker review it
            event = _latest_event(subject, ["assistance.household_enrol", "assistance.enrolment_recompute",
                                            "assistance.enrolment_amount_correct"])
            effective = None
        return {"region": subject.region_id,
                "date": local(event.at) if event else local(subject.created_at),
                "by": event.actor_id if event else subject.created_by_id,
                "persons": members, "person": head, "amount": subject.monthly_amount, "effective": effective,
                "fields": {"household_enrolment": subject}}
    if kind == K.SPEND:
        if not isinstance(subject, Spend):
            raise ValidationError({"spend": [_("请选择共济支付记录。")]})
        if subject.refund_of_id is not None or LedgerEntry.objects.filter(
                spend=subject, kind=LedgerEntry.Kind.REFUND).exists():
            raise ValidationError({"spend": [_("该笔支付已退款，无需申诉。")]})
        rel = subject.relation
        return {"region": subject.payer_region, "date": local(subject.occurred_at), "by": subject.created_by_id,
                "persons": {subject.beneficiary.person_id, rel.pooler.person_id},
                "person": subject.beneficiary.person_id, "amount": subject.amount, "effective": None,
                "fields": {"spend": subject}}
    raise ValidationError({"kind": [_("申诉类型无效。")]})


@transaction.atomic
def appeal_file(*, actor, kind: str, subject, grounds: str, requested_amount: int | None = None,
                filed_on: dt.date | None = None) -> Appeal:
    """受理申诉. `subject` is the Application (rejection), HouseholdEnrolment (stop, amount) or Spend (spend).
    Refused after the filing time limit (rules.filing_days from the decision), twice for one decision while
    an appeal is open, without grounds, or (amount) without the amount asked for."""
    if kind not in K.values:
        raise ValidationError({"kind": [_("申诉类型无效。")]})
    d = _decision(kind, subject)
    _gate(actor, kind=kind, region=d["region"], person_ids=d["persons"])
    today = timezone.localdate()
    filed_on = filed_on or today
    staff = actor.role != Role.INSURED
    if filed_on != today and not staff:
        raise ValidationError({"filed_on": [_("申诉日期为提交当日。")]})
    if filed_on > today:
        raise ValidationError({"filed_on": [_("申诉日期不能晚于今天。")]})
    if filed_on < d["date"]:
        raise ValidationError({"filed_on": [_("申诉日期不能早于原决定日期。")]})
    deadline = d["date"] + dt.timedelta(days=rules.filing_days())
    if filed_on > deadline:
        raise ValidationError({"filed_on": [_("已超过申诉期限：应自原决定之日（%(d)s）起%(n)d日内提出。") % {
            "d": d["date"].isoformat(), "n": rules.filing_days()}]})
    if not (grounds or "").strip():
        raise ValidationError({"grounds": [_("请填写申诉理由。")]})
    if kind == K.AMOUNT:
        if requested_amount is None or requested_amount <= 0:
            raise ValidationError({"requested_amount": [_("请填写请求核定的月救助金额。")]})
        if requested_amount == d["amount"]:
            raise ValidationError({"requested_amount": [_("请求金额与原核定金额相同。")]})
    elif requested_amount is not None and requested_amount < 0:
        raise ValidationError({"requested_amount": [_("金额不能为负数。")]})
    person_id = actor.person_id if not staff else d["person"]
    if person_id is None:
        raise ValidationError(_("找不到申诉人。"))
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                kind=kind, person_id=person_id, region_id=d["region"], decision_date=d["date"],
                decision_effective=d["effective"], decision_amount=d["amount"], decided_by_id=d["by"],
                filed_on=filed_on, filing_deadline=deadline, filed_by=actor, on_behalf=staff,
                grounds=grounds.strip(), requested_amount=requested_amount if kind == K.AMOUNT else None,
                review_due=filed_on + dt.timedelta(days=rules.review_days()), **d["fields"])
    except IntegrityError:
        raise ValidationError(_("该决定已有正在办理的申诉。")) from None
    audit(actor=actor, action=AuditAction.APPEAL_FILE, obj=appeal, region_code=appeal.region_id,
          after={"kind": kind, "filed_on": filed_on, "deadline": deadline, "review_due": appeal.review_due,
                 "requested_amount": appeal.requested_amount})
    return appeal


def _locked(appeal: Appeal) -> Appeal:
    return Appeal.objects.select_for_update().get(pk=appeal.pk)


@transaction.atomic
def appeal_review_start(*, appeal: Appeal, actor) -> Appeal:
    """A reviewer takes the appeal: an approver (for a spend: a medical insurance officer) of the region who
    did not make the decision contested."""
    require(actor, roles=_reviewer_roles(appeal.kind), region=appeal.region_id)
    a = _locked(appeal)
    require(actor, not_user=a.decided_by_id, message=_("原决定作出人不能复核本人作出的决定。"))
    if a.status != S.FILED:
        raise ValidationError(_("当前状态（%(s)s）不能开始复核。") % {"s": a.get_status_display()})
    a.status, a.reviewer, a.review_started_at = S.UNDER_REVIEW, actor, timezone.now()
    a.save(update_fields=["status", "reviewer", "review_started_at"])
    audit(actor=actor, action=AuditAction.APPEAL_REVIEW_START, obj=a, region_code=a.region_id,
          before={"status": S.FILED}, after={"status": a.status, "reviewer": actor.pk})
    return a


def _remedy(a: Appeal, *, outcome: str, actor, reason: str, awarded_amount, effective_from) -> dict:
    today = timezone.localdate()
    if outcome == S.DISMISSED:
        return {}
    if a.kind == K.REJECTION:
        if outcome == S.PARTLY_UPHELD:
            raise ValidationError({"outcome": [_("不予认定申诉只能作出成立或驳回的决定。")]})
        app = casework_services.application_reopen(application=a.application, actor=actor, reason=reason)
        return {"application_reopened": app.pk, "due_on": app.due_on.isoformat()}
    if a.kind == K.SPEND:
        if outcome == S.PARTLY_UPHELD:
            raise ValidationError({"outcome": [_("共济支付争议只能作出成立（全额退款）或驳回的决定。")]})
        entry = pooling_services.spend_refund_on_review(actor=actor, spend=a.spend, reason=reason)
        return {"refunded": yuan_str(a.spend.amount), "ledger_entry": entry.pk}
    he = a.household_enrolment
    if a.kind == K.STOP:
        on = a.decision_effective
        if outcome == S.PARTLY_UPHELD:
            if effective_from is None:
                raise ValidationError({"effective_from": [_("部分成立须填写恢复发放日期。")]})
            if effective_from <= on or effective_from > today:
                raise ValidationError({"effective_from": [_("恢复日期须晚于原停发日期且不晚于今天。")]})
            on = effective_from
        assistance_services.enrolment_reinstate(household_enrolment=he, actor=actor, on=on, reason=reason)
        return {"reinstated_from": on.isoformat(), "back_pay": "monthly payroll"}
    # amount
    amount = a.requested_amount
    if outcome == S.PARTLY_UPHELD:
        if awarded_amount is None or awarded_amount <= 0:
            raise ValidationError({"awarded_amount": [_("部分成立须填写核定的月救助金额。")]})
        if awarded_amount in (a.requested_amount, a.decision_amount):
            raise ValidationError({"awarded_amount": [_("部分成立的核定金额须不同于原金额和请求金额。")]})
        amount = awarded_amount
    on = effective_from or a.decision_date
    if on > today:
        raise ValidationError({"effective_from": [_("生效日期不能晚于今天。")]})
    assistance_services.enrolment_amount_correct(household_enrolment=he, monthly_amount=amount,
                                                 effective_from=on, actor=actor, reason=reason)
    return {"monthly_amount": yuan_str(amount), "from": on.isoformat(), "back_pay": "monthly payroll"}


def _notice_text(a: Appeal) -> str:
    head = _("【医保】") if a.kind == K.SPEND else _("【民政】")
    return head + _("%(name)s，您于%(filed)s提出的%(kind)s经复核：%(outcome)s。%(reason)s") % {
        "name": a.person.name, "filed": a.filed_on.isoformat(), "kind": a.get_kind_display(),
        "outcome": a.get_status_display(), "reason": a.outcome_reason}


@transaction.atomic
def appeal_decide(*, appeal: Appeal, actor, outcome: str, reason: str, awarded_amount: int | None = None,
                  effective_from: dt.date | None = None) -> Appeal:
    """The reviewer's decision: upheld, partly upheld or dismissed, with the reason the person is told; the
    remedy through the owning app's service; a notice to the person."""
    require(actor, roles=_reviewer_roles(appeal.kind), region=appeal.region_id)
    a = _locked(appeal)
    require(actor, not_user=a.decided_by_id, message=_("原决定作出人不能复核本人作出的决定。"))
    if a.status != S.UNDER_REVIEW:
        raise ValidationError(_("当前状态（%(s)s）不能作出复核决定。") % {"s": a.get_status_display()})
    if a.reviewer_id != actor.pk and not actor.is_portal_admin:
        raise PermissionDenied(_("只有承办复核人可以作出决定。"))
    if outcome not in Appeal.OUTCOMES:
        raise ValidationError({"outcome": [_("请选择复核结论。")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写复核意见，该意见将告知申诉人。")]})
    reason = reason.strip()[:255]
    remedy = _remedy(a, outcome=outcome, actor=actor, reason=reason, awarded_amount=awarded_amount,
                     effective_from=effective_from)
    a.status, a.outcome_reason, a.decided_at, a.remedy = outcome, reason, timezone.now(), remedy
    a.awarded_amount = awarded_amount if outcome == S.PARTLY_UPHELD else (
        a.requested_amount if outcome == S.UPHELD else None)
    a.effective_from = effective_from
    a.notice = queue_notice(person=a.person, region=a.region_id, kind=Notice.Kind.APPEAL_DECIDED,
                            text=_notice_text(a))
    a.save(update_fields=["status", "outcome_reason", "decided_at", "remedy", "awarded_amount", "effective_from",
                          "notice"])
    audit(actor=actor, action=AuditAction.APPEAL_DECIDE, obj=a, region_code=a.region_id,
          before={"status": S.UNDER_REVIEW}, after={"status": outcome, "remedy": remedy}, note=reason)
    return a


@transaction.atomic
def appeal_withdraw(*, appeal: Appeal, actor, reason: str = "") -> Appeal:
    """撤回: by the person, or by staff of the region on their written request, while it is open."""
    _gate(actor, kind=appeal.kind, region=appeal.region_id, person_ids={appeal.person_id})
    a = _locked(appeal)
    if a.status not in Appeal.OPEN:
        raise ValidationError(_("申诉已办结，不能撤回。"))
    before = a.status
    a.status, a.outcome_reason, a.decided_at = S.WITHDRAWN, (reason or _("申诉人撤回"))[:255], timezone.now()
    a.save(update_fields=["status", "outcome_reason", "decided_at"])
    audit(actor=actor, action=AuditAction.APPEAL_WITHDRAW, obj=a, region_code=a.region_id,
          before={"status": before}, after={"status": a.status}, note=a.outcome_reason)
    return a
