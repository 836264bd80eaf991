"""临时救助: 小额快救 (granted and paid at once, reviewed afterwards), approval above the threshold,
急难发生地 aid for non-residents (reported to their home region), payment through the assistance channel."""

import datetime as dt
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.channels import get_channel
from assistance.models import Household
from portal.models import Person
from portal.money import yuan_str
from portal.permissions import require
from portal.scoping import region_in_scope
from portal.services import audit

from .. import selectors
from ..audit_actions import AuditAction
from ..models import AidPayment, HomeRegionNotice, Notice, TemporaryAid
from ._shared import APPROVERS, CASEWORKERS, current_household, known_region, person_for
from .notices import queue_notice


def _pay(aid: TemporaryAid, actor) -> TemporaryAid:
    """Pay one cash aid through the assistance payment channel. AidPayment is unique per aid: a retry
    (or a concurrent second call) can never pay twice."""
    if aid.form == TemporaryAid.Form.IN_KIND:
        aid.status = TemporaryAid.Status.PAID
        aid.save(update_fields=["status"])
        _tell_paid(aid)
        return aid
    if AidPayment.objects.filter(aid=aid).exists():
        return aid
    household = aid.household
    # the channel needs no full ID number or account (a deferred bank channel is not used here): the masked
    # forms are enough
    row = {"id": aid.pk, "name": aid.person.name, "id_number_masked": aid.person.id_number_masked, "amount": aid.amount,
           "attempts": 0, "household__bank_account": household.masked_bank_account if household else ""}
    channel = get_channel(getattr(settings, "CASEWORK_PAYMENT_CHANNEL", "simulated"))
    (_pid, outcome, reference, message), = channel.submit(batch=SimpleNamespace(pk=f"TA{aid.pk}"), rows=[row])
    AidPayment.objects.create(aid=aid, channel=channel.name, amount=aid.amount, outcome=outcome,
                              reference=reference, message=message[:255])
    before = aid.status
    aid.status = TemporaryAid.Status.FAILED if outcome == "failed" else TemporaryAid.Status.PAID
    aid.save(update_fields=["status"])
    audit(actor=actor, action=AuditAction.AID_PAY, obj=aid, region_code=aid.region_id,
          before={"status": before}, after={"status": aid.status, "amount": aid.amount, "reference": reference})
    if aid.status == TemporaryAid.Status.PAID:
        _tell_paid(aid)
    return aid


def _tell_paid(aid: TemporaryAid) -> None:
    if aid.form == TemporaryAid.Form.IN_KIND:
        text = _("【民政】%(name)s，您的临时救助（实物：%(goods)s）已发放。") % {"name": aid.person.name,
                                                                      "goods": aid.goods or _("救助物资")}
    else:
        text = _("【民政】%(name)s，您的临时救助 %(amount)s 元已发放至您的账户，请注意查收。") % {
            "name": aid.person.name, "amount": yuan_str(aid.amount)}
    queue_notice(person=aid.person, region=aid.region_id, kind=Notice.Kind.AID_PAID, household=aid.household,
                 aid=aid, text=text)


def aid_record(*, person: Person, region: str, kind: str, form: str, amount: int, reason: str, actor,
               goods: str = "", granted_on: dt.date | None = None, created_by=None, approved: bool = False,
               household: Household | None = None, purpose: str = TemporaryAid.Purpose.GENERAL,
               disaster_household=None) -> TemporaryAid:
    """The aid itself, without the permission gate: for a service that has already decided who may act
    (temporary_aid_create; application_confirm, with `approved=True`). Checks the yearly cap, grants
    (and pays) at once when small or approved, else leaves it pending. Call inside a transaction."""
    if kind not in TemporaryAid.Kind.values:
        raise ValidationError({"kind": [_("救助类型无效。")]})
    if form not in TemporaryAid.Form.values:
        raise ValidationError({"form": [_("救助形式无效。")]})
    if amount <= 0:
        raise ValidationError({"amount": [_("救助金额必须大于零。")]})
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写救助事由。")]})
    granted_on = granted_on or timezone.localdate()
    policy = selectors.region_policy(region)
    Person.objects.select_for_update().filter(pk=person.pk).first()  # serialise the yearly cap per person
    used = selectors.aid_year_total(person.pk, granted_on.year)
    home = selectors.home_region_of(person)
    if used + amount > policy.yearly_cap:
        if home and not region_in_scope(actor, home):  # aid given here to someone from elsewhere: no totals
            raise ValidationError({"amount": [
                _("超出临时救助年度上限，本次不能给予；请联系该人员户籍地民政部门核实。")]})
        raise ValidationError({"amount": [
            _("超出临时救助年度上限：%(year)s 年已救助 %(used)s 元，本次 %(amount)s 元，上限 %(cap)s 元。") % {
                "year": granted_on.year, "used": yuan_str(used), "amount": yuan_str(amount),
                "cap": yuan_str(policy.yearly_cap)}]})
    household = household or current_household(person)
    non_resident = bool(home) and not selectors.region_within(home, region) and not selectors.region_within(region, home)
    small = amount <= policy.small_aid_threshold and not approved
    if approved:
        status = TemporaryAid.Status.GRANTED
    elif small:
        status = TemporaryAid.Status.GRANTED  # 小额快救: granted now, reviewed afterwards
    else:
        status = TemporaryAid.Status.PENDING
    aid = TemporaryAid.objects.create(
        person=person, household=household, region_id=region, home_region_id=home, non_resident=non_resident,
        kind=kind, form=form, amount=amount, goods=goods.strip(), reason=reason.strip(), status=status,
        fast_track=small, needs_review=small, granted_on=granted_on, created_by=created_by or actor,
        approved_by=actor if approved else None, approved_at=timezone.now() if approved else None,
        purpose=purpose, disaster_household=disaster_household,
    )
    audit(actor=actor, action=AuditAction.AID_CREATE, obj=aid, region_code=region,
          after={"kind": kind, "form": form, "amount": amount, "status": status, "fast_track": small,
                 "non_resident": non_resident, "purpose": purpose})
    if non_resident:
        HomeRegionNotice.objects.create(aid=aid, region_id=home, from_region_id=region, person=person, amount=amount)
    if status == TemporaryAid.Status.GRANTED:
        _pay(aid, actor)
    return aid


@transaction.atomic
def temporary_aid_create(*, id_number: str, name: str, region: str, kind: str, amount: int, reason: str,
                         form: str = TemporaryAid.Form.CASH, goods: str = "", actor) -> TemporaryAid:
    """临时救助. At or below the region's small-aid threshold the caseworker grants and pays at once
    (小额快救, reviewed afterwards); above it the aid waits for an approver. Aid for a person whose home
    region lies elsewhere is given here directly (急难发生地直接实施) and reported to their home region."""
    require(actor, roles=CASEWORKERS)
    require(actor, region=known_region(region))
    person = person_for(id_number=id_number, name=name)
    return aid_record(person=person, region=region, kind=kind, form=form, amount=amount, reason=reason,
                      goods=goods, actor=actor)


@transaction.atomic
def temporary_aid_approve(*, aid: TemporaryAid, actor) -> TemporaryAid:
    """Normal approval above the threshold: an approver other than the maker; then paid at once."""
    require(actor, roles=APPROVERS, region=aid.region_id)
    aid = TemporaryAid.objects.select_for_update(of=("self",)).select_related("person", "household").get(pk=aid.pk)
    require(actor, not_user=aid.created_by_id, message=_("经办人不能审批自己经办的临时救助。"))
    if aid.status != TemporaryAid.Status.PENDING:
        raise ValidationError(_("只有待审批的临时救助可以审批。"))
    policy = selectors.region_policy(aid.region_id)
    used = selectors.aid_year_total(aid.person_id, aid.granted_on.year, exclude_id=aid.pk)
    if used + aid.amount > policy.yearly_cap:
        raise ValidationError({"amount": [_("超出临时救助年度上限。")]})
    aid.status = TemporaryAid.Status.GRANTED
    aid.approved_by = actor
    aid.approved_at = timezone.now()
    aid.save(update_fields=["status", "approved_by", "approved_at"])
    audit(actor=actor, action=AuditAction.AID_APPROVE, obj=aid, region_code=aid.region_id,
          before={"status": TemporaryAid.Status.PENDING}, after={"status": aid.status})
    return _pay(aid, actor)


@transaction.atomic
def temporary_aid_reject(*, aid: TemporaryAid, actor, reason: str) -> TemporaryAid:
    require(actor, roles=APPROVERS, region=aid.region_id)
    aid = TemporaryAid.objects.select_for_update().get(pk=aid.pk)
    if aid.status != TemporaryAid.Status.PENDING:
        raise ValidationError(_("只有待审批的临时救助可以不予批准。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写不予批准的理由。")]})
    aid.status = TemporaryAid.Status.REJECTED
    aid.rejection_reason = reason.strip()[:255]
    aid.approved_by = actor
    aid.approved_at = timezone.now()
    aid.save(update_fields=["status", "rejection_reason", "approved_by", "approved_at"])
    audit(actor=actor, action=AuditAction.AID_REJECT, obj=aid, region_code=aid.region_id,
          before={"status": TemporaryAid.Status.PENDING}, after={"status": aid.status, "reason": aid.rejection_reason})
    return aid


@transaction.atomic
def temporary_aid_post_review(*, aid: TemporaryAid, actor, outcome: str, note: str = "") -> TemporaryAid:
    """事后复核 of a 小额快救 by an approver (not its maker)."""
    require(actor, roles=APPROVERS, region=aid.region_id)
    aid = TemporaryAid.objects.select_for_update().get(pk=aid.pk)
    require(actor, not_user=aid.created_by_id, message=_("经办人不能复核自己经办的临时救助。"))
    if not aid.needs_review:
        raise ValidationError(_("该临时救助无需事后复核或已复核。"))
    if outcome not in TemporaryAid.ReviewOutcome.values:
        raise ValidationError({"outcome": [_("复核结论无效。")]})
    if outcome == TemporaryAid.ReviewOutcome.IRREGULAR and not note.strip():
        raise ValidationError({"note": [_("复核发现问题时请填写说明。")]})
    aid.needs_review = False
    aid.review_outcome = outcome
    aid.review_note = note.strip()[:255]
    aid.reviewed_by = actor
    aid.reviewed_at = timezone.now()
    aid.save(update_fields=["needs_review", "review_outcome", "review_note", "reviewed_by", "reviewed_at"])
    audit(actor=actor, action=AuditAction.AID_POST_REVIEW, obj=aid, region_code=aid.region_id,
          after={"review_outcome": outcome, "note": aid.review_note})
    return aid
