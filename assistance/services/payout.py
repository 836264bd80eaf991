"""Payout: approval (maker-checker, budget reserve), paying a batch through its channel chunk by chunk,
recording outcomes (the channel's or a bank's result file), and re-issuing or cancelling one payment.

Money only moves from a scheme's `reserved` to its `paid` as outcomes are recorded, set-based and only
for payments still in the state the outcome answers (`pending` for an immediate channel, `sent` for the
bank), so a re-run never pays anyone twice. The bank's hand-over and answers: `services.bank`.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import pii
from portal.dbrouter import money_path
from portal.money import yuan_str
from portal.permissions import Role, require
from portal.queue import enqueue
from portal.services import audit

from ..audit_actions import AuditAction
from ..channels import get_channel
from ..models import Batch, Household, Payment, PaymentAttempt, Scheme
from .bank import deliver, deliver_pending, send_chunk
from .outcomes import apply_results, finish_if_done


def pay_chunk_size() -> int:
    return int(getattr(settings, "ASSISTANCE_PAY_CHUNK", 10000))


@money_path
@transaction.atomic
def batch_approve(*, batch: Batch, actor, opinion: str = "") -> Batch:
    """Maker-checker: an approver who did not create the batch. Reserves the scheme's budget under a
    row lock (400 when it would exceed it) and queues the payout. `opinion` (审批意见) is kept on the
    batch and in the audit row."""
    require(actor, roles={Role.APPROVER}, message=_("只有审批人员可以审批发放批次。"))
    require(actor, region=batch.region_id)
    require(actor, not_user=batch.created_by_id, message=_("制单人不能审批自己创建的批次。"))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Batch.Status.DRAFT:
        raise ValidationError(_("只有待审批的批次可以审批（当前状态：%(s)s）。") % {"s": batch.get_status_display()})
    scheme = Scheme.objects.select_for_update().get(pk=batch.scheme_id)
    if scheme.reserved + scheme.paid + batch.total_amount > scheme.budget:
        raise ValidationError(
            _("超出项目预算：预算 %(budget)s 元，已占用 %(used)s 元，本批次 %(total)s 元。") % {
                "budget": yuan_str(scheme.budget), "used": yuan_str(scheme.reserved + scheme.paid),
                "total": yuan_str(batch.total_amount)}
        )
    Scheme.objects.filter(pk=scheme.pk).update(reserved=F("reserved") + batch.total_amount)
    before = {"status": batch.status}
    batch.status = Batch.Status.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.progress = 0
    batch.heartbeat_at = timezone.now()
    batch.approval_opinion = (opinion or "").strip()[:500]
    batch.save(update_fields=["status", "approved_by", "approved_at", "progress", "heartbeat_at", "approval_opinion"])
    audit(actor=actor, action=AuditAction.BATCH_APPROVE, obj=batch, region_code=batch.region_id, before=before,
          after={"status": batch.status, "reserved": batch.total_amount, "opinion": batch.approval_opinion},
          note=batch.approval_opinion)
    enqueue("assistance.pay_batch", batch.pk)
    return batch


@money_path
def batch_pay(*, batch_id: int, max_chunks: int | None = None) -> Batch:
    """Pay an approved (or resume a paying) batch: pending payments in id order, chunk by chunk,
    through the batch's PaymentChannel. Each chunk's outcomes are recorded in one transaction under
    the batch row lock, and only still-pending payments change, so a retried or resumed task never
    pays anyone twice. The batch ends `paid` when nothing is pending."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (Batch.Status.APPROVED, Batch.Status.PAYING):
            return batch
        if batch.status == Batch.Status.APPROVED:
            batch.status = Batch.Status.PAYING
            batch.save(update_fields=["status"])
            audit(actor=None, action=AuditAction.BATCH_PAYING, obj=batch, region_code=batch.region_id,
                  before={"status": Batch.Status.APPROVED}, after={"status": batch.status})
    channel = get_channel(batch.channel)
    if channel.deferred:
        deliver_pending(batch_id=batch_id)  # a file recorded but not yet in the outbox: its worker died
    pending_total = Payment.objects.filter(batch_id=batch_id, status=Payment.Status.PENDING).count()
    size, last_id, done, chunks = pay_chunk_size(), 0, 0, 0
    while True:
        if max_chunks is not None and chunks >= max_chunks:
            return Batch.objects.get(pk=batch_id)
        rows = list(
            Payment.objects.filter(batch_id=batch_id, status=Payment.Status.PENDING, id__gt=last_id)
            .order_by("id").values("id", "name", "id_number_masked", "amount", "attempts", "bank_account_enc",
                                   "bank_account_masked", "payee_name")[:size]
        )
        if not rows:
            break
        for r in rows:
            blob = r.pop("bank_account_enc")
            # only the bank's file carries the full account (decrypted for that file, whose hand-over
            # send_chunk audits once); any other channel sees the masked form
            r["bank_account"] = pii.decrypt_for_file(pii.ACCOUNT, blob) if channel.deferred else r["bank_account_masked"]
        last_id = rows[-1]["id"]
        with transaction.atomic():
            locked = Batch.objects.select_for_update().get(pk=batch_id)
            if locked.status != Batch.Status.PAYING:
                return locked
            # Another runner of this batch (a re-sent task) may have paid some of these rows while we
            # waited for the lock: submit only what is still pending now, so nothing is sent twice.
            still = set(Payment.objects.filter(batch_id=batch_id, status=Payment.Status.PENDING,
                                               id__gte=rows[0]["id"], id__lte=rows[-1]["id"])
                        .values_list("id", flat=True))
            rows = [r for r in rows if r["id"] in still]
            bank_file = None
            if rows and channel.deferred:
                bank_file = send_chunk(batch=locked, rows=rows, channel=channel)
            elif rows:
                results = channel.submit(batch=locked, rows=rows)
                apply_results(batch_id, channel.name, results)
            done += len(rows)
            Batch.objects.filter(pk=batch_id).update(progress=min(99, int(done * 100 / max(pending_total, 1))),
                                                     heartbeat_at=timezone.now())
        if bank_file is not None:
            deliver(bank_file=bank_file, channel=channel)
        chunks += 1
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        return finish_if_done(batch)


@money_path
@transaction.atomic
def payment_reissue(*, payment: Payment, actor, note: str = "") -> Payment:
    """A failed payment goes back to pending (same payment, same identity, a new attempt with a new
    reference) and the batch's payout task runs again. The payee's account is taken afresh from the
    household (where a corrected account takes effect). Only an approver who is not the batch's maker."""
    require(actor, roles={Role.APPROVER}, region=payment.region_id, message=_("只有审批人员可以重新发放。"))
    batch = Batch.objects.select_for_update().get(pk=payment.batch_id)
    require(actor, not_user=batch.created_by_id, message=_("制单人不能重新发放本批次的明细。"))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.FAILED:
        raise ValidationError(_("只有发放失败的明细可以重新发放。"))
    old_account = payment.masked_bank_account
    # the household's account copied as stored (HMAC, ciphertext, masked form): nothing decrypted
    (payment.bank_account, payment.bank_account_enc, payment.bank_account_masked,
     head_name) = Household.objects.filter(pk=payment.household_id).values_list(
        "bank_account", "bank_account_enc", "bank_account_masked", "head__name").get()
    payment.payee_name = head_name or payment.payee_name
    payment.status = Payment.Status.PENDING
    payment.save(update_fields=["status", "bank_account", "bank_account_enc", "bank_account_masked", "payee_name",
                                "updated_at"])
    PaymentAttempt.objects.create(payment=payment, channel=batch.channel, outcome=PaymentAttempt.Outcome.REISSUED,
                                  message=(note or "")[:255], at=timezone.now())
    batch.failed_count = max(0, batch.failed_count - 1)
    before_status = batch.status
    if batch.status == Batch.Status.PAID:
        batch.status = Batch.Status.PAYING
        batch.finished_at = None
    batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["failed_count", "status", "finished_at", "heartbeat_at"])
    audit(actor=actor, action=AuditAction.PAYMENT_REISSUE, obj=payment, region_code=payment.region_id,
          before={"status": Payment.Status.FAILED, "batch_status": before_status,
                  "account": old_account},
          after={"status": payment.status, "batch_status": batch.status,
                 "account": payment.masked_bank_account}, note=note)
    enqueue("assistance.pay_batch", batch.pk)
    return payment


@money_path
@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str = "") -> Payment:
    """Cancel a pending or failed payment; its reserved money returns to the scheme's budget. Only an
    approver who is not the batch's maker (a payment waiting for the bank cannot be cancelled)."""
    require(actor, roles={Role.APPROVER}, region=payment.region_id, message=_("只有审批人员可以取消发放明细。"))
    batch = Batch.objects.select_for_update().get(pk=payment.batch_id)
    require(actor, not_user=batch.created_by_id, message=_("制单人不能取消本批次的明细。"))
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status not in (Payment.Status.PENDING, Payment.Status.FAILED):
        raise ValidationError(_("只有待发放或发放失败的明细可以取消。"))
    if batch.status == Batch.Status.BUILDING:
        raise ValidationError(_("批次生成中，暂不能取消明细。"))
    before = payment.status
    if batch.status in (Batch.Status.APPROVED, Batch.Status.PAYING, Batch.Status.PAID):
        Scheme.objects.filter(pk=batch.scheme_id).update(reserved=F("reserved") - payment.amount)
    if before == Payment.Status.FAILED:
        batch.failed_count = max(0, batch.failed_count - 1)
    batch.recipient_count = max(0, batch.recipient_count - 1)
    batch.total_amount = max(0, batch.total_amount - payment.amount)
    batch.save(update_fields=["failed_count", "recipient_count", "total_amount"])
    payment.status = Payment.Status.CANCELLED
    payment.reason = (reason or _("已取消"))[:255]
    payment.save(update_fields=["status", "reason", "updated_at"])
    PaymentAttempt.objects.create(payment=payment, channel=batch.channel, outcome=PaymentAttempt.Outcome.CANCELLED,
                                  message=payment.reason, at=timezone.now())
    audit(actor=actor, action=AuditAction.PAYMENT_CANCEL, obj=payment, region_code=payment.region_id,
          before={"status": before}, after={"status": payment.status, "amount": payment.amount}, note=reason)
    finish_if_done(batch, actor)
    return payment


def payments_settle(*, batch_id: int, channel: str, results: list[tuple[int, str, str, str]]) -> tuple[int, int]:
    """Record what a non-bank channel's counterparty answered later, for payments it holds as `sent`: goods
    handed over, a heating company's confirmed reduced bill. Same set-based recording as the bank's answers
    (only still-`sent` payments change, so a repeat changes nothing), under the batch row lock; the batch
    closes when nothing is left. Called inside the caller's transaction by the service that gated the actor."""
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.channel != channel:
            raise ValueError(f"batch {batch_id} does not pay through {channel}")
        counts = apply_results(batch_id, channel, results, from_status=Payment.Status.SENT)
        batch.refresh_from_db()
        finish_if_done(batch)
    return counts


def scheme_return_unspent(*, scheme_id: int, amount: int, note: str = "") -> None:
    """Money counted as paid that never reached anyone (vouchers expired unredeemed) returns to the
    scheme's budget: `paid` goes down by `amount`. Called by the service that works out the amount."""
    if amount < 0:
        raise ValueError("amount must not be negative")
    if not amount:
        return
    with transaction.atomic():
        updated = Scheme.objects.filter(pk=scheme_id, paid__gte=amount).update(paid=F("paid") - amount)
        if not updated:
            raise ValueError(f"scheme {scheme_id} has less than {amount} paid")
        audit(actor=None, action=AuditAction.SCHEME_RETURN_UNSPENT, object_type="assistance.Scheme",
              object_id=scheme_id, after={"returned": amount}, note=note)
