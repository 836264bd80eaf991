"""Recording outcomes of payments, set-based: what the immediate channel or the bank said, and closing a
batch once nothing is left to pay or to hear back about. Used by `payout` and `bank`."""

from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Batch, Payment, PaymentAttempt, Scheme
from .build_sql import record_paid_months


def apply_results(batch_id: int, channel: str, results: list[tuple[int, str, str, str]],
                  from_status: str = Payment.Status.PENDING) -> tuple[int, int]:
    """Record a chunk of outcomes set-based: (payment_id, outcome, reference, message).

    Only payments still in `from_status` change (`pending`: an immediate channel's outcome, which counts
    as an attempt; `sent`: the bank's answer to an attempt already counted); paid money moves from the
    scheme's reserved to paid. Returns (newly paid, newly failed). Call inside a transaction holding the
    batch row lock. On PostgreSQL one statement does it (`_apply_results_pg`); elsewhere the ORM path.
    """
    if not results:
        return 0, 0
    bump = 1 if from_status == Payment.Status.PENDING else 0
    if connection.vendor == "postgresql":
        paid, paid_sum, failed = _apply_results_pg(channel, results, from_status, bump)
        _count_results(batch_id, paid, paid_sum, failed)
        _record_coverage(batch_id, results)
        return paid, failed
    now = timezone.now()
    live = set(Payment.objects.filter(id__in=[r[0] for r in results], status=from_status)
               .values_list("id", flat=True))
    results = [r for r in results if r[0] in live]
    PaymentAttempt.objects.bulk_create(
        [PaymentAttempt(payment_id=pid, channel=channel, outcome=outcome, reference=ref[:64], message=msg[:255], at=now)
         for pid, outcome, ref, msg in results]
    )
    paid_ids = [r[0] for r in results if r[1] == PaymentAttempt.Outcome.PAID]
    failed = [r for r in results if r[1] == PaymentAttempt.Outcome.FAILED]
    sent_ids = [r[0] for r in results if r[1] == PaymentAttempt.Outcome.SENT]
    paid_sum = 0
    if paid_ids:
        paid_sum = Payment.objects.filter(id__in=paid_ids).aggregate(s=Sum("amount"))["s"] or 0
        Payment.objects.filter(id__in=paid_ids).update(
            status=Payment.Status.PAID, attempts=F("attempts") + bump, paid_at=now, reason="", updated_at=now)
    by_message: dict[str, list[int]] = {}
    for pid, _o, _r, msg in failed:
        by_message.setdefault(msg[:255], []).append(pid)
    for msg, ids in by_message.items():
        Payment.objects.filter(id__in=ids).update(
            status=Payment.Status.FAILED, attempts=F("attempts") + bump, reason=msg, updated_at=now)
    if sent_ids:
        Payment.objects.filter(id__in=sent_ids).update(status=Payment.Status.SENT, attempts=F("attempts") + bump,
                                                       updated_at=now)
    _count_results(batch_id, len(paid_ids), paid_sum, len(failed))
    _record_coverage(batch_id, results)
    return len(paid_ids), len(failed)


def _record_coverage(batch_id: int, results) -> None:
    """Monthly assistance paid (the monthly payroll, an advance): record the months it covers (PaidMonth)."""
    kind = Batch.objects.filter(pk=batch_id).values_list("scheme__kind", flat=True).first()
    if kind in (Scheme.Kind.MONTHLY, Scheme.Kind.ADVANCE):
        record_paid_months([r[0] for r in results if r[1] == PaymentAttempt.Outcome.PAID])


def _count_results(batch_id: int, paid: int, paid_sum: int, failed: int) -> None:
    if paid or failed:
        scheme_id = Batch.objects.filter(pk=batch_id).values_list("scheme_id", flat=True).get()
        Batch.objects.filter(pk=batch_id).update(
            paid_count=F("paid_count") + paid, paid_amount=F("paid_amount") + paid_sum,
            failed_count=F("failed_count") + failed)
        if paid_sum:
            Scheme.objects.filter(pk=scheme_id).update(paid=F("paid") + paid_sum, reserved=F("reserved") - paid_sum)


def _apply_results_pg(channel: str, results: list[tuple[int, str, str, str]], from_status: str,
                      bump: int) -> tuple[int, int, int]:
    """One statement per chunk: update the still-pending payments from the outcome arrays and write
    their attempt rows from the same RETURNING. Returns (paid, paid amount, failed).
    (Measured at 1M payments: 2.4x faster than building ORM objects and id lists per chunk.)"""
    now = timezone.now()
    ids, outcomes, refs, msgs = (list(c) for c in zip(*[(r[0], r[1], r[2][:64], r[3][:255]) for r in results],
                                                      strict=True))
    payment, attempt = Payment._meta.db_table, PaymentAttempt._meta.db_table
    paid_s, failed_s = PaymentAttempt.Outcome.PAID.value, PaymentAttempt.Outcome.FAILED.value
    sql = (
        "WITH r AS (SELECT * FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[]) AS r(id, outcome, ref, msg)),"
        f" upd AS (UPDATE {payment} p SET"
        " status = CASE r.outcome WHEN %s THEN %s WHEN %s THEN %s WHEN %s THEN %s ELSE p.status END,"
        " attempts = p.attempts + %s,"
        " paid_at = CASE WHEN r.outcome = %s THEN %s ELSE p.paid_at END,"
        " reason = CASE r.outcome WHEN %s THEN '' WHEN %s THEN r.msg ELSE p.reason END,"
        " updated_at = %s"
        " FROM r WHERE p.id = r.id AND p.status = %s RETURNING p.id, p.amount, r.outcome, r.ref, r.msg),"
        f" ins AS (INSERT INTO {attempt} (payment_id, channel, outcome, reference, message, at)"
        " SELECT id, %s, outcome, ref, msg, %s FROM upd)"
        " SELECT COUNT(*) FILTER (WHERE outcome = %s), COALESCE(SUM(amount) FILTER (WHERE outcome = %s), 0),"
        " COUNT(*) FILTER (WHERE outcome = %s) FROM upd"
    )
    params = [ids, outcomes, refs, msgs,
              paid_s, Payment.Status.PAID.value, failed_s, Payment.Status.FAILED.value,
              PaymentAttempt.Outcome.SENT.value, Payment.Status.SENT.value, bump,
              paid_s, now, paid_s, failed_s, now, str(from_status),
              channel, now, paid_s, paid_s, failed_s]
    with connection.cursor() as cur:
        # No nested loop for this statement: with statistics taken before the payout (every payment pending;
        # nothing refreshes them where autovacuum is off) the planner expects one `sent` row and rescans the
        # chunk's 5,000 outcomes for each of the tens of thousands actually sent, a minute per chunk at
        # 200,000. A hash join reads each side once whatever the statistics say. Local to this transaction
        # and set back right after.
        cur.execute("SELECT set_config('enable_nestloop', 'off', true)")
        cur.execute(sql, params)
        paid, paid_sum, failed = cur.fetchone()
        cur.execute("SELECT set_config('enable_nestloop', 'on', true)")
    return paid, int(paid_sum), failed


def finish_if_done(batch: Batch, actor=None) -> Batch:
    """paying -> paid once nothing is pending or waiting for the bank (failed ones may still be re-issued)."""
    if batch.status == Batch.Status.PAYING and not Payment.objects.filter(
            batch=batch, status__in=[Payment.Status.PENDING, Payment.Status.SENT]).exists():
        counts = Payment.objects.filter(batch=batch).aggregate(
            paid=Count("id", filter=Q(status=Payment.Status.PAID)),
            paid_amount=Sum("amount", filter=Q(status=Payment.Status.PAID)),
            failed=Count("id", filter=Q(status=Payment.Status.FAILED)),
        )
        batch.status = Batch.Status.PAID
        batch.paid_count = counts["paid"]
        batch.paid_amount = counts["paid_amount"] or 0
        batch.failed_count = counts["failed"]
        batch.progress = 100
        batch.finished_at = timezone.now()
        batch.error = ""
        batch.save(update_fields=["status", "paid_count", "paid_amount", "failed_count", "progress", "finished_at",
                                  "error"])
        audit(actor=actor, action=AuditAction.BATCH_PAID, obj=batch, region_code=batch.region_id,
              before={"status": Batch.Status.PAYING},
              after={"status": batch.status, "paid_count": batch.paid_count, "paid_amount": batch.paid_amount,
                     "failed_count": batch.failed_count})
    return batch
