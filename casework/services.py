"""Every write of casework. One transaction each, audited; keyword-only arguments incl. the actor.

Service names:
    policy_set, fast_track_create,
    application_intake, application_document_add, application_review, application_confirm, application_reject,
    temporary_aid_create, temporary_aid_approve, temporary_aid_reject, temporary_aid_post_review,
    shelter_create, inventory_create, patrol_create, encounter_create, unidentified_link, cold_wave_alert_create,
    visit_create, discovery_scan, discovery_resolve
"""

import datetime as dt
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.channels import get_channel
from assistance.models import Enrolment, Household, Member
from portal import idnumber
from portal.models import Person, Region, Role
from portal.money import yuan_str
from portal.scoping import region_in_scope
from portal.services import audit, person_get_or_create, person_name_matches

from . import selectors
from .models import (
    AidPayment,
    Application,
    ApplicationCategory,
    ApplicationDocument,
    ColdWaveAlert,
    DiscoveryTask,
    Encounter,
    FastTrackPeriod,
    HomeRegionNotice,
    Inventory,
    Patrol,
    RegionPolicy,
    Shelter,
    TemporaryAid,
    UnidentifiedPerson,
    Visit,
)

MAX_UPLOAD = 5 * 1024 * 1024
# extension -> (content type, magic bytes at the start of the file)
ALLOWED_UPLOADS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


def _require_role(actor, *roles) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


def _require_region(actor, code: str) -> None:
    if not region_in_scope(actor, code):
        raise PermissionDenied(_("该区域不在您的管辖范围内。"))


def _region(code: str, field: str = "region") -> str:
    if not code or not Region.objects.filter(code=code).exists():
        raise ValidationError({field: [_("未知的行政区划代码。")]})
    return code


def _person(*, id_number: str, name: str, field: str = "id_number") -> Person:
    try:
        number = idnumber.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({field: list(exc.messages)}) from None
    existing = Person.objects.filter(id_number=number).first()
    if existing is not None and existing.name and name and not person_name_matches(existing, name):
        raise ValidationError({"name": [_("姓名与身份证号码登记的姓名不一致。")]})
    return existing or person_get_or_create(id_number=number, name=name)


def _current_household(person) -> Household | None:
    m = Member.objects.select_related("household").filter(person=person, left_on__isnull=True).first()
    return m.household if m else None


# --------------------------------------------------------------------------- policy


@transaction.atomic
def policy_set(*, region: str, actor, normal_days: int = 30, fast_track_days: int = 10,
               small_aid_threshold: int = 100000, yearly_cap: int = 1000000, patrols_per_day: int = 1) -> RegionPolicy:
    _require_role(actor, Role.APPROVER)
    _require_region(actor, _region(region))
    if fast_track_days > normal_days:
        raise ValidationError({"fast_track_days": [_("快速通道时限不能长于正常时限。")]})
    values = {"normal_days": normal_days, "fast_track_days": fast_track_days,
              "small_aid_threshold": small_aid_threshold, "yearly_cap": yearly_cap, "patrols_per_day": patrols_per_day}
    policy, _created = RegionPolicy.objects.update_or_create(region_id=region, defaults=values)
    audit(actor=actor, action="casework.policy_set", obj=policy, region_code=region, after=values)
    return policy


@transaction.atomic
def fast_track_create(*, region: str, name: str, starts_on: dt.date, ends_on: dt.date, actor) -> FastTrackPeriod:
    """A holiday fast-track period. Open applications of the region received in the period get the
    shorter due date at once (set-based, one UPDATE per received day)."""
    _require_role(actor, Role.APPROVER)
    _require_region(actor, _region(region))
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    period = FastTrackPeriod.objects.create(region_id=region, name=name.strip() or _("快速通道"),
                                            starts_on=starts_on, ends_on=ends_on, created_by=actor)
    lo, hi = Region(code=region).code_range
    open_apps = Application.objects.filter(region_id__gte=lo, region_id__lte=hi, status__in=Application.OPEN,
                                           received_on__gte=starts_on, received_on__lte=ends_on, fast_track=False)
    for region_code, received in open_apps.values_list("region_id", "received_on").distinct():
        due, fast = selectors.application_due_date(region_code, received)
        open_apps.filter(region_id=region_code, received_on=received).update(due_on=due, fast_track=fast)
    audit(actor=actor, action="casework.fast_track_create", obj=period, region_code=region,
          after={"starts_on": starts_on, "ends_on": ends_on})
    return period


# --------------------------------------------------------------------------- applications


@transaction.atomic
def application_intake(*, id_number: str, name: str, region: str, category: str, requested_amount: int = 0,
                       reason: str = "", household: Household | None = None, received_on: dt.date | None = None,
                       actor) -> Application:
    """A caseworker receives an application on the applicant's behalf."""
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, _region(region))
    if category not in ApplicationCategory.values:
        raise ValidationError({"category": [_("申请类别无效。")]})
    if requested_amount < 0:
        raise ValidationError({"requested_amount": [_("金额不能为负数。")]})
    person = _person(id_number=id_number, name=name)
    if household is not None and not region_in_scope(actor, household.region_id):
        raise ValidationError({"household": [_("该家庭不在您的管辖范围内。")]})
    if household is None:
        household = _current_household(person)
    if Application.objects.filter(person=person, category=category, status__in=Application.OPEN).exists():
        raise ValidationError({"id_number": [_("该申请人已有同类申请正在办理中。")]})
    received_on = received_on or timezone.localdate()
    due_on, fast = selectors.application_due_date(region, received_on)
    app = Application.objects.create(
        person=person, household=household, region_id=region, category=category, requested_amount=requested_amount,
        reason=reason.strip(), received_on=received_on, due_on=due_on, fast_track=fast, received_by=actor,
    )
    audit(actor=actor, action="casework.application_intake", obj=app, region_code=region,
          after={"category": category, "requested_amount": requested_amount, "due_on": due_on, "fast_track": fast})
    return app


def _check_upload(upload) -> tuple[str, str]:
    import os

    ext = os.path.splitext(upload.name or "")[1].lower()
    if ext not in ALLOWED_UPLOADS:
        raise ValidationError({"file": [_("只能上传 PDF、JPG 或 PNG 格式的文件。")]})
    if upload.size > MAX_UPLOAD:
        raise ValidationError({"file": [_("文件不能超过 5 MB。")]})
    if upload.size == 0:
        raise ValidationError({"file": [_("文件为空。")]})
    content_type, magics = ALLOWED_UPLOADS[ext]
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if not any(head.startswith(m) for m in magics):
        raise ValidationError({"file": [_("文件内容与扩展名不符，只能上传 PDF、JPG 或 PNG 文件。")]})
    return ext, content_type


@transaction.atomic
def application_document_add(*, application: Application, upload, kind: str = "other", actor) -> ApplicationDocument:
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, application.region_id)
    if kind not in ApplicationDocument.Kind.values:
        raise ValidationError({"kind": [_("材料类型无效。")]})
    if not application.is_open:
        raise ValidationError(_("申请已办结，不能再补充材料。"))
    _ext, content_type = _check_upload(upload)
    original = (upload.name or "")[:200]
    doc = ApplicationDocument(application=application, kind=kind, original_name=original,
                              content_type=content_type, size=upload.size, uploaded_by=actor)
    doc.file.save(original, upload, save=False)  # upload_to gives it a random name
    doc.save()
    audit(actor=actor, action="casework.document_add", obj=doc, region_code=application.region_id,
          after={"application": application.pk, "kind": kind, "size": doc.size})
    return doc


def _locked_app(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_review(*, application: Application, actor, note: str = "") -> Application:
    """审核: a caseworker or approver other than the one who received it."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    app = _locked_app(application)
    _require_region(actor, app.region_id)
    if app.received_by_id == actor.pk:
        raise PermissionDenied(_("受理人不能审核自己受理的申请。"))
    if app.status != Application.Status.SUBMITTED:
        raise ValidationError(_("只有待审核的申请可以审核。"))
    app.status = Application.Status.REVIEWED
    app.reviewed_by = actor
    app.reviewed_at = timezone.now()
    app.review_note = note.strip()[:255]
    app.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit(actor=actor, action="casework.application_review", obj=app, region_code=app.region_id,
          before={"status": Application.Status.SUBMITTED}, after={"status": app.status})
    return app


@transaction.atomic
def application_confirm(*, application: Application, actor, approved_amount: int | None = None,
                        start: dt.date | None = None, aid_kind: str = TemporaryAid.Kind.SUPPLEMENT) -> Application:
    """确认 by an approver who neither received nor reviewed it. 低保/特困: creates the Enrolment through
    assistance.services.enrolment_create; 临时救助: grants and pays the TemporaryAid."""
    _require_role(actor, Role.APPROVER)
    app = _locked_app(application)
    _require_region(actor, app.region_id)
    if actor.pk in (app.received_by_id, app.reviewed_by_id):
        raise PermissionDenied(_("审核人和受理人不能确认同一申请，须由另一名审批人员确认。"))
    if app.status != Application.Status.REVIEWED:
        raise ValidationError(_("申请须先经审核，才能确认。"))
    amount = app.requested_amount if approved_amount is None else approved_amount
    if amount < 0:
        raise ValidationError({"approved_amount": [_("金额不能为负数。")]})
    start = start or timezone.localdate()
    if app.category == ApplicationCategory.TEMPORARY:
        if amount <= 0:
            raise ValidationError({"approved_amount": [_("请填写核定的临时救助金额。")]})
        aid = _aid_create(person=app.person, region=app.region_id, kind=aid_kind, form=TemporaryAid.Form.CASH,
                          amount=amount, reason=app.reason or _("救助申请确认"), actor=actor,
                          created_by=app.received_by, approved=True)
        app.temporary_aid = aid
    else:
        # the approver who confirms is the one who acts (the gate above has checked them)
        enrolment = assistance_services.enrolment_record(
            id_number=app.person.id_number, category=app.category, monthly_amount=amount, start=start,
            actor=actor,
        )
        app.enrolment = enrolment
        if app.household_id is None:
            app.household_id = enrolment.household_id
    app.status = Application.Status.CONFIRMED
    app.decided_by = actor
    app.decided_at = timezone.now()
    app.approved_amount = amount
    app.save()
    audit(actor=actor, action="casework.application_confirm", obj=app, region_code=app.region_id,
          before={"status": Application.Status.REVIEWED},
          after={"status": app.status, "approved_amount": amount, "enrolment": app.enrolment_id,
                 "temporary_aid": app.temporary_aid_id})
    return app


@transaction.atomic
def application_reject(*, application: Application, actor, reason: str) -> Application:
    """不予认定, with the reason the applicant is told. Not by the one who received it."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    app = _locked_app(application)
    _require_region(actor, app.region_id)
    if app.received_by_id == actor.pk:
        raise PermissionDenied(_("受理人不能对自己受理的申请作出决定。"))
    if not app.is_open:
        raise ValidationError(_("申请已办结。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写不予认定的理由，该理由将告知申请人。")]})
    before = app.status
    app.status = Application.Status.REJECTED
    app.rejection_reason = reason.strip()[:255]
    app.decided_by = actor
    app.decided_at = timezone.now()
    app.save(update_fields=["status", "rejection_reason", "decided_by", "decided_at"])
    audit(actor=actor, action="casework.application_reject", obj=app, region_code=app.region_id,
          before={"status": before}, after={"status": app.status, "reason": app.rejection_reason})
    return app


# --------------------------------------------------------------------------- temporary aid


def _pay(aid: TemporaryAid, actor) -> TemporaryAid:
    """Pay one cash aid through the assistance payment channel. AidPayment is unique per aid: a retry
    (or a concurrent second call) can never pay twice."""
    if aid.form == TemporaryAid.Form.IN_KIND:
        aid.status = TemporaryAid.Status.PAID
        aid.save(update_fields=["status"])
        return aid
    if AidPayment.objects.filter(aid=aid).exists():
        return aid
    household = aid.household
    row = {"id": aid.pk, "name": aid.person.name, "id_number": aid.person.id_number, "amount": aid.amount,
           "attempts": 0, "household__bank_account": household.bank_account if household else ""}
    channel = get_channel(getattr(settings, "CASEWORK_PAYMENT_CHANNEL", "simulated"))
    (_pid, outcome, reference, message), = channel.submit(batch=SimpleNamespace(pk=f"TA{aid.pk}"), rows=[row])
    AidPayment.objects.create(aid=aid, channel=channel.name, amount=aid.amount, outcome=outcome,
                              reference=reference, message=message[:255])
    before = aid.status
    aid.status = TemporaryAid.Status.FAILED if outcome == "failed" else TemporaryAid.Status.PAID
    aid.save(update_fields=["status"])
    audit(actor=actor, action="casework.aid_pay", obj=aid, region_code=aid.region_id,
          before={"status": before}, after={"status": aid.status, "amount": aid.amount, "reference": reference})
    return aid


def _aid_create(*, person: Person, region: str, kind: str, form: str, amount: int, reason: str, actor,
                goods: str = "", granted_on: dt.date | None = None, created_by=None, approved: bool = False,
                household: Household | None = None) -> TemporaryAid:
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
    if used + amount > policy.yearly_cap:
        raise ValidationError({"amount": [
            _("超出临时救助年度上限：%(year)s 年已救助 %(used)s 元，本次 %(amount)s 元，上限 %(cap)s 元。") % {
                "year": granted_on.year, "used": yuan_str(used), "amount": yuan_str(amount),
                "cap": yuan_str(policy.yearly_cap)}]})
    household = household or _current_household(person)
    home = selectors.home_region_of(person)
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
    )
    audit(actor=actor, action="casework.aid_create", obj=aid, region_code=region,
          after={"kind": kind, "form": form, "amount": amount, "status": status, "fast_track": small,
                 "non_resident": non_resident})
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
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, _region(region))
    person = _person(id_number=id_number, name=name)
    return _aid_create(person=person, region=region, kind=kind, form=form, amount=amount, reason=reason,
                       goods=goods, actor=actor)


@transaction.atomic
def temporary_aid_approve(*, aid: TemporaryAid, actor) -> TemporaryAid:
    """Normal approval above the threshold: an approver other than the maker; then paid at once."""
    _require_role(actor, Role.APPROVER)
    aid = TemporaryAid.objects.select_for_update(of=("self",)).select_related("person", "household").get(pk=aid.pk)
    _require_region(actor, aid.region_id)
    if aid.created_by_id == actor.pk:
        raise PermissionDenied(_("经办人不能审批自己经办的临时救助。"))
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
    audit(actor=actor, action="casework.aid_approve", obj=aid, region_code=aid.region_id,
          before={"status": TemporaryAid.Status.PENDING}, after={"status": aid.status})
    return _pay(aid, actor)


@transaction.atomic
def temporary_aid_reject(*, aid: TemporaryAid, actor, reason: str) -> TemporaryAid:
    _require_role(actor, Role.APPROVER)
    aid = TemporaryAid.objects.select_for_update().get(pk=aid.pk)
    _require_region(actor, aid.region_id)
    if aid.status != TemporaryAid.Status.PENDING:
        raise ValidationError(_("只有待审批的临时救助可以不予批准。"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("请填写不予批准的理由。")]})
    aid.status = TemporaryAid.Status.REJECTED
    aid.rejection_reason = reason.strip()[:255]
    aid.approved_by = actor
    aid.approved_at = timezone.now()
    aid.save(update_fields=["status", "rejection_reason", "approved_by", "approved_at"])
    audit(actor=actor, action="casework.aid_reject", obj=aid, region_code=aid.region_id,
          before={"status": TemporaryAid.Status.PENDING}, after={"status": aid.status, "reason": aid.rejection_reason})
    return aid


@transaction.atomic
def temporary_aid_post_review(*, aid: TemporaryAid, actor, outcome: str, note: str = "") -> TemporaryAid:
    """事后复核 of a 小额快救 by an approver (not its maker)."""
    _require_role(actor, Role.APPROVER)
    aid = TemporaryAid.objects.select_for_update().get(pk=aid.pk)
    _require_region(actor, aid.region_id)
    if aid.created_by_id == actor.pk:
        raise PermissionDenied(_("经办人不能复核自己经办的临时救助。"))
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
    audit(actor=actor, action="casework.aid_post_review", obj=aid, region_code=aid.region_id,
          after={"review_outcome": outcome, "note": aid.review_note})
    return aid


# --------------------------------------------------------------------------- street relief


@transaction.atomic
def shelter_create(*, kind: str, name: str, region: str, address: str, capacity: int, actor, latitude=None,
                   longitude=None, phone: str = "", opened_on: dt.date | None = None) -> Shelter:
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, _region(region))
    if kind not in Shelter.Kind.values:
        raise ValidationError({"kind": [_("场所类型无效。")]})
    if capacity < 0:
        raise ValidationError({"capacity": [_("容量不能为负数。")]})
    if latitude is not None and not (-90 <= latitude <= 90):
        raise ValidationError({"latitude": [_("纬度应在 -90 到 90 之间。")]})
    if longitude is not None and not (-180 <= longitude <= 180):
        raise ValidationError({"longitude": [_("经度应在 -180 到 180 之间。")]})
    shelter = Shelter.objects.create(kind=kind, name=name.strip(), region_id=region, address=address.strip(),
                                     capacity=capacity, latitude=latitude, longitude=longitude, phone=phone,
                                     opened_on=opened_on or timezone.localdate())
    audit(actor=actor, action="casework.shelter_create", obj=shelter, region_code=region,
          after={"kind": kind, "capacity": capacity})
    return shelter


@transaction.atomic
def shelter_release(*, shelter: Shelter, actor, count: int = 1) -> Shelter:
    """People leave a shelter: occupancy goes down (never below zero)."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, shelter.region_id)
    if not Shelter.objects.filter(pk=shelter.pk, occupancy__gte=count).update(occupancy=F("occupancy") - count):
        raise ValidationError(_("在住人数不足。"))
    shelter.refresh_from_db()
    audit(actor=actor, action="casework.shelter_release", obj=shelter, region_code=shelter.region_id,
          after={"occupancy": shelter.occupancy})
    return shelter


@transaction.atomic
def inventory_create(*, name: str, region: str, actor, food: int = 0, clothing: int = 0, bedding: int = 0) -> Inventory:
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, _region(region))
    if min(food, clothing, bedding) < 0:
        raise ValidationError(_("库存数量不能为负数。"))
    inv = Inventory.objects.create(name=name.strip(), region_id=region, food=food, clothing=clothing, bedding=bedding)
    audit(actor=actor, action="casework.inventory_create", obj=inv, region_code=region,
          after={"food": food, "clothing": clothing, "bedding": bedding})
    return inv


@transaction.atomic
def patrol_create(*, region: str, area: str, started_at, actor, members: str = "", vehicle: str = "",
                  vehicles_sent: int = 0, ended_at=None, inventory: Inventory | None = None) -> Patrol:
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, _region(region))
    if not (area or "").strip():
        raise ValidationError({"area": [_("请填写巡查路段或片区。")]})
    if ended_at and ended_at < started_at:
        raise ValidationError({"ended_at": [_("结束时间不能早于开始时间。")]})
    if inventory is not None and not region_in_scope(actor, inventory.region_id):
        raise ValidationError({"inventory": [_("物资库存不在您的管辖范围内。")]})
    patrol = Patrol.objects.create(region_id=region, area=area.strip(), leader=actor, members=members.strip(),
                                   started_at=started_at, ended_at=ended_at, vehicle=vehicle.strip(),
                                   vehicles_sent=vehicles_sent, inventory=inventory)
    audit(actor=actor, action="casework.patrol_create", obj=patrol, region_code=region,
          after={"area": patrol.area, "vehicles_sent": vehicles_sent})
    return patrol


@transaction.atomic
def encounter_create(*, patrol: Patrol, actor, at, location: str, condition: str, outcome: str,
                     id_number: str = "", name: str = "", unidentified_description: str = "",
                     unidentified: UnidentifiedPerson | None = None, sex: str = "", approx_age: int | None = None,
                     food: int = 0, clothing: int = 0, bedding: int = 0, inventory: Inventory | None = None,
                     shelter: Shelter | None = None, help_contact: str = "", vulnerable: str = "",
                     escort_with: str = "", handed_to: str = "", handed_over_at=None, notes: str = "") -> Encounter:
    """One person met on patrol. Supplies come out of the inventory and a shelter place is taken in this
    same transaction; either refusing (stock below zero, shelter full) leaves nothing saved."""
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, patrol.region_id)
    if condition not in Encounter.Condition.values:
        raise ValidationError({"condition": [_("状况无效。")]})
    if outcome not in Encounter.Outcome.values:
        raise ValidationError({"outcome": [_("处置结果无效。")]})
    if vulnerable not in Encounter.Vulnerable.values:
        raise ValidationError({"vulnerable": [_("特殊群体类别无效。")]})
    if not (location or "").strip():
        raise ValidationError({"location": [_("请填写发现地点。")]})
    if min(food, clothing, bedding) < 0:
        raise ValidationError(_("发放数量不能为负数。"))
    person = None
    if id_number:
        person = _person(id_number=id_number, name=name)
    elif unidentified is not None:
        if not region_in_scope(actor, unidentified.region_id):
            raise ValidationError({"unidentified": [_("该身份不明人员不在您的管辖范围内。")]})
        if unidentified.person_id:
            person = unidentified.person
    elif (unidentified_description or "").strip():
        pass
    else:
        raise ValidationError({"id_number": [_("请填写身份证号码；身份不明时请填写体貌特征。")]})
    if outcome == Encounter.Outcome.SHELTER and shelter is None:
        raise ValidationError({"shelter": [_("请选择入住的救助场所。")]})
    if outcome == Encounter.Outcome.REFUSED and not help_contact.strip():
        raise ValidationError({"help_contact": [_("拒绝入站时请记录留下的求助方式（如救助热线）。")]})
    if outcome == Encounter.Outcome.ESCORTED:
        if not escort_with:
            raise ValidationError({"escort_with": [_("护送时请选择联合护送单位（公安/城管）。")]})
        if not handed_to.strip():
            raise ValidationError({"handed_to": [_("请填写交接单位或接收人。")]})
        if escort_with not in Encounter.EscortWith.values:
            raise ValidationError({"escort_with": [_("联合护送单位无效。")]})
    elif vulnerable in (Encounter.Vulnerable.MINOR, Encounter.Vulnerable.DISABLED) and outcome != Encounter.Outcome.SHELTER:
        raise ValidationError({"outcome": [_("未成年人和残疾人须护送至救助场所或由公安/城管联合护送。")]})
    items = food + clothing + bedding
    inventory = inventory or patrol.inventory
    if items:
        if inventory is None:
            raise ValidationError({"inventory": [_("请选择物资来源。")]})
        if not region_in_scope(actor, inventory.region_id):
            raise ValidationError({"inventory": [_("物资库存不在您的管辖范围内。")]})
        taken = Inventory.objects.filter(pk=inventory.pk, food__gte=food, clothing__gte=clothing,
                                         bedding__gte=bedding).update(
            food=F("food") - food, clothing=F("clothing") - clothing, bedding=F("bedding") - bedding)
        if not taken:
            inventory.refresh_from_db()
            raise ValidationError({"inventory": [
                _("库存不足：现有食品 %(f)d 份、衣物 %(c)d 件、被褥 %(b)d 套。") % {
                    "f": inventory.food, "c": inventory.clothing, "b": inventory.bedding}]})
    if outcome == Encounter.Outcome.SHELTER:
        if not region_in_scope(actor, shelter.region_id):
            raise ValidationError({"shelter": [_("该救助场所不在您的管辖范围内。")]})
        if not Shelter.objects.filter(pk=shelter.pk, active=True, occupancy__lt=F("capacity")).update(
                occupancy=F("occupancy") + 1):
            raise ValidationError({"shelter": [_("“%(name)s”已满员，请选择其他救助场所。") % {"name": shelter.name}]})
    if person is None and unidentified is None:
        unidentified = UnidentifiedPerson.objects.create(region_id=patrol.region_id,
                                                         description=unidentified_description.strip(),
                                                         sex=sex if sex in ("M", "F") else "", approx_age=approx_age)
    enc = Encounter.objects.create(
        patrol=patrol, region_id=patrol.region_id, person=person, unidentified=unidentified, at=at,
        location=location.strip(), condition=condition, notes=notes.strip(), food=food, clothing=clothing,
        bedding=bedding, inventory=inventory if items else None, outcome=outcome, shelter=shelter if outcome == Encounter.Outcome.SHELTER else None,
        help_contact=help_contact.strip(), vulnerable=vulnerable, escort_with=escort_with,
        handed_to=handed_to.strip(), handed_over_at=handed_over_at or (at if outcome == Encounter.Outcome.ESCORTED else None),
        created_by=actor,
    )
    audit(actor=actor, action="casework.encounter_create", obj=enc, region_code=patrol.region_id,
          after={"outcome": outcome, "food": food, "clothing": clothing, "bedding": bedding,
                 "shelter": enc.shelter_id, "unidentified": enc.unidentified_id})
    return enc


@transaction.atomic
def unidentified_link(*, unidentified: UnidentifiedPerson, id_number: str, name: str, actor) -> UnidentifiedPerson:
    """先行救助再查明情况: once identified, the placeholder is linked to the Person and every encounter of
    theirs is moved onto the Person's history (audited)."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    u = UnidentifiedPerson.objects.select_for_update().get(pk=unidentified.pk)
    _require_region(actor, u.region_id)
    if u.person_id:
        raise ValidationError(_("该人员已查明身份。"))
    person = _person(id_number=id_number, name=name)
    moved = Encounter.objects.filter(unidentified=u).update(person=person)
    u.person = person
    u.linked_at = timezone.now()
    u.linked_by = actor
    u.save(update_fields=["person", "linked_at", "linked_by"])
    audit(actor=actor, action="casework.unidentified_link", obj=u, region_code=u.region_id,
          after={"person": person.pk, "encounters": moved})
    return u


@transaction.atomic
def cold_wave_alert_create(*, region: str, level: str, starts_on: dt.date, ends_on: dt.date, actor,
                           patrols_per_day: int = 3) -> ColdWaveAlert:
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, _region(region))
    if level not in ColdWaveAlert.Level.values:
        raise ValidationError({"level": [_("预警级别无效。")]})
    if ends_on < starts_on:
        raise ValidationError({"ends_on": [_("结束日期不能早于开始日期。")]})
    if patrols_per_day < 1:
        raise ValidationError({"patrols_per_day": [_("每日巡查次数至少为 1。")]})
    alert = ColdWaveAlert.objects.create(region_id=region, level=level, starts_on=starts_on, ends_on=ends_on,
                                         patrols_per_day=patrols_per_day, created_by=actor)
    audit(actor=actor, action="casework.cold_wave_alert", obj=alert, region_code=region,
          after={"level": level, "starts_on": starts_on, "ends_on": ends_on, "patrols_per_day": patrols_per_day})
    return alert


# --------------------------------------------------------------------------- visits


@transaction.atomic
def visit_create(*, household: Household, visited_on: dt.date, kind: str, actor, notes: str = "", goods: str = "",
                 cash: int = 0) -> Visit:
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, household.region_id)
    if kind not in Visit.Kind.values:
        raise ValidationError({"kind": [_("走访类型无效。")]})
    if cash < 0:
        raise ValidationError({"cash": [_("金额不能为负数。")]})
    if visited_on > timezone.localdate():
        raise ValidationError({"visited_on": [_("走访日期不能晚于今天。")]})
    visit = Visit.objects.create(household=household, region_id=household.region_id, visited_on=visited_on,
                                 visitor=actor, kind=kind, notes=notes.strip(), goods=goods.strip(), cash=cash)
    audit(actor=actor, action="casework.visit_create", obj=visit, region_code=household.region_id,
          after={"kind": kind, "cash": cash})
    return visit


# --------------------------------------------------------------------------- proactive discovery


def medical_threshold() -> int:
    return int(getattr(settings, "CASEWORK_MEDICAL_THRESHOLD_FEN", 500000))


def _month_bounds(day: dt.date):
    tz = timezone.get_default_timezone()
    first = day.replace(day=1)
    nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return (f"{first:%Y-%m}", dt.datetime.combine(first, dt.time.min, tzinfo=tz),
            dt.datetime.combine(nxt, dt.time.min, tzinfo=tz))


def _insert(tasks: list[DiscoveryTask]) -> int:
    """INSERT … ON CONFLICT DO NOTHING on the (kind, person, period) key: running twice adds nothing."""
    before = DiscoveryTask.objects.count()
    for i in range(0, len(tasks), 2000):
        DiscoveryTask.objects.bulk_create(tasks[i:i + 2000], ignore_conflicts=True)
    return DiscoveryTask.objects.count() - before


def discovery_scan(*, today: dt.date | None = None) -> dict:
    """Raise 主动发现 tasks, set-based, never twice for one signal (kind + person + period):
    - enrolments ending within 30 days;
    - during a cold-wave alert, people aged 70+ living alone (a household of one) in the alert's area;
    - personal-burden medical spending (medical_pooling Spend, category "medical", for the person as
      beneficiary) in this or last month above CASEWORK_MEDICAL_THRESHOLD_FEN."""
    from medical_pooling.models import Spend  # read-only: medical_pooling.selectors has no per-month total

    today = today or timezone.localdate()
    now = timezone.now()
    counts = {}
    with transaction.atomic():
        lapsing = (Enrolment.objects.filter(status=Enrolment.Status.ACTIVE, end__gte=today,
                                            end__lte=today + dt.timedelta(days=30))
                   .values("id", "person_id", "household_id", "region_id", "end", "category"))
        counts["enrolment_lapse"] = _insert([
            DiscoveryTask(kind=DiscoveryTask.Kind.ENROLMENT_LAPSE, region_id=r["region_id"], person_id=r["person_id"],
                          household_id=r["household_id"], period=r["end"].isoformat(), enrolment_id=r["id"],
                          evidence={"enrolment": r["id"], "category": r["category"], "end": r["end"].isoformat()},
                          created_at=now)
            for r in lapsing])
        try:
            born_before = today.replace(year=today.year - 70)
        except ValueError:  # 29 February
            born_before = today.replace(year=today.year - 70, day=28)
        single = (Member.objects.filter(left_on__isnull=True).values("household_id")
                  .annotate(n=Count("id")).filter(n=1).values("household_id"))
        tasks = []
        for alert in ColdWaveAlert.objects.filter(starts_on__lte=today, ends_on__gte=today):
            lo, hi = alert.region.code_range
            rows = (Member.objects.filter(left_on__isnull=True, household_id__in=single,
                                          household__region_id__gte=lo, household__region_id__lte=hi,
                                          person__birth_date__lte=born_before, person__deceased_on__isnull=True)
                    .values("person_id", "household_id", "household__region_id", "person__birth_date"))
            tasks += [DiscoveryTask(kind=DiscoveryTask.Kind.COLD_ELDERLY, region_id=r["household__region_id"],
                                    person_id=r["person_id"], household_id=r["household_id"],
                                    period=f"alert-{alert.pk}", alert=alert, created_at=now,
                                    evidence={"alert": alert.pk, "level": alert.level,
                                              "birth_date": r["person__birth_date"].isoformat(), "household_size": 1})
                      for r in rows]
        counts["cold_elderly"] = _insert(tasks)
        tasks = []
        threshold = medical_threshold()
        last_month = today.replace(day=1) - dt.timedelta(days=1)
        for day in (last_month, today):
            label, start, end = _month_bounds(day)
            rows = (Spend.objects.filter(category=Spend.Category.MEDICAL, occurred_at__gte=start, occurred_at__lt=end)
                    .values("beneficiary__person_id", "beneficiary__region_id")
                    .annotate(total=Sum("amount"), n=Count("id")).filter(total__gt=threshold))
            rows = list(rows)
            homes = dict(Member.objects.filter(left_on__isnull=True,
                                               person_id__in=[r["beneficiary__person_id"] for r in rows])
                         .values_list("person_id", "household_id"))
            regions = dict(Household.objects.filter(pk__in=homes.values()).values_list("id", "region_id"))
            tasks += [DiscoveryTask(kind=DiscoveryTask.Kind.MEDICAL_BURDEN, person_id=r["beneficiary__person_id"],
                                    household_id=homes.get(r["beneficiary__person_id"]),
                                    region_id=regions.get(homes.get(r["beneficiary__person_id"]),
                                                          r["beneficiary__region_id"]),
                                    period=label, created_at=now,
                                    evidence={"month": label, "total": yuan_str(r["total"]), "spends": r["n"],
                                              "threshold": yuan_str(threshold)})
                      for r in rows]
        counts["medical_burden"] = _insert(tasks)
        audit(actor=None, action="casework.discovery_scan", object_type="casework.DiscoveryTask", object_id="scan",
              after={"today": today, **counts})
    return counts


@transaction.atomic
def discovery_resolve(*, task: DiscoveryTask, actor, action: str = "", action_ref: str = "",
                      dismiss_reason: str = "") -> DiscoveryTask:
    """End a task in an action (visit / temporary aid / application, with the record's number) or a
    dismissal with a reason."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    task = DiscoveryTask.objects.select_for_update().get(pk=task.pk)
    _require_region(actor, task.region_id)
    if task.status != DiscoveryTask.Status.OPEN:
        raise ValidationError(_("该任务已处理。"))
    if action:
        if action not in DiscoveryTask.Action.values:
            raise ValidationError({"action": [_("处置方式无效。")]})
        model = {"visit": Visit, "temporary_aid": TemporaryAid, "application": Application}[action]
        if action_ref:
            if not str(action_ref).isdigit() or not model.objects.filter(
                    Q(pk=int(action_ref)) & (Q(household_id=task.household_id) if action == "visit"
                                             else Q(person_id=task.person_id))).exists():
                raise ValidationError({"action_ref": [_("处置记录编号不存在或与该任务的对象不符。")]})
        task.status = DiscoveryTask.Status.ACTED
        task.action = action
        task.action_ref = str(action_ref or "")
    else:
        if not dismiss_reason.strip():
            raise ValidationError({"dismiss_reason": [_("请选择处置方式，或填写排除理由。")]})
        task.status = DiscoveryTask.Status.DISMISSED
        task.dismiss_reason = dismiss_reason.strip()[:255]
    task.resolved_by = actor
    task.resolved_at = timezone.now()
    task.save()
    audit(actor=actor, action="casework.discovery_resolve", obj=task, region_code=task.region_id,
          before={"status": DiscoveryTask.Status.OPEN},
          after={"status": task.status, "action": task.action, "action_ref": task.action_ref,
                 "reason": task.dismiss_reason})
    return task
