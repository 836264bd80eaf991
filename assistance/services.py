"""Every write of winter relief. One transaction each, audited; keyword-only arguments incl. the actor.

Service names (also used by tasks, views, API, admin actions and the lead's fault tests):
    household_create, member_add, member_move, enrolment_create, scheme_create,
    batch_create, batch_build, batch_approve, batch_pay, batch_cancel,
    payment_reissue, payment_cancel, bank_result_apply
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import idnumber
from portal.models import Person, Region, Role, code_range
from portal.queue import enqueue, publish
from portal.scoping import region_in_scope
from portal.services import audit, person_get_or_create, person_name_matches

from .models import (
    Area,
    Batch,
    Campaign,
    Category,
    Enrolment,
    Household,
    Member,
    Payment,
    PaymentAttempt,
    Scheme,
)


def build_chunk_size() -> int:
    return int(getattr(settings, "ASSISTANCE_BUILD_CHUNK", 20000))


def pay_chunk_size() -> int:
    return int(getattr(settings, "ASSISTANCE_PAY_CHUNK", 10000))


def _require_region(actor, region_code: str) -> None:
    if not region_in_scope(actor, region_code):
        raise PermissionDenied(_("该区域不在您的管辖范围内。"))


def _require_role(actor, *roles) -> None:
    if not actor.has_role(*roles):
        raise PermissionDenied(_("您的角色无权执行此操作。"))


# --------------------------------------------------------------------------- registry


def _member_person(*, name: str, id_number: str, field: str = "members") -> Person:
    try:
        number = idnumber.validate_id_number(id_number)
    except ValidationError as exc:
        raise ValidationError({field: [f"{name or ''} {m}".strip() for m in exc.messages]}) from None
    existing = Person.objects.filter(id_number=number).first()
    if existing is not None and existing.name and name and not person_name_matches(existing, name):
        raise ValidationError(
            {field: [_("身份证号码 %(id)s 登记的姓名与“%(name)s”不一致。") % {"id": idnumber.mask(number), "name": name}]}
        )
    person = existing or person_get_or_create(id_number=number, name=name)
    if Member.objects.filter(person=person, left_on__isnull=True).exists():
        raise ValidationError(
            {field: [_("%(name)s（%(id)s）已是另一家庭的成员，请先办理迁出。") % {"name": name or person.name, "id": person.masked_id}]}
        )
    return person


@transaction.atomic
def household_create(*, region: str, area: str, address: str, members: list[dict], actor,
                     bank_account: str = "") -> Household:
    """A household with its members. Any bad member (ID number, name mismatch, already in another
    household) raises ValidationError and nothing is saved."""
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, region)
    if area not in Area.values:
        raise ValidationError({"area": [_("请选择城市或农村。")]})
    if not (address or "").strip():
        raise ValidationError({"address": [_("请填写住址。")]})
    if not members:
        raise ValidationError({"members": [_("请至少登记一名家庭成员。")]})
    numbers = [idnumber.normalize(m.get("id_number", "")) for m in members]
    if len(set(numbers)) != len(numbers):
        raise ValidationError({"members": [_("同一身份证号码不能重复登记。")]})
    if sum(1 for m in members if m.get("relation") == Member.Relation.HEAD) > 1:
        raise ValidationError({"members": [_("一户只能有一名户主。")]})
    bank_account = (bank_account or "").replace(" ", "")
    if bank_account and not bank_account.isdigit():
        raise ValidationError({"bank_account": [_("银行账号只能包含数字。")]})
    persons = []
    for m in members:
        if m.get("relation") not in Member.Relation.values:
            raise ValidationError({"members": [_("与户主关系无效。")]})
        persons.append((_member_person(name=(m.get("name") or "").strip(), id_number=m.get("id_number", "")), m["relation"]))
    household = Household.objects.create(
        region_id=region, area=area, address=address.strip(), bank_account=bank_account, created_by=actor,
    )
    today = timezone.localdate()
    try:
        with transaction.atomic():
            Member.objects.bulk_create(
                [Member(household=household, person=p, relation=rel, joined_on=today) for p, rel in persons]
            )
    except IntegrityError:
        raise ValidationError({"members": [_("有成员刚被登记到另一家庭，请刷新后重试。")]}) from None
    head = next((p for p, rel in persons if rel == Member.Relation.HEAD), persons[0][0])
    household.head = head
    household.save(update_fields=["head", "updated_at"])
    audit(actor=actor, action="assistance.household_create", obj=household, region_code=region,
          after={"area": area, "members": len(persons)})
    return household


@transaction.atomic
def member_add(*, household: Household, name: str, id_number: str, relation: str, actor) -> Member:
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, household.region_id)
    if relation not in Member.Relation.values:
        raise ValidationError({"relation": [_("与户主关系无效。")]})
    person = _member_person(name=name, id_number=id_number, field="id_number")
    try:
        with transaction.atomic():
            member = Member.objects.create(household=household, person=person, relation=relation,
                                           joined_on=timezone.localdate())
    except IntegrityError:
        raise ValidationError({"id_number": [_("该人员已是另一家庭的成员。")]}) from None
    audit(actor=actor, action="assistance.member_add", obj=member, region_code=household.region_id,
          after={"household": household.pk, "relation": relation})
    return member


@transaction.atomic
def member_move(*, person: Person, to_household: Household, relation: str, actor) -> Member:
    """Explicitly move a person from their current household to another (audited)."""
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, to_household.region_id)
    if relation not in Member.Relation.values:
        raise ValidationError({"relation": [_("与户主关系无效。")]})
    current = Member.objects.select_for_update().select_related("household").filter(
        person=person, left_on__isnull=True).first()
    if current is not None:
        _require_region(actor, current.household.region_id)
        if current.household_id == to_household.pk:
            raise ValidationError(_("该人员已在此家庭中。"))
        current.left_on = timezone.localdate()
        current.save(update_fields=["left_on"])
    member = Member.objects.create(household=to_household, person=person, relation=relation,
                                   joined_on=timezone.localdate())
    audit(actor=actor, action="assistance.member_move", obj=member, region_code=to_household.region_id,
          before={"household": current.household_id if current else None},
          after={"household": to_household.pk, "relation": relation})
    return member


@transaction.atomic
def enrolment_create(*, id_number: str, category: str, monthly_amount: int, start: dt.date,
                     end: dt.date | None = None, actor) -> Enrolment:
    """A new enrolment. An open enrolment of the same category that began earlier is ended the day
    before (kept as history, never rewritten into the new one); one that began on/after `start` is a
    conflict. A caseworker acts; a person outside their region is refused as unregistered (400)."""
    _require_role(actor, Role.CASEWORKER)
    return enrolment_record(id_number=id_number, category=category, monthly_amount=monthly_amount, start=start,
                            end=end, actor=actor)


def _current_member(id_number: str) -> Member | None:
    try:
        number = idnumber.validate_id_number(id_number)
    except ValidationError:
        return None
    return Member.objects.select_related("household", "person").filter(
        person__id_number=number, left_on__isnull=True).first()


def enrolment_record(*, id_number: str, category: str, monthly_amount: int, start: dt.date,
                     end: dt.date | None = None, actor) -> Enrolment:
    """The enrolment itself, without the permission gate: for a service that has already decided who may
    act (an approver confirming an application), so the audit row names the person who did. The person
    must be a current member of a household within the actor's region. Call inside a transaction."""
    if category not in Category.values:
        raise ValidationError({"category": [_("救助类别无效。")]})
    if monthly_amount < 0:
        raise ValidationError({"monthly_amount": [_("金额不能为负数。")]})
    if end is not None and end < start:
        raise ValidationError({"end": [_("终止日期不能早于起始日期。")]})
    idnumber.validate_id_number(id_number)
    member = _current_member(id_number)
    if member is None or not region_in_scope(actor, member.household.region_id):
        raise ValidationError({"id_number": [_("该人员未登记在您辖区内的家庭中，请先登记家庭。")]})
    person = member.person
    overlapping = list(
        Enrolment.objects.select_for_update().filter(person=person, category=category)
        .exclude(status=Enrolment.Status.REVOKED).filter(Q(end__isnull=True) | Q(end__gte=start))
    )
    for old in overlapping:
        if old.start >= start:
            raise ValidationError({"start": [_("与已有的认定记录（%(start)s 起）重叠。") % {"start": old.start.isoformat()}]})
    for old in overlapping:
        before = {"end": old.end, "status": old.status}
        old.end = start - dt.timedelta(days=1)
        old.status = Enrolment.Status.ENDED
        old.save(update_fields=["end", "status"])
        audit(actor=actor, action="assistance.enrolment_end", obj=old, region_code=old.region_id,
              before=before, after={"end": old.end, "status": old.status})
    enrolment = Enrolment.objects.create(
        person=person, household=member.household, region_id=member.household.region_id, category=category,
        monthly_amount=monthly_amount, start=start, end=end, created_by=actor,
    )
    audit(actor=actor, action="assistance.enrolment_create", obj=enrolment, region_code=enrolment.region_id,
          after={"category": category, "monthly_amount": monthly_amount, "start": start, "end": end})
    return enrolment


# --------------------------------------------------------------------------- schemes


@transaction.atomic
def scheme_create(*, name: str, kind: str, region: str, unit: str, categories: list[str], urban_amount: int,
                  rural_amount: int, budget: int, deadline: dt.date, actor, months: int = 1,
                  payment_form: str = Scheme.PaymentForm.BANK, campaign: Campaign | None = None,
                  campaign_name: str = "") -> Scheme:
    """A scheme, optionally in a campaign given as an object or by name (made if new, only when the
    scheme itself is valid: a refused scheme leaves no campaign behind)."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, region)
    errors = {}
    if kind not in Scheme.Kind.values:
        errors["kind"] = [_("项目类型无效。")]
    if unit not in Scheme.Unit.values:
        errors["unit"] = [_("发放单位无效。")]
    cats = list(dict.fromkeys(categories or []))
    if not cats or any(c not in Category.values for c in cats):
        errors["categories"] = [_("请选择至少一个有效的救助类别。")]
    if months is None or months < 1 or months > 12:
        errors["months"] = [_("月数应在1到12之间。")]
    if min(urban_amount, rural_amount, budget) < 0:
        errors["budget"] = [_("金额不能为负数。")]
    if payment_form not in Scheme.PaymentForm.values:
        errors["payment_form"] = [_("发放形式无效。")]
    if not (name or "").strip():
        errors["name"] = [_("请填写项目名称。")]
    if errors:
        raise ValidationError(errors)
    if campaign is None and (campaign_name or "").strip():
        campaign = Campaign.objects.get_or_create(name=campaign_name.strip())[0]
    scheme = Scheme.objects.create(
        name=name.strip(), kind=kind, region_id=region, unit=unit, categories=cats, urban_amount=urban_amount,
        rural_amount=rural_amount, months=months, budget=budget, deadline=deadline, payment_form=payment_form,
        campaign=campaign, created_by=actor,
    )
    audit(actor=actor, action="assistance.scheme_create", obj=scheme, region_code=region,
          after={"kind": kind, "unit": unit, "categories": cats, "urban_amount": urban_amount,
                 "rural_amount": rural_amount, "months": months, "budget": budget})
    return scheme


# --------------------------------------------------------------------------- batches: create and build


def _ranges_nest(a: str, b: str) -> bool:
    alo, ahi = code_range(a)
    blo, bhi = code_range(b)
    return (alo <= blo and bhi <= ahi) or (blo <= alo and ahi <= bhi)


@transaction.atomic
def batch_create(*, scheme: Scheme, region: str, actor, period: str = "once",
                 built_on: dt.date | None = None) -> Batch:
    """A batch in `building`; the recipient list is built by the task `assistance.build_batch`."""
    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, region)
    if not Region.objects.filter(code=region).exists():
        raise ValidationError({"region": [_("未知的行政区划代码。")]})
    if not _ranges_nest(scheme.region_id, region):
        raise ValidationError({"region": [_("批次区域必须在救助项目的实施区域之内。")]})
    batch = Batch.objects.create(
        scheme=scheme, region_id=region, period=period or "once", built_on=built_on or timezone.localdate(),
        created_by=actor, channel=getattr(settings, "ASSISTANCE_PAYMENT_CHANNEL", "simulated"),
    )
    audit(actor=actor, action="assistance.batch_create", obj=batch, region_code=region,
          after={"scheme": scheme.pk, "status": batch.status, "period": batch.period})
    enqueue("assistance.build_batch", batch.pk)
    return batch


def _tables():
    return {
        "payment": Payment._meta.db_table,
        "member": Member._meta.db_table,
        "household": Household._meta.db_table,
        "person": Person._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
    }


def _build_bounds(batch: Batch) -> tuple[int, int]:
    """Smallest and largest chunk key (person id or household id) that can be in this batch."""
    t = _tables()
    lo, hi = _effective_region_range(batch)
    if batch.scheme.unit == Scheme.Unit.HOUSEHOLD:
        sql = f"SELECT MIN(h.id), MAX(h.id) FROM {t['household']} h WHERE h.region_id BETWEEN %s AND %s"
    else:
        sql = (f"SELECT MIN(m.person_id), MAX(m.person_id) FROM {t['member']} m "
               f"JOIN {t['household']} h ON h.id = m.household_id "
               f"WHERE m.left_on IS NULL AND h.region_id BETWEEN %s AND %s")
    with connection.cursor() as cur:
        cur.execute(sql, [lo, hi])
        row = cur.fetchone()
    return (row[0] or 0), (row[1] or 0)


def _effective_region_range(batch: Batch) -> tuple[str, str]:
    blo, bhi = code_range(batch.region_id)
    slo, shi = code_range(batch.scheme.region_id)
    return max(blo, slo), min(bhi, shi)


def _insert_chunk(batch: Batch, key_lo: int, key_hi: int) -> int:
    """INSERT … SELECT of the eligible recipients whose key is in [key_lo, key_hi]. Returns rows inserted.

    Eligible: a current household member, alive on the build date, whose household lies in the
    batch's region and the scheme's region, holding an enrolment in one of the scheme's categories
    active on the build date (not revoked, start <= date <= end). Already in a non-cancelled payment
    of this scheme and period -> skipped (NOT EXISTS). The partial unique indexes on (scheme, period,
    person|household) are the guarantee: if a concurrent build of the same scheme commits the same
    recipient first, this INSERT fails with IntegrityError and batch_build retries the chunk, whose
    NOT EXISTS then skips them. (No ON CONFLICT: its speculative insertion costs ~30-50% per row.)

    Amount: heating/one_time pay the urban or rural standard by the household's area.
    extra_month/advance pay `months` × the recipient's OWN monthly amount: for a person, the sum of
    their enrolments in the scheme's categories active on the date (normally exactly one); for a
    household, the sum of those amounts over all its eligible members (each member's own benefit).
    """
    scheme = batch.scheme
    t = _tables()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = batch.built_on.isoformat()
    rlo, rhi = _effective_region_range(batch)
    cats = list(scheme.categories)
    cat_ph = ", ".join(["%s"] * len(cats))
    if scheme.uses_own_amount:
        amount_sql, amount_params = "%s * SUM(e.monthly_amount)", [scheme.months]
    else:
        amount_sql, amount_params = "CASE WHEN h.area = %s THEN %s ELSE %s END", [
            Area.URBAN, scheme.urban_amount, scheme.rural_amount]
    common_where = (
        f" AND m.left_on IS NULL AND h.region_id BETWEEN %s AND %s"
        f" AND (p.deceased_on IS NULL OR p.deceased_on > %s)"
        f" AND e.category IN ({cat_ph}) AND e.status <> %s AND e.start_date <= %s"
        f" AND (e.end_date IS NULL OR e.end_date >= %s)"
    )
    common_params = [rlo, rhi, day, *cats, Enrolment.Status.REVOKED, day, day]
    insert = (
        f"INSERT INTO {t['payment']} (batch_id, scheme_id, period, household_id, person_id, region_id, name,"
        f" id_number, amount, category, status, attempts, reason, created_at, updated_at)"
    )
    if scheme.unit == Scheme.Unit.HOUSEHOLD:
        sql = (
            f"{insert} SELECT %s, %s, %s, h.id, NULL, h.region_id, COALESCE(hp.name, ''), COALESCE(hp.id_number, ''),"
            f" {amount_sql}, MIN(e.category), %s, 0, '', %s, %s"
            f" FROM {t['household']} h"
            f" JOIN {t['member']} m ON m.household_id = h.id"
            f" JOIN {t['person']} p ON p.id = m.person_id"
            f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
            f" LEFT JOIN {t['person']} hp ON hp.id = h.head_id"
            f" WHERE h.id BETWEEN %s AND %s AND m.household_id BETWEEN %s AND %s{common_where}"
            f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s AND x.period = %s"
            f" AND x.household_id BETWEEN %s AND %s"
            f" AND x.household_id = h.id AND x.person_id IS NULL AND x.status <> %s)"
            f" GROUP BY h.id, h.region_id, h.area, hp.name, hp.id_number"
        )
    else:
        sql = (
            f"{insert} SELECT %s, %s, %s, m.household_id, m.person_id, h.region_id, p.name, p.id_number,"
            f" {amount_sql}, MIN(e.category), %s, 0, '', %s, %s"
            f" FROM {t['member']} m"
            f" JOIN {t['household']} h ON h.id = m.household_id"
            f" JOIN {t['person']} p ON p.id = m.person_id"
            f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
            f" WHERE m.person_id BETWEEN %s AND %s AND p.id BETWEEN %s AND %s AND e.person_id BETWEEN %s AND %s"
            f"{common_where}"
            f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s AND x.period = %s"
            f" AND x.person_id BETWEEN %s AND %s"
            f" AND x.person_id = m.person_id AND x.status <> %s)"
            f" GROUP BY m.household_id, m.person_id, h.region_id, h.area, p.name, p.id_number"
        )
    # The key range is repeated on every table it bounds (member/person or household, and the
    # NOT EXISTS probe), so each chunk reads only its own slice — no full scans, no cost growing with
    # the rows already inserted by earlier chunks.
    key_params = [key_lo, key_hi, key_lo, key_hi]
    if scheme.unit != Scheme.Unit.HOUSEHOLD:
        key_params += [key_lo, key_hi]  # the enrolment side of the join is bounded too (measured -13%)
    params = [batch.pk, scheme.pk, batch.period, *amount_params, Payment.Status.PENDING, now, now,
              *key_params, *common_params, scheme.pk, batch.period, key_lo, key_hi,
              Payment.Status.CANCELLED]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)


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
        lo, hi = _build_bounds(batch)
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
                    _insert_chunk(locked, key_lo, key_hi)
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
        audit(actor=None, action="assistance.batch_built", obj=locked, region_code=locked.region_id,
              before={"status": Batch.Status.BUILDING},
              after={"status": locked.status, "recipient_count": locked.recipient_count,
                     "total_amount": locked.total_amount})
    _analyze_after_bulk(Payment, locked.recipient_count)
    return locked


BULK_ANALYZE_ROWS = 10_000


def _analyze_after_bulk(model, rows: int) -> None:
    """After a bulk write, refresh the planner's statistics now rather than whenever autovacuum gets to
    it. Measured at 1M: a payout approved right after its batch was built planned each 10,000-row
    chunk read as if the batch were empty and scanned the whole batch every time (1.2 s a chunk, vs
    20 ms once analysed)."""
    if rows >= BULK_ANALYZE_ROWS and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {model._meta.db_table}")


# --------------------------------------------------------------------------- approval and payout


@transaction.atomic
def batch_approve(*, batch: Batch, actor) -> Batch:
    """Maker-checker: an approver who did not create the batch. Reserves the scheme's budget under a
    row lock (400 when it would exceed it) and queues the payout."""
    if not actor.has_role(Role.APPROVER):
        raise PermissionDenied(_("只有审批人员可以审批发放批次。"))
    _require_region(actor, batch.region_id)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.created_by_id == actor.pk:
        raise PermissionDenied(_("制单人不能审批自己创建的批次。"))
    if batch.status != Batch.Status.DRAFT:
        raise ValidationError(_("只有待审批的批次可以审批（当前状态：%(s)s）。") % {"s": batch.get_status_display()})
    scheme = Scheme.objects.select_for_update().get(pk=batch.scheme_id)
    if scheme.reserved + scheme.paid + batch.total_amount > scheme.budget:
        raise ValidationError(
            _("超出项目预算：预算 %(budget)s 元，已占用 %(used)s 元，本批次 %(total)s 元。") % {
                "budget": _yuan(scheme.budget), "used": _yuan(scheme.reserved + scheme.paid),
                "total": _yuan(batch.total_amount)}
        )
    Scheme.objects.filter(pk=scheme.pk).update(reserved=F("reserved") + batch.total_amount)
    before = {"status": batch.status}
    batch.status = Batch.Status.APPROVED
    batch.approved_by = actor
    batch.approved_at = timezone.now()
    batch.progress = 0
    batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["status", "approved_by", "approved_at", "progress", "heartbeat_at"])
    audit(actor=actor, action="assistance.batch_approve", obj=batch, region_code=batch.region_id, before=before,
          after={"status": batch.status, "reserved": batch.total_amount})
    enqueue("assistance.pay_batch", batch.pk)
    return batch


def _yuan(fen: int) -> str:
    from portal.money import yuan_str

    return yuan_str(fen)


def _apply_results(batch_id: int, channel: str, results: list[tuple[int, str, str, str]]) -> tuple[int, int]:
    """Record a chunk of channel outcomes set-based: (payment_id, outcome, reference, message).

    Only payments still `pending` change; paid money moves from the scheme's reserved to paid.
    Returns (newly paid, newly failed). Call inside a transaction holding the batch row lock.
    On PostgreSQL one statement does it (`_apply_results_pg`); elsewhere the ORM path below.
    """
    if not results:
        return 0, 0
    if connection.vendor == "postgresql":
        paid, paid_sum, failed = _apply_results_pg(channel, results)
        _count_results(batch_id, paid, paid_sum, failed)
        return paid, failed
    now = timezone.now()
    live = set(Payment.objects.filter(id__in=[r[0] for r in results], status=Payment.Status.PENDING)
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
            status=Payment.Status.PAID, attempts=F("attempts") + 1, paid_at=now, reason="", updated_at=now)
    by_message: dict[str, list[int]] = {}
    for pid, _o, _r, msg in failed:
        by_message.setdefault(msg[:255], []).append(pid)
    for msg, ids in by_message.items():
        Payment.objects.filter(id__in=ids).update(
            status=Payment.Status.FAILED, attempts=F("attempts") + 1, reason=msg, updated_at=now)
    if sent_ids:
        Payment.objects.filter(id__in=sent_ids).update(attempts=F("attempts") + 1, updated_at=now)
    _count_results(batch_id, len(paid_ids), paid_sum, len(failed))
    return len(paid_ids), len(failed)


def _count_results(batch_id: int, paid: int, paid_sum: int, failed: int) -> None:
    if paid or failed:
        scheme_id = Batch.objects.filter(pk=batch_id).values_list("scheme_id", flat=True).get()
        Batch.objects.filter(pk=batch_id).update(
            paid_count=F("paid_count") + paid, paid_amount=F("paid_amount") + paid_sum,
            failed_count=F("failed_count") + failed)
        if paid_sum:
            Scheme.objects.filter(pk=scheme_id).update(paid=F("paid") + paid_sum, reserved=F("reserved") - paid_sum)


def _apply_results_pg(channel: str, results: list[tuple[int, str, str, str]]) -> tuple[int, int, int]:
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
        " status = CASE r.outcome WHEN %s THEN %s WHEN %s THEN %s ELSE p.status END,"
        " attempts = p.attempts + 1,"
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
              paid_s, now, paid_s, failed_s, now, Payment.Status.PENDING.value,
              channel, now, paid_s, paid_s, failed_s]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        paid, paid_sum, failed = cur.fetchone()
    return paid, int(paid_sum), failed


def _finish_if_done(batch: Batch, actor=None) -> Batch:
    """paying -> paid once nothing is pending (failed ones may still be re-issued)."""
    if batch.status == Batch.Status.PAYING and not Payment.objects.filter(
            batch=batch, status=Payment.Status.PENDING).exists():
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
        audit(actor=actor, action="assistance.batch_paid", obj=batch, region_code=batch.region_id,
              before={"status": Batch.Status.PAYING},
              after={"status": batch.status, "paid_count": batch.paid_count, "paid_amount": batch.paid_amount,
                     "failed_count": batch.failed_count})
    return batch


def batch_pay(*, batch_id: int, max_chunks: int | None = None) -> Batch:
    """Pay an approved (or resume a paying) batch: pending payments in id order, chunk by chunk,
    through the batch's PaymentChannel. Each chunk's outcomes are recorded in one transaction under
    the batch row lock, and only still-pending payments change, so a retried or resumed task never
    pays anyone twice. The batch ends `paid` when nothing is pending."""
    from .channels import get_channel

    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in (Batch.Status.APPROVED, Batch.Status.PAYING):
            return batch
        if batch.status == Batch.Status.APPROVED:
            batch.status = Batch.Status.PAYING
            batch.save(update_fields=["status"])
            audit(actor=None, action="assistance.batch_paying", obj=batch, region_code=batch.region_id,
                  before={"status": Batch.Status.APPROVED}, after={"status": batch.status})
    channel = get_channel(batch.channel)
    pending_total = Payment.objects.filter(batch_id=batch_id, status=Payment.Status.PENDING).count()
    size, last_id, done, chunks = pay_chunk_size(), 0, 0, 0
    while True:
        if max_chunks is not None and chunks >= max_chunks:
            return Batch.objects.get(pk=batch_id)
        rows = list(
            Payment.objects.filter(batch_id=batch_id, status=Payment.Status.PENDING, id__gt=last_id)
            .order_by("id").values("id", "name", "id_number", "amount", "attempts", "household__bank_account")[:size]
        )
        if not rows:
            break
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
            if rows:
                results = channel.submit(batch=locked, rows=rows)
                _apply_results(batch_id, channel.name, results)
            done += len(rows)
            Batch.objects.filter(pk=batch_id).update(progress=min(99, int(done * 100 / max(pending_total, 1))),
                                                     heartbeat_at=timezone.now())
        chunks += 1
    with transaction.atomic():
        batch = Batch.objects.select_for_update().get(pk=batch_id)
        return _finish_if_done(batch)


@transaction.atomic
def batch_cancel(*, batch: Batch, actor, reason: str = "") -> Batch:
    """Cancel a draft batch: its payments are cancelled, so their recipients may go into another batch."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, batch.region_id)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Batch.Status.DRAFT:
        raise ValidationError(_("只有待审批的批次可以取消。"))
    Payment.objects.filter(batch=batch).update(status=Payment.Status.CANCELLED, reason=reason[:255] or _("批次已取消"),
                                               updated_at=timezone.now())
    batch.status = Batch.Status.CANCELLED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    audit(actor=actor, action="assistance.batch_cancel", obj=batch, region_code=batch.region_id,
          before={"status": Batch.Status.DRAFT}, after={"status": batch.status}, note=reason)
    return batch


@transaction.atomic
def payment_reissue(*, payment: Payment, actor, note: str = "") -> Payment:
    """A failed payment goes back to pending (same payment, same identity, a new attempt) and the
    batch's payout task runs again."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, payment.region_id)
    batch = Batch.objects.select_for_update().get(pk=payment.batch_id)
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    if payment.status != Payment.Status.FAILED:
        raise ValidationError(_("只有发放失败的明细可以重新发放。"))
    payment.status = Payment.Status.PENDING
    payment.save(update_fields=["status", "updated_at"])
    PaymentAttempt.objects.create(payment=payment, channel=batch.channel, outcome=PaymentAttempt.Outcome.REISSUED,
                                  message=(note or "")[:255], at=timezone.now())
    batch.failed_count = max(0, batch.failed_count - 1)
    before_status = batch.status
    if batch.status == Batch.Status.PAID:
        batch.status = Batch.Status.PAYING
        batch.finished_at = None
    batch.heartbeat_at = timezone.now()
    batch.save(update_fields=["failed_count", "status", "finished_at", "heartbeat_at"])
    audit(actor=actor, action="assistance.payment_reissue", obj=payment, region_code=payment.region_id,
          before={"status": Payment.Status.FAILED, "batch_status": before_status},
          after={"status": payment.status, "batch_status": batch.status}, note=note)
    enqueue("assistance.pay_batch", batch.pk)
    return payment


@transaction.atomic
def payment_cancel(*, payment: Payment, actor, reason: str = "") -> Payment:
    """Cancel a pending or failed payment; its reserved money returns to the scheme's budget."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, payment.region_id)
    batch = Batch.objects.select_for_update().get(pk=payment.batch_id)
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
    audit(actor=actor, action="assistance.payment_cancel", obj=payment, region_code=payment.region_id,
          before={"status": before}, after={"status": payment.status, "amount": payment.amount}, note=reason)
    _finish_if_done(batch, actor)
    return payment


@transaction.atomic
def bank_result_apply(*, batch: Batch, rows: list[tuple[int, str, str, str]], actor) -> tuple[int, int]:
    """Apply a bank's result file (see channels.read_bank_result): marks pending payments paid/failed."""
    _require_role(actor, Role.CASEWORKER, Role.APPROVER)
    _require_region(actor, batch.region_id)
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if batch.status != Batch.Status.PAYING:
        raise ValidationError(_("只有发放中的批次可以导入银行回盘文件。"))
    valid = set(Payment.objects.filter(batch=batch, id__in=[r[0] for r in rows]).values_list("id", flat=True))
    paid, failed = _apply_results(batch.pk, "bank_file", [r for r in rows if r[0] in valid])
    batch.refresh_from_db()
    audit(actor=actor, action="assistance.bank_result_apply", obj=batch, region_code=batch.region_id,
          after={"paid": paid, "failed": failed})
    _finish_if_done(batch, actor)
    return paid, failed


# --------------------------------------------------------------------------- season: monthly re-verification


def _eligible_exists_sql(unit: str, cats: list[str]) -> tuple[str, list]:
    """SQL fragment (correlated to payment alias `pay`) that is true while the recipient is still eligible."""
    t = _tables()
    cat_ph = ", ".join(["%s"] * len(cats))
    link = "m.person_id = pay.person_id" if unit == Scheme.Unit.PERSON else "m.household_id = pay.household_id"
    sql = (
        f"EXISTS (SELECT 1 FROM {t['member']} m JOIN {t['person']} p ON p.id = m.person_id"
        f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
        f" JOIN {t['household']} h ON h.id = m.household_id"
        f" WHERE {link} AND m.left_on IS NULL AND h.region_id = pay.region_id"
        f" AND (p.deceased_on IS NULL OR p.deceased_on > %s)"
        f" AND e.category IN ({cat_ph}) AND e.status <> %s AND e.start_date <= %s"
        f" AND (e.end_date IS NULL OR e.end_date >= %s))"
    )
    return sql, cats


def batch_reverify(*, batch_id: int, on: dt.date | None = None) -> int:
    """动态核对 of a draft batch: pending payments whose recipient died, moved away or lost the
    enrolment are cancelled (set-based); the batch's totals are recomputed. Returns how many."""
    day = (on or timezone.localdate()).isoformat()
    with transaction.atomic():
        batch = Batch.objects.select_for_update().select_related("scheme").get(pk=batch_id)
        if batch.status != Batch.Status.DRAFT:
            return 0
        exists_sql, cats = _eligible_exists_sql(batch.scheme.unit, list(batch.scheme.categories))
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
            audit(actor=None, action="assistance.batch_reverify", obj=batch, region_code=batch.region_id,
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
        for region in regions:
            with transaction.atomic():
                if Batch.objects.filter(scheme=scheme, region_id=region, topup_month=month).exists():
                    continue
                batch = Batch.objects.create(
                    scheme=scheme, region_id=region, period=live.filter(region_id=region).first().period,
                    built_on=today, created_by=None, topup_month=month,
                    channel=getattr(settings, "ASSISTANCE_PAYMENT_CHANNEL", "simulated"),
                )
                audit(actor=None, action="assistance.topup_create", obj=batch, region_code=region,
                      after={"scheme": scheme.pk, "month": month})
            batch = batch_build(batch_id=batch.pk)
            if batch.recipient_count == 0:
                Batch.objects.filter(pk=batch.pk, status=Batch.Status.DRAFT).update(
                    status=Batch.Status.CANCELLED, finished_at=timezone.now())
            else:
                made.append(batch.pk)
    return made


@transaction.atomic
def household_update(*, household: Household, area: str, address: str, bank_account: str, actor) -> Household:
    """Edit a household's area, address and bank account (audited; the account is audited masked)."""
    from .models import mask_account

    _require_role(actor, Role.CASEWORKER)
    _require_region(actor, household.region_id)
    if area not in Area.values:
        raise ValidationError({"area": [_("请选择城市或农村。")]})
    if not (address or "").strip():
        raise ValidationError({"address": [_("请填写住址。")]})
    bank_account = (bank_account or "").replace(" ", "")
    if bank_account and not bank_account.isdigit():
        raise ValidationError({"bank_account": [_("银行账号只能包含数字。")]})
    household = Household.objects.select_for_update().get(pk=household.pk)
    before = {"area": household.area, "address": household.address, "bank_account": mask_account(household.bank_account)}
    household.area, household.address, household.bank_account = area, address.strip(), bank_account
    household.save(update_fields=["area", "address", "bank_account", "updated_at"])
    audit(actor=actor, action="assistance.household_update", obj=household, region_code=household.region_id,
          before=before, after={"area": area, "address": household.address, "bank_account": mask_account(bank_account)})
    return household


def member_move_by_id_number(*, id_number: str, to_household: Household, relation: str, actor) -> Member:
    """Move an already registered person (by ID number) into `to_household` (see member_move)."""
    number = idnumber.validate_id_number(id_number)
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise ValidationError({"id_number": [_("该身份证号码尚未登记，请使用“添加成员”。")]})
    return member_move(person=person, to_household=to_household, relation=relation, actor=actor)


def batch_note_error(*, batch_id: int, error: Exception) -> None:
    """Keep the last background error on the batch for the detail page (ID numbers scrubbed).
    The batch keeps its status: re-running the task (admin action "继续生成/发放") resumes it."""
    text = idnumber.scrub(f"{type(error).__name__}: {error}")[:2000]
    try:
        Batch.objects.filter(pk=batch_id).update(error=text)
    except Exception:  # the database itself may be what failed
        pass


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
        task = "assistance.build_batch" if status == Batch.Status.BUILDING else "assistance.pay_batch"
        Batch.objects.filter(pk=batch_id).update(heartbeat_at=timezone.now())
        if publish(task, batch_id):
            resumed.append(batch_id)
    return resumed
