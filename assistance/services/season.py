"""The heating season: monthly re-verification (动态核对) of draft batches and the monthly top-up batches
(按月发放) of heating schemes. Both are steps of the beat job `assistance.heating_topup`: system work,
with no actor."""

import datetime as dt

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.services import audit

from ..audit_actions import AuditAction
from ..channels import channel_for_form
from ..models import Batch, Enrolment, Payment, Scheme
from .batches import batch_build
from .build_sql import eligible_exists_sql


def batch_reverify(*, batch_id: int, on: dt.date | None = None) -> int:
    """动态核对 of a draft batch: pending payments whose recipient died, moved away or lost the
    enrolment are cancelled (set-based); the batch's totals are recomputed. Returns how many."""
    day = (on or timezone.localdate()).isoformat()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("scheme").get(pk=batch_id)
        if batch.status != Batch.Status.DRAFT:
            return 0
        exists_sql, cats = eligible_exists_sql(batch.scheme.unit, list(batch.scheme.categories))
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        sql = (f"UPDATE {Payment._meta.db_table} SET status = %s, reason = %s, updated_at = %s"
               f" WHERE id IN (SELECT pay.id FROM {Payment._meta.db_table} pay WHERE pay.batch_id = %s"
               f" AND pay.status = %s AND NOT {exists_sql})")
        params = [Payment.Status.CANCELLED, _("动态核对：已不符合条件"), now, batch.pk, Payment.Status.PENDING,
                  day, *cats, Enrolment.Status.REVOKED, day, day]
        with connection.cursor() as cur:
            cur.execute(sql, params)
            n = max(cur.rowcount, 0)
        if n:
            totals = Payment.objects.filter(batch=batch).exclude(status=Payment.Status.CANCELLED).aggregate(
                n=Count("id"), total=Sum("amount"))
            before = {"recipient_count": batch.recipient_count, "total_amount": batch.total_amount}
            batch.recipient_count, batch.total_amount = totals["n"] or 0, totals["total"] or 0
            batch.save(update_fields=["recipient_count", "total_amount"])
            audit(actor=None, action=AuditAction.BATCH_REVERIFY, obj=batch, region_code=batch.region_id,
                  before=before, after={"recipient_count": batch.recipient_count, "total_amount": batch.total_amount,
                                        "cancelled": n})
    return n


def heating_topup(*, month: str | None = None, on: dt.date | None = None) -> list[int]:
    """The monthly beat job for heating schemes in season (按月发放 after 动态核对):

    1. re-verify every draft heating batch (batch_reverify);
    2. for each region where a heating scheme already has a non-cancelled batch, build a top-up
       batch for `month` (system-made: created_by empty, any approver may approve). The payment key
       (scheme, period, recipient) is the season's, so only people not yet in any batch of the scheme
       are picked up — nobody is paid twice. Empty top-ups are cancelled at once. Running it again
       for the same month does nothing new. Returns the ids of the top-up batches with recipients.
    """
    today = on or timezone.localdate()
    month = month or today.strftime("%Y-%m")
    schemes = Scheme.objects.filter(kind=Scheme.Kind.HEATING).filter(
        Q(campaign__isnull=True) | Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=today))
    made = []
    for scheme in schemes:
        for batch_id in Batch.objects.filter(scheme=scheme, status=Batch.Status.DRAFT).values_list("id", flat=True):
            batch_reverify(batch_id=batch_id, on=today)
        live = Batch.objects.filter(scheme=scheme).exclude(status=Batch.Status.CANCELLED)
        regions = sorted(set(live.filter(topup_month="").values_list("region_id", flat=True)))
        channel = channel_for_form(scheme.payment_form)  # a fee-waiver top-up goes to the heating company's list
        for region in regions if channel else []:
            with transaction.atomic():
                if Batch.objects.filter(scheme=scheme, region_id=region, topup_month=month).exists():
                    continue
                batch = Batch.objects.create(
                    scheme=scheme, region_id=region, period=live.filter(region_id=region).first().period,
                    built_on=today, created_by=None, topup_month=month,
                    channel=channel,
                )
                audit(actor=None, action=AuditAction.TOPUP_CREATE, obj=batch, region_code=region,
                      after={"scheme": scheme.pk, "month": month})
            batch = batch_build(batch_id=batch.pk)
            if batch.recipient_count == 0:
                Batch.objects.filter(pk=batch.pk, status=Batch.Status.DRAFT).update(
                    status=Batch.Status.CANCELLED, finished_at=timezone.now())
            else:
                made.append(batch.pk)
    return made
