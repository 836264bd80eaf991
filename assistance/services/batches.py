"""Batches (发放批次): create one, build its recipient list in the background, cancel a draft, and the
background bookkeeping (last error, resuming a batch whose worker was lost).

The build's two tunables, the chunk insert and the ANALYZE threshold, are read from the package
(`assistance.services._insert_chunk`, `assistance.services.BULK_ANALYZE_ROWS`) when a build runs, so
the package is the one place to swap them (tests make a chunk fail or lower the threshold there).
"""

import datetime as dt
import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber
from portal.models import Region, code_range
from portal.permissions import CIVIL_STAFF, Role, require
from portal.queue import enqueue, publish
from portal.services import audit

from .. import services as package
from ..audit_actions import AuditAction
from ..channels import channel_for_form
from ..models import Batch, Payment, Scheme
from .build_sql import build_bounds, build_chunk_size


def _ranges_nest(a: str, b: str) -> bool:
    alo, ahi = code_range(a)
    blo, bhi = code_range(b)
    return (alo <= blo and bhi <= ahi) or (blo <= alo and ahi <= bhi)


@transaction.atomic
def batch_create(*, scheme: Scheme, region: str, actor, period: str = "once",
                 built_on: dt.date | None = None) -> Batch:
    """A batch in `building`; the recipient list is built by the task `assistance.build_batch`."""
    require(actor, roles={Role.CASEWORKER}, region=region)
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"region": [_("未知的行政区划代码。")]})
    if not _ranges_nest(scheme.region_id, region):
        raise ValidationError({"region": [_("批次区域必须在救助项目的实施区域之内。")]})
    channel = channel_for_form(scheme.payment_form)  # vouchers, goods and fee waivers never go to the bank
    if channel is None:
        raise ValidationError({"scheme": [_("该项目的发放形式（%(form)s）尚未开通。") % {
            "form": scheme.get_payment_form_display()}]})
    payroll_month = ""
    if scheme.kind == Scheme.Kind.MONTHLY:
        # a monthly payroll made by hand: the same key as the pay-day job's (one live batch a region-month)
        if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", period or ""):
            raise ValidationError({"period": [_("月度发放批次的发放期应为“YYYY-MM”。")]})
        payroll_month = period
        if Batch.objects.filter(scheme=scheme, region_id=region, payroll_month=period).exclude(
                status=Batch.Status.CANCELLED).exists():
            raise ValidationError({"period": [_("该区域本月的月度发放批次已存在。")]})
    batch = Batch.objects.create(
        scheme=scheme, region_id=region, period=period or "once", built_on=built_on or timezone.localdate(),
        created_by=actor, channel=channel,
        payroll_month=payroll_month,
    )
    audit(actor=actor, action=AuditAction.BATCH_CREATE, obj=batch, region_code=region,
          after={"scheme": scheme.pk, "status": batch.status, "period": batch.period})
    enqueue("assistance.build_batch", batch.pk)
    return batch


def batch_build(*, batch_id: int, max_chunks: int | None = None) -> Batch:
    """Build (or resume building) a batch's recipient list, chunk by chunk.

    Each chunk (a range of person ids, or household ids for household schemes) is inserted and the
    batch's cursor advanced in ONE transaction, so a crash loses at most the chunk in flight and a
    re-run continues from the cursor. `max_chunks` stops early (tests simulate a crash with it).
    Ends with the batch in `draft` with its totals. A batch no longer `building` is left alone.
    """
    batch = Batch.objects.select_related("scheme").get(pk=batch_id)
    if batch.status != Batch.Status.BUILDING:
        return batch
    if not batch.build_hi:
        lo, hi = build_bounds(batch)
        Batch.objects.filter(pk=batch.pk, build_hi=0).update(build_lo=lo, build_hi=hi, build_cursor=max(lo - 1, 0))
        batch.refresh_from_db()
    size = build_chunk_size()
    chunks = 0
    while batch.build_cursor < batch.build_hi:
        if max_chunks is not None and chunks >= max_chunks:
            return batch
        for attempt in range(3):
            try:
                with transaction.atomic():
                    locked = Batch.objects.select_for_update().select_related("scheme").get(pk=batch.pk)
                    if locked.status != Batch.Status.BUILDING:
                        return locked
                    key_lo = locked.build_cursor + 1
                    key_hi = min(locked.build_cursor + size, locked.build_hi)
                    package._insert_chunk(locked, key_lo, key_hi)
                    span = max(locked.build_hi - locked.build_lo + 1, 1)
                    progress = min(99, int((key_hi - locked.build_lo + 1) * 100 / span))
                    Batch.objects.filter(pk=locked.pk).update(build_cursor=key_hi, progress=progress,
                                                              heartbeat_at=timezone.now())
                break
            except IntegrityError:
                # a concurrent batch of the same scheme took some of these recipients first
                if attempt == 2:
                    raise
        batch = locked
        batch.build_cursor, batch.progress = key_hi, progress
        chunks += 1
    with transaction.atomic():
        locked = Batch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != Batch.Status.BUILDING:
            return locked
        totals = Payment.objects.filter(batch=locked).exclude(status=Payment.Status.CANCELLED).aggregate(
            n=Count("id"), total=Sum("amount"))
        locked.recipient_count = totals["n"] or 0
        locked.total_amount = totals["total"] or 0
        locked.status = Batch.Status.DRAFT
        locked.progress = 100
        locked.error = ""
        locked.save(update_fields=["recipient_count", "total_amount", "status", "progress", "error"])
        audit(actor=None, action=AuditAction.BATCH_BUILT, obj=locked, region_code=locked.region_id,
              before={"status": Batch.Status.BUILDING},
              after={"status": locked.status, "recipient_count": locked.recipient_count,
                     "total_amount": locked.total_amount})
    package._analyze_after_bulk(Payment, locked.recipient_count, threshold=package.BULK_ANALYZE_ROWS)
    return locked


@transaction.atomic
def batch_cancel(*, batch: Batch, actor, reason: str = "") -> Batch:
    """Cancel a draft (or a returned) batch: its payments are cancelled, so their recipients may go into
    another batch."""
    require(actor, roles=CIVIL_STAFF, region=batch.region_id)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status not in (Batch.Status.DRAFT, Batch.Status.RETURNED):
        raise ValidationError(_("只有待审批或已退回的批次可以取消。"))
    before_status = batch.status
    Payment.objects.filter(batch=batch).update(status=Payment.Status.CANCELLED, reason=reason[:255] or _("批次已取消"),
                                               updated_at=timezone.now())
    batch.status = Batch.Status.CANCELLED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit(actor=actor, action=AuditAction.BATCH_CANCEL, obj=batch, region_code=batch.region_id,
          before={"status": before_status}, after={"status": batch.status}, note=reason)
    return batch


@transaction.atomic
def batch_return(*, batch: Batch, actor, reason: str) -> Batch:
    """The checker sends a draft batch back to its maker (退回修改) with a reason: nothing is reserved or
    paid, the recipient list stays as built until the maker resubmits it. The same maker-checker rule
    as approving: an approver of the region who did not make the batch."""
    require(actor, roles={Role.APPROVER}, message=_("只有审批人员可以退回发放批次。"))
    require(actor, region=batch.region_id)
    require(actor, not_user=batch.created_by_id, message=_("制单人不能退回自己创建的批次。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("请填写退回原因。")]})
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Batch.Status.DRAFT:
        raise ValidationError(_("只有待审批的批次可以退回（当前状态：%(s)s）。") % {"s": batch.get_status_display()})
    batch.status = Batch.Status.RETURNED
    batch.return_reason = reason[:500]
    batch.returned_by = actor
    batch.returned_at = timezone.now()
    batch.save(update_fields=["status", "return_reason", "returned_by", "returned_at"])
    audit(actor=actor, action=AuditAction.BATCH_RETURN, obj=batch, region_code=batch.region_id,
          before={"status": Batch.Status.DRAFT}, after={"status": batch.status}, note=batch.return_reason)
    return batch


@transaction.atomic
def batch_resubmit(*, batch: Batch, actor) -> Batch:
    """The maker resubmits a returned batch after fixing what the checker named: its payments are
    cancelled (one set-based UPDATE) and the recipient list is built again from today's data (the task
    `assistance.build_batch`), so the batch comes back to the checker as a new draft. Only the maker (any
    caseworker of the region for a batch the system made)."""
    require(actor, roles={Role.CASEWORKER}, region=batch.region_id)
    if batch.created_by_id and batch.created_by_id != actor.pk:
        raise PermissionDenied(_("只有制单人可以重新提交被退回的批次。"))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Batch.Status.RETURNED:
        raise ValidationError(_("只有已退回的批次可以重新提交。"))
    Payment.objects.filter(batch=batch).exclude(status=Payment.Status.CANCELLED).update(
        status=Payment.Status.CANCELLED, reason=_("批次退回后重新生成"), updated_at=timezone.now())
    Batch.objects.filter(pk=batch.pk).update(
        status=Batch.Status.BUILDING, build_lo=0, build_hi=0, build_cursor=0, progress=0, recipient_count=0,
        total_amount=0, built_on=timezone.localdate(), heartbeat_at=timezone.now(), error="")
    batch.refresh_from_db()
    audit(actor=actor, action=AuditAction.BATCH_RESUBMIT, obj=batch, region_code=batch.region_id,
          before={"status": Batch.Status.RETURNED}, after={"status": batch.status})
    enqueue("assistance.build_batch", batch.pk)
    return batch


def batch_note_error(*, batch_id: int, error: Exception) -> None:
    """Keep the last background error on the batch for the detail page (ID numbers scrubbed).
    The batch keeps its status: re-running the task (admin action "继续生成/发放") resumes it."""
    text = idnumber.scrub(f"{type(error).__name__}: {error}")[:2000]
    try:
        Batch.objects.filter(pk=batch_id).update(error=text)
    except Exception:  # the database itself may be what failed
        pass


def _resume_task(status: str) -> str | None:
    """The task that carries a batch on from `status` (None: nothing runs in the background)."""
    if status == Batch.Status.BUILDING:
        return "assistance.build_batch"
    if status in (Batch.Status.APPROVED, Batch.Status.PAYING):
        return "assistance.pay_batch"
    return None


def batch_resume(*, batch: Batch, actor) -> None:
    """Send a batch's task again now (the admin action "继续生成/发放"): a build resumes from its cursor,
    a payout touches only still-pending payments, so an extra run changes nothing twice."""
    require(actor, roles=CIVIL_STAFF, region=batch.region_id)
    task = _resume_task(Batch.objects.values_list("status", flat=True).get(pk=batch.pk))
    if task is None:
        raise ValidationError(_("该批次无需恢复。"))
    if not publish(task, batch.pk):
        raise ValidationError(_("消息队列暂时不可用，批次将由定时恢复任务继续。"))


def batch_resume_stalled(*, stale_after: dt.timedelta = dt.timedelta(minutes=5)) -> list[int]:
    """Send the task again for every batch whose worker was lost (killed, restarted, or the broker
    was down when it was queued): building, approved or paying, and no chunk done for `stale_after`.
    Safe to run any time: builds resume from their cursor, payouts only touch still-pending payments."""
    cutoff = timezone.now() - stale_after
    stalled = Batch.objects.filter(
        status__in=[Batch.Status.BUILDING, Batch.Status.APPROVED, Batch.Status.PAYING]
    ).filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
    resumed = []
    for batch_id, status in stalled.values_list("id", "status"):
        task = _resume_task(status)
        Batch.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now())
        if publish(task, batch_id):
            resumed.append(batch_id)
    return resumed
