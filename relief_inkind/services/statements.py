"""Statements (结算单): what the portal owes a counterparty — a merchant for the vouchers it redeemed, a
heating company for the waivers it confirmed — drawn up by staff, settled by an approver who did not draw
it up. Drawing up claims the unsettled rows set-based, so no row is ever on two statements."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.permissions import CIVIL_STAFF, Role, require
from portal.services import audit

from ..audit_actions import AuditAction
from ..models import Merchant, Redemption, Statement
from ._shared import statement_number


@transaction.atomic
def merchant_statement_create(*, merchant: Merchant, actor, until: dt.datetime | None = None) -> Statement:
    """Every redemption of `merchant` up to `until` (now by default) not yet on a statement."""
    require(actor, roles=CIVIL_STAFF, region=merchant.region_id)
    until = until or timezone.now()
    merchant = Merchant.objects.select_for_update().get(pk=merchant.pk)  # one statement run per merchant at once
    open_rows = Redemption.objects.filter(merchant=merchant, statement__isnull=True, at__lte=until)
    totals = open_rows.aggregate(n=Count("id"), amount=Sum("amount"))
    if not totals["n"]:
        raise ValidationError(_("该商户在截止时间前没有待结算的核销记录。"))
    statement = Statement.objects.create(kind=Statement.Kind.MERCHANT, number=statement_number("JS"), merchant=merchant,
                                         region_id=merchant.region_id, until=until, created_by=actor)
    claimed = open_rows.update(statement=statement)
    amount = Redemption.objects.filter(statement=statement).aggregate(s=Sum("amount"))["s"] or 0
    statement.count, statement.amount = claimed, amount
    statement.save(update_fields=["count", "amount"])
    audit(actor=actor, action=AuditAction.STATEMENT_CREATE, obj=statement, region_code=statement.region_id,
          after={"kind": statement.kind, "merchant": merchant.code, "count": claimed, "amount": amount})
    return statement


@transaction.atomic
def statement_settle(*, statement: Statement, actor, reference: str = "") -> Statement:
    """The approver confirms the statement's amount was paid to the counterparty (maker-checker)."""
    require(actor, roles={Role.APPROVER}, message=_("只有审批人员可以确认结算。"))
    require(actor, region=statement.region_id)
    require(actor, not_user=statement.created_by_id, message=_("制单人不能确认自己生成的结算单。"))
    statement = Statement.objects.select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.DRAFT:
        raise ValidationError(_("该结算单已结算。"))
    reference = (reference or "").strip()
    if not reference:
        raise ValidationError({"reference": [_("请填写支付凭证号。")]})
    statement.status = Statement.Status.SETTLED
    statement.reference = reference[:64]
    statement.settled_by = actor
    statement.settled_at = timezone.now()
    statement.save(update_fields=["status", "reference", "settled_by", "settled_at"])
    audit(actor=actor, action=AuditAction.STATEMENT_SETTLE, obj=statement, region_code=statement.region_id,
          before={"status": Statement.Status.DRAFT},
          after={"status": statement.status, "amount": statement.amount, "reference": statement.reference})
    return statement
