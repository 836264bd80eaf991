"""Notices to applicants and households (decisions, payments): queued with the decision, in its transaction
(so a refused decision leaves no message), sent after commit by the task `casework.send_notice` through the
pluggable sender (casework.notify), every message kept with its status."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pii
from portal.permissions import require
from portal.queue import enqueue
from portal.roles import CIVIL_STAFF
from portal.services import audit

from .. import notify
from ..audit_actions import AuditAction
from ..models import Notice


def _phone_of(person) -> str:
    """The number a text message goes to: decrypted from the person's record (portal.pii) for the
    sender, the one place that needs it in full."""
    if person is None:
        return ""
    value = person.__dict__.get("phone")
    if value is not None and not isinstance(value, pii.Sealed):
        return value.strip()
    return pii.decrypt_for_file(pii.PHONE, person.phone_enc)


def queue_notice(*, person, region: str, kind: str, text: str, household=None, application=None,
                 aid=None) -> Notice:
    """Record a message and send it after commit. Called inside the deciding service (no gate of its own)."""
    phone = _phone_of(person)
    notice = Notice.objects.create(person=person, region_id=region, household=household, application=application,
                                   aid=aid, kind=kind, phone=phone, text=text[:500],
                                   status=Notice.Status.QUEUED if phone else Notice.Status.NO_PHONE)
    if phone:
        enqueue("casework.send_notice", notice.pk)
    return notice


def notice_send(*, notice_id: int) -> Notice:
    """The task's step: send one queued notice through the configured sender; sent or failed, with the
    reason. A notice already sent is not sent again."""
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status != Notice.Status.QUEUED:
            return notice
        sender = notify.get_sender()
        notice.attempts += 1
        notice.sender = sender.name
        try:
            # the number is decrypted here only, for the sender (the send is audited below)
            phone = pii.decrypt_for_file(pii.PHONE, notice.phone_enc)
            notice.reference = sender.send(phone=phone, text=notice.text)[:64]
        except notify.SendError as exc:
            notice.status, notice.error = Notice.Status.FAILED, str(exc)[:255]
        else:
            notice.status, notice.sent_at, notice.error = Notice.Status.SENT, timezone.now(), ""
        notice.save(update_fields=["attempts", "sender", "reference", "status", "sent_at", "error"])
        audit(actor=None, action=AuditAction.NOTICE_SEND, obj=notice, region_code=notice.region_id,
              after={"status": notice.status, "sender": notice.sender, "error": notice.error})
    return notice


@transaction.atomic
def notice_resend(*, notice: Notice, actor) -> Notice:
    """A member of staff sends a failed message again (after the phone number was corrected, say)."""
    require(actor, roles=CIVIL_STAFF, region=notice.region_id)
    n = Notice.objects.select_for_update().select_related("person").get(pk=notice.pk)
    if n.status not in (Notice.Status.FAILED, Notice.Status.NO_PHONE):
        raise ValidationError(_("只有发送失败或未登记手机号的通知可以重发。"))
    phone = _phone_of(n.person)
    if not phone:
        raise ValidationError(_("该人员仍未登记手机号，请先补登手机号。"))
    n.phone, n.status, n.error = phone, Notice.Status.QUEUED, ""
    n.save(update_fields=["phone", "phone_enc", "phone_masked", "status", "error"])  # encrypted again on save
    audit(actor=actor, action=AuditAction.NOTICE_SEND, obj=n, region_code=n.region_id, after={"resend": True})
    enqueue("casework.send_notice", n.pk)
    return n
