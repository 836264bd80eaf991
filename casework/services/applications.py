"""Applications for 低保 / 特困 / 临时救助: intake, documents, review, confirmation or rejection.

Three different people: the caseworker who receives it, a colleague who reviews it, and an approver who
neither received nor reviewed it and confirms it (maker-checker, `require(..., not_user=...)`).
"""

import datetime as dt
import os

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance import services as assistance_services
from assistance.models import Household
from portal.money import yuan_str
from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.scoping import region_in_scope
from portal.services import audit

from .. import selectors
from ..audit_actions import AuditAction
from ..models import Application, ApplicationCategory, ApplicationDocument, Notice, TemporaryAid
from ._shared import APPROVERS, CASEWORKERS, current_household, known_region, person_for
from .notices import queue_notice
from .temporary_aid import aid_record

MAX_UPLOAD = 5 * 1024 * 1024
# extension -> (content type, magic bytes at the start of the file)
ALLOWED_UPLOADS = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
}


@transaction.atomic
def application_intake(*, id_number: str, name: str, region: str, category: str, requested_amount: int = 0,
                       reason: str = "", household: Household | None = None, received_on: dt.date | None = None,
                       actor) -> Application:
    """A caseworker receives an application on the applicant's behalf."""
    require(actor, roles=CASEWORKERS)
    require(actor, region=known_region(region))
    if category not in ApplicationCategory.values:
        raise ValidationError({"category": [_("申请类别无效。")]})
    if requested_amount < 0:
        raise ValidationError({"requested_amount": [_("金额不能为负数。")]})
    person = person_for(id_number=id_number, name=name)
    if household is not None and not region_in_scope(actor, household.region_id):
        raise ValidationError({"household": [_("该家庭不在您的管辖范围内。")]})
    if household is None:
        household = current_household(person)
    if Application.objects.filter(person=person, category=category, status__in=Application.OPEN).exists():
        raise ValidationError({"id_number": [_("该申请人已有同类申请正在办理中。")]})
    received_on = received_on or timezone.localdate()
    due_on, fast = selectors.application_due_date(region, received_on)
    app = Application.objects.create(
        person=person, household=household, region_id=region, category=category, requested_amount=requested_amount,
        reason=reason.strip(), received_on=received_on, due_on=due_on, fast_track=fast, received_by=actor,
    )
    audit(actor=actor, action=AuditAction.APPLICATION_INTAKE, obj=app, region_code=region,
          after={"category": category, "requested_amount": requested_amount, "due_on": due_on, "fast_track": fast})
    return app


def _check_upload(upload) -> tuple[str, str]:
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
    require(actor, roles=CIVIL_STAFF, region=application.region_id)
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
    audit(actor=actor, action=AuditAction.DOCUMENT_ADD, obj=doc, region_code=application.region_id,
          after={"application": application.pk, "kind": kind, "size": doc.size})
    return doc


def _locked(application: Application) -> Application:
    return Application.objects.select_for_update().get(pk=application.pk)


@transaction.atomic
def application_review(*, application: Application, actor, note: str = "") -> Application:
    """审核: a caseworker or approver other than the one who received it."""
    require(actor, roles=CIVIL_STAFF, region=application.region_id)
    app = _locked(application)
    require(actor, not_user=app.received_by_id, message=_("受理人不能审核自己受理的申请。"))
    if app.status != Application.Status.SUBMITTED:
        raise ValidationError(_("只有待审核的申请可以审核。"))
    app.status = Application.Status.REVIEWED
    app.reviewed_by = actor
    app.reviewed_at = timezone.now()
    app.review_note = note.strip()[:255]
    app.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    audit(actor=actor, action=AuditAction.APPLICATION_REVIEW, obj=app, region_code=app.region_id,
          before={"status": Application.Status.SUBMITTED}, after={"status": app.status})
    return app


@transaction.atomic
def application_confirm(*, application: Application, actor, approved_amount: int | None = None,
                        start: dt.date | None = None, aid_kind: str = TemporaryAid.Kind.SUPPLEMENT) -> Application:
    """确认 by an approver who neither received nor reviewed it. 低保/特困: records the Enrolment through
    assistance.services.enrolment_record (the approver is its actor); 临时救助: grants and pays the aid."""
    require(actor, roles=APPROVERS, region=application.region_id)
    app = _locked(application)
    for colleague in (app.received_by_id, app.reviewed_by_id):
        require(actor, not_user=colleague, message=_("审核人和受理人不能确认同一申请，须由另一名审批人员确认。"))
    if app.status != Application.Status.REVIEWED:
        raise ValidationError(_("申请须先经审核，才能确认。"))
    amount = app.requested_amount if approved_amount is None else approved_amount
    if amount < 0:
        raise ValidationError({"approved_amount": [_("金额不能为负数。")]})
    start = start or timezone.localdate()
    if app.category == ApplicationCategory.TEMPORARY:
        if amount <= 0:
            raise ValidationError({"approved_amount": [_("请填写核定的临时救助金额。")]})
        aid = aid_record(person=app.person, region=app.region_id, kind=aid_kind, form=TemporaryAid.Form.CASH,
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
    queue_notice(person=app.person, region=app.region_id, kind=Notice.Kind.APPLICATION_CONFIRMED,
                 household=app.household, application=app,
                 text=_("【民政】%(name)s，您申请的%(category)s已于 %(day)s 审核确认，核定金额 %(amount)s 元。") % {
                     "name": app.person.name, "category": app.get_category_display(),
                     "day": timezone.localdate().isoformat(), "amount": yuan_str(amount)})
    audit(actor=actor, action=AuditAction.APPLICATION_CONFIRM, obj=app, region_code=app.region_id,
          before={"status": Application.Status.REVIEWED},
          after={"status": app.status, "approved_amount": amount, "enrolment": app.enrolment_id,
                 "temporary_aid": app.temporary_aid_id})
    return app


@transaction.atomic
def application_reject(*, application: Application, actor, reason: str) -> Application:
    """不予认定, with the reason the applicant is told. Not by the one who received it."""
    require(actor, roles=CIVIL_STAFF, region=application.region_id)
    app = _locked(application)
    require(actor, not_user=app.received_by_id, message=_("受理人不能对自己受理的申请作出决定。"))
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
    queue_notice(person=app.person, region=app.region_id, kind=Notice.Kind.APPLICATION_REJECTED,
                 household=app.household, application=app,
                 text=_("【民政】%(name)s，您申请的%(category)s经审核不予认定，理由：%(reason)s。如有异议可向受理地民政部门提出。") % {
                     "name": app.person.name, "category": app.get_category_display(), "reason": app.rejection_reason})
    audit(actor=actor, action=AuditAction.APPLICATION_REJECT, obj=app, region_code=app.region_id,
          before={"status": before}, after={"status": app.status, "reason": app.rejection_reason})
    return app


@transaction.atomic
def application_reopen(*, application: Application, actor, reason: str) -> Application:
    """An appeal against 不予认定 was upheld: the rejected application goes back to 待审核 with a fresh time
    limit, and the normal review and confirmation follow (by people other than the one who received it).
    Called from the appeal decision (the reviewer is the actor)."""
    require(actor, roles=CIVIL_STAFF, region=application.region_id)
    app = _locked(application)
    if app.status != Application.Status.REJECTED:
        raise ValidationError(_("只有不予认定的申请可以重新审核。"))
    if Application.objects.filter(person_id=app.person_id, category=app.category,
                                  status__in=Application.OPEN).exclude(pk=app.pk).exists():
        raise ValidationError(_("该申请人已有同类申请正在办理中。"))
    before = {"status": app.status, "reason": app.rejection_reason}
    today = timezone.localdate()
    app.status = Application.Status.SUBMITTED
    app.due_on, _fast = selectors.application_due_date(app.region_id, today)
    app.reviewed_by, app.reviewed_at, app.decided_by, app.decided_at = None, None, None, None
    app.review_note = (_("申诉后重新审核：%(r)s") % {"r": (reason or "").strip()})[:255]
    app.save(update_fields=["status", "due_on", "reviewed_by", "reviewed_at", "decided_by", "decided_at",
                            "review_note"])
    audit(actor=actor, action=AuditAction.APPLICATION_REOPEN, obj=app, region_code=app.region_id,
          before=before, after={"status": app.status, "due_on": app.due_on}, note=(reason or "")[:255])
    return app
