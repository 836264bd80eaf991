"""回访核查: after a batch is paid, a random sample per district is drawn for confirmation by a visit or a
phone call, each answer recorded; a discrepancy opens a casework task.

The draw is one set-based INSERT … SELECT: each district's paid payments ranked by md5(seed || id) with a
window function, the first max(minimum, ⌈percent % of the district's paid count⌉) taken. The seed and the
rule are kept on the round, so anyone can draw the same sample again and compare.
"""

import secrets

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from assistance.models import Batch, Payment
from casework import services as casework_services
from portal.money import yuan_str
from portal.permissions import require
from portal.roles import CIVIL_STAFF
from portal.services import audit

from .. import rules
from ..audit_actions import AuditAction
from ..models import VerificationCheck, VerificationRound

A = VerificationCheck.Answer


def sample_sql() -> str:
    """The draw (PostgreSQL): params seed, batch id, paid status, minimum, percent, round id."""
    return f"""
        INSERT INTO {VerificationCheck._meta.db_table}
            (round_id, payment_id, region_id, household_id, person_id, amount, rank, answer, method, note)
        SELECT %(round)s, r.id, r.region_id, r.household_id, r.person_id, r.amount, r.rn, 'pending', '', ''
        FROM (
            SELECT p.id, p.region_id, p.household_id, p.person_id, p.amount,
                   row_number() OVER (PARTITION BY p.region_id ORDER BY md5(%(seed)s || p.id::text), p.id) AS rn,
                   count(*) OVER (PARTITION BY p.region_id) AS n
            FROM {Payment._meta.db_table} p
            WHERE p.batch_id = %(batch)s AND p.status = %(paid)s
        ) r
        WHERE r.rn <= GREATEST(%(minimum)s, CEIL(r.n * %(percent)s / 100.0))
    """


@transaction.atomic
def verification_draw(*, batch: Batch, actor, seed: str = "") -> VerificationRound:
    """Draw the sample of a paid batch, once. `seed` may be given (to repeat a draw elsewhere); by default a
    fresh random one, recorded."""
    require(actor, roles=CIVIL_STAFF, region=batch.region_id)
    b = Batch.objects.select_for_update().get(pk=batch.pk)
    if b.status != Batch.Status.PAID:
        raise ValidationError(_("只有发放完成的批次可以抽取回访核查样本。"))
    if VerificationRound.objects.filter(batch=b).exists():
        raise ValidationError(_("该批次已抽取回访核查样本。"))
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise ValidationError({"seed": [_("随机种子最长64个字符。")]})
    population = Payment.objects.filter(batch=b, status=Payment.Status.PAID).count()
    if not population:
        raise ValidationError(_("该批次没有已发放的明细。"))
    rnd = VerificationRound.objects.create(batch=b, region_id=b.region_id, seed=seed, percent=rules.verify_percent(),
                                           minimum=rules.verify_min(), population=population, drawn_by=actor)
    with connection.cursor() as cur:
        cur.execute(sample_sql(), {"round": rnd.pk, "seed": seed, "batch": b.pk, "paid": Payment.Status.PAID,
                                   "minimum": rnd.minimum, "percent": rnd.percent})
        rnd.sample_size = max(cur.rowcount, 0)
    rnd.save(update_fields=["sample_size"])
    audit(actor=actor, action=AuditAction.VERIFICATION_DRAW, obj=rnd, region_code=rnd.region_id,
          after={"batch": b.pk, "seed": seed, "percent": rnd.percent, "minimum": rnd.minimum,
                 "population": population, "sample_size": rnd.sample_size})
    return rnd


@transaction.atomic
def verification_record(*, check: VerificationCheck, actor, answer: str, method: str,
                        reported_amount: int | None = None, note: str = "") -> VerificationCheck:
    """One answer: received, amount differs (with the amount the person says), not received, or unknown
    person (nobody of that name at the address). A discrepancy opens a casework task for the district."""
    require(actor, roles=CIVIL_STAFF, region=check.region_id)
    c = VerificationCheck.objects.select_for_update(of=("self",)).select_related("round", "household").get(pk=check.pk)
    if c.answer != A.PENDING:
        raise ValidationError(_("该对象已登记回访结果。"))
    if answer not in A.values or answer == A.PENDING:
        raise ValidationError({"answer": [_("请选择回访结果。")]})
    if method not in VerificationCheck.Method.values:
        raise ValidationError({"method": [_("请选择回访方式。")]})
    if answer == A.AMOUNT_DIFFERS:
        if reported_amount is None:
            raise ValidationError({"reported_amount": [_("金额不符时须填写本人所述实收金额。")]})
        if reported_amount < 0:
            raise ValidationError({"reported_amount": [_("金额不能为负数。")]})
        if reported_amount == c.amount:
            raise ValidationError({"reported_amount": [_("所述金额与发放金额相同，请选择“已收到”。")]})
    elif reported_amount is not None:
        raise ValidationError({"reported_amount": [_("只有金额不符时填写实收金额。")]})
    if answer in VerificationCheck.DISCREPANCIES and not (note or "").strip():
        raise ValidationError({"note": [_("发现问题时请填写情况说明。")]})
    c.answer, c.method, c.reported_amount, c.note = answer, method, reported_amount, (note or "").strip()[:255]
    c.checked_by, c.checked_at = actor, timezone.now()
    # a household payment names no person: the task is about the household's head
    person = c.person if c.person_id is not None else c.household.head
    if answer in VerificationCheck.DISCREPANCIES and person is not None:
        c.case = casework_services.payment_check_case_open(
            person=person, household=c.household, region=c.region_id, period=f"vb{c.round.batch_id}",
            evidence={"batch": c.round.batch_id, "payment": c.payment_id, "answer": answer,
                      "amount": yuan_str(c.amount),
                      "reported_amount": "" if reported_amount is None else yuan_str(reported_amount),
                      "note": c.note},
            actor=actor)
    c.save(update_fields=["answer", "method", "reported_amount", "note", "checked_by", "checked_at", "case"])
    audit(actor=actor, action=AuditAction.VERIFICATION_RECORD, obj=c, region_code=c.region_id,
          after={"answer": answer, "method": method, "case": c.case_id})
    return c
