"""The monthly payroll (低保金、特困供养金按月发放): on each region's pay day (AssistanceRule.pay_day) the beat
job `assistance.monthly_payroll` makes and builds that month's batch of the province's monthly scheme.

The system is the maker (created_by empty), so any approver may approve it (maker-checker as for the
heating top-ups); approval and payout are the batch machinery's (batch_approve, batch_pay, the bank).
One live batch per (scheme, region, month) is a database constraint, and one line per (scheme, month,
person) the payment key, so two runs at once make one batch and nobody is paid twice for a month.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from portal.models import Region
from portal.money import MAX_FEN
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import AssistanceRule, Batch, Category, HouseholdEnrolment, Scheme
from .batches import batch_build

MONTHLY_CATEGORIES = [Category.DIBAO, Category.TEKUN]


def monthly_scheme(*, region: str) -> Scheme:
    """The monthly scheme of `region`'s province (made on first use; one per province by constraint). Its
    budget is the ceiling: monthly assistance is an entitlement, not a capped campaign."""
    province = region[:2] + "0000"
    try:
        with transaction.atomic():
            scheme, _created = Scheme.objects.get_or_create(
                kind=Scheme.Kind.MONTHLY, region_id=province,
                defaults={"name": f"{Region.objects.get(code=province).name}城乡低保和特困人员救助供养金月度发放",
                          "unit": Scheme.Unit.PERSON, "categories": MONTHLY_CATEGORIES, "budget": MAX_FEN,
                          "deadline": dt.date(2099, 12, 31), "months": 1})
    except IntegrityError:  # made at the same moment by another run
        scheme = Scheme.objects.get(kind=Scheme.Kind.MONTHLY, region_id=province)
    return scheme


def payroll_run(*, region: str, month: str, on: dt.date | None = None) -> Batch:
    """Make (once) and build `region`'s payroll batch for `month` ("YYYY-MM"). A second run for the same
    region and month returns the batch already made (also when two runs race: the constraint
    `batch_one_payroll_per_region_month` lets one insert win). An empty batch is cancelled at once."""
    on = on or timezone.localdate()
    scheme = monthly_scheme(region=region)
    live = Batch.objects.filter(scheme=scheme, region_id=region, payroll_month=month).exclude(
        status=Batch.Status.CANCELLED)
    batch = live.first()
    if batch is None:
        try:
            with transaction.atomic():
                batch = Batch.objects.create(
                    scheme=scheme, region_id=region, period=month, built_on=on, created_by=None,
                    payroll_month=month, channel=getattr(settings, "ASSISTANCE_PAYMENT_CHANNEL", "simulated"))
                audit(actor=None, action=AuditAction.PAYROLL_CREATE, obj=batch, region_code=region,
                      after={"scheme": scheme.pk, "month": month})
        except IntegrityError:
            return live.get()
    batch = batch_build(batch_id=batch.pk)
    if batch.status == Batch.Status.DRAFT and batch.recipient_count == 0:
        Batch.objects.filter(pk=batch.pk, status=Batch.Status.DRAFT).update(
            status=Batch.Status.CANCELLED, finished_at=timezone.now())
        batch.refresh_from_db()
    return batch


def pay_day_regions(on: dt.date) -> list[str]:
    """Regions whose rule in force on `on` (their own newest) has today as pay day."""
    out = []
    newest: dict[str, AssistanceRule] = {}
    for rule in AssistanceRule.objects.filter(effective_from__lte=on).order_by("region_id", "-effective_from"):
        newest.setdefault(rule.region_id, rule)
    for code, rule in sorted(newest.items()):
        if rule.pay_day == on.day:
            out.append(code)
    return out


def monthly_payroll(*, on: dt.date | None = None) -> list[int]:
    """The daily beat job: close finished gradual exits, then for each region whose pay day is today,
    make and build this month's payroll batch. Returns the ids of the batches with recipients."""
    on = on or timezone.localdate()
    HouseholdEnrolment.objects.filter(status=HouseholdEnrolment.Status.EXITING, end__lt=on).update(
        status=HouseholdEnrolment.Status.STOPPED)
    made = []
    for region in pay_day_regions(on):
        batch = payroll_run(region=region, month=on.strftime("%Y-%m"), on=on)
        if batch.status != Batch.Status.CANCELLED:
            made.append(batch.pk)
    return made
