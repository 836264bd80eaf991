"""The raw SQL of winter relief's bulk steps: the recipient list of a batch (chunked `INSERT … SELECT`),
the still-eligible test of re-verification, and the planner statistics after a bulk write.

Only the batch and season services call these; each runs inside the caller's transaction.
"""

from django.conf import settings
from django.db import connection
from django.utils import timezone

from portal.models import Person, code_range

from ..models import Area, Batch, Enrolment, Household, Member, PaidMonth, Payment, Scheme


def _no_bytes() -> str:
    """An empty bytea literal (a household without a head has no ID ciphertext to copy)."""
    return "''::bytea" if connection.vendor == "postgresql" else "X''"


def build_chunk_size() -> int:
    return int(getattr(settings, "ASSISTANCE_BUILD_CHUNK", 20000))


def tables():
    return {
        "payment": Payment._meta.db_table,
        "member": Member._meta.db_table,
        "household": Household._meta.db_table,
        "person": Person._meta.db_table,
        "enrolment": Enrolment._meta.db_table,
    }


def effective_region_range(batch: Batch) -> tuple[str, str]:
    blo, bhi = code_range(batch.region_id)
    slo, shi = code_range(batch.scheme.region_id)
    return max(blo, slo), min(bhi, shi)


def build_bounds(batch: Batch) -> tuple[int, int]:
    """Smallest and largest chunk key (person id or household id) that can be in this batch."""
    t = tables()
    lo, hi = effective_region_range(batch)
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


def insert_chunk(batch: Batch, key_lo: int, key_hi: int) -> int:
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
    if scheme.kind == Scheme.Kind.MONTHLY:
        return payroll_insert_chunk(batch, key_lo, key_hi)
    t = tables()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day = batch.built_on.isoformat()
    rlo, rhi = effective_region_range(batch)
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
        f" id_number_hmac, id_number_enc, id_number_masked, bank_account_hmac, bank_account_enc, bank_account_masked, payee_name, amount, category, status, attempts, reason, created_at, updated_at)"
    )
    if scheme.unit == Scheme.Unit.HOUSEHOLD:
        sql = (
            f"{insert} SELECT %s, %s, %s, h.id, NULL, h.region_id, COALESCE(hp.name, ''),"
            f" COALESCE(hp.id_number_hmac, ''), COALESCE(hp.id_number_enc, {_no_bytes()}), COALESCE(hp.id_number_masked, ''),"
            f" h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, COALESCE(hp.name, ''), {amount_sql}, MIN(e.category), %s, 0, '', %s, %s"
            f" FROM {t['household']} h"
            f" JOIN {t['member']} m ON m.household_id = h.id"
            f" JOIN {t['person']} p ON p.id = m.person_id"
            f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
            f" LEFT JOIN {t['person']} hp ON hp.id = h.head_id"
            f" WHERE h.id BETWEEN %s AND %s AND m.household_id BETWEEN %s AND %s{common_where}"
            f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s AND x.period = %s"
            f" AND x.household_id BETWEEN %s AND %s"
            f" AND x.household_id = h.id AND x.person_id IS NULL AND x.status <> %s)"
            f" GROUP BY h.id, h.region_id, h.area, h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, hp.name, hp.id_number_hmac, hp.id_number_enc, hp.id_number_masked"
        )
    else:
        sql = (
            f"{insert} SELECT %s, %s, %s, m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked,"
            f" h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, COALESCE(hp.name, p.name), {amount_sql}, MIN(e.category), %s, 0, '', %s, %s"
            f" FROM {t['member']} m"
            f" JOIN {t['household']} h ON h.id = m.household_id"
            f" JOIN {t['person']} p ON p.id = m.person_id"
            f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
            f" LEFT JOIN {t['person']} hp ON hp.id = h.head_id"
            f" WHERE m.person_id BETWEEN %s AND %s AND p.id BETWEEN %s AND %s AND e.person_id BETWEEN %s AND %s"
            f"{common_where}"
            f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s AND x.period = %s"
            f" AND x.person_id BETWEEN %s AND %s"
            f" AND x.person_id = m.person_id AND x.status <> %s)"
            f" GROUP BY m.household_id, m.person_id, h.region_id, h.area, h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, hp.name, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked"
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


BULK_ANALYZE_ROWS = 10_000


def analyze_after_bulk(model, rows: int, *, threshold: int = BULK_ANALYZE_ROWS) -> None:
    """After a bulk write, refresh the planner's statistics now rather than whenever autovacuum gets to
    it. Measured at 1M: a payout approved right after its batch was built planned each 10,000-row
    chunk read as if the batch were empty and scanned the whole batch every time (1.2 s a chunk, vs
    20 ms once analysed)."""
    if rows >= threshold and connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {model._meta.db_table}")


def eligible_exists_sql(unit: str, cats: list[str]) -> tuple[str, list]:
    """SQL fragment (correlated to payment alias `pay`) that is true while the recipient is still eligible."""
    t = tables()
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


# --------------------------------------------------------------------------- the monthly payroll


def month_bounds(month: str) -> tuple[str, str]:
    """('YYYY-MM-01', last day) of a 'YYYY-MM' month, as ISO strings."""
    import calendar

    y, m = int(month[:4]), int(month[5:7])
    return f"{month}-01", f"{month}-{calendar.monthrange(y, m)[1]:02d}"


def advance_schemes_in_flight(month: str) -> list[int]:
    """Advance schemes whose months include `month` (checked against their unpaid payments)."""
    return [s.pk for s in Scheme.objects.filter(kind=Scheme.Kind.ADVANCE).exclude(first_month="")
            if s.first_month <= month <= _month_add(s.first_month, s.months - 1)]


def _month_add(month: str, n: int) -> str:
    y, m = divmod(int(month[:4]) * 12 + int(month[5:7]) - 1 + n, 12)
    return f"{y:04d}-{m + 1:02d}"


def _latest_row_sql(t, alias="e", f="%s", last="%s") -> str:
    """True when no later enrolment row of the same person and category also overlaps the month: the row
    that starts last in a month sets that month's amount (a change on the 1st takes that month)."""
    return (f" AND NOT EXISTS (SELECT 1 FROM {t['enrolment']} e2 WHERE e2.person_id = {alias}.person_id"
            f" AND e2.category = {alias}.category AND e2.status <> %s AND e2.start_date <= {last}"
            f" AND (e2.end_date IS NULL OR e2.end_date >= {f})"
            f" AND (e2.start_date > {alias}.start_date OR (e2.start_date = {alias}.start_date AND e2.id > {alias}.id)))")


def payroll_insert_chunk(batch: Batch, key_lo: int, key_hi: int) -> int:
    """The monthly payroll's recipients with person ids in [key_lo, key_hi]: one line per person for the
    batch's month, plus back-pay lines for earlier months. Returns rows inserted.

    Entitled for a month: a current member of a household in the batch's region, alive on the month's
    first day, with an enrolment of the scheme's categories (not revoked, amount > 0) overlapping the
    month; the row starting last in the month sets its amount. Suspended and stopped enrolments have ended
    rows, so they are not paid. Skipped: a month already paid (PaidMonth: the monthly payroll or an
    advance), a month in an advance scheme not yet paid or failed, a person already in a non-cancelled line
    of this scheme and month (the partial unique index is the guarantee, as in `insert_chunk`).

    Back-pay (补发): for each earlier month of the last 12 in which this scheme's payroll ran, the
    entitlement minus what was paid for it (PaidMonth), minus back-pay already paid or on its way, minus a
    base line still unpaid; when positive, one line with period 'YYYY-MM-bpNN' (NN: this run's month).
    So a standard raised with an earlier effective date, or an enrolment confirmed late with an earlier
    start, is paid the difference by the next run, and only once."""
    scheme = batch.scheme
    t = tables()
    t["paid_month"] = PaidMonth._meta.db_table
    t["scheme"] = Scheme._meta.db_table
    month = batch.payroll_month or batch.period
    first, last = month_bounds(month)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    rlo, rhi = effective_region_range(batch)
    cats = list(scheme.categories)
    cat_ph = ", ".join(["%s"] * len(cats))
    revoked, cancelled, pending = Enrolment.Status.REVOKED, Payment.Status.CANCELLED, Payment.Status.PENDING
    unpaid = [Payment.Status.PENDING, Payment.Status.SENT, Payment.Status.FAILED]
    advance = advance_schemes_in_flight(month)
    insert = (
        f"INSERT INTO {t['payment']} (batch_id, scheme_id, period, household_id, person_id, region_id, name,"
        f" id_number_hmac, id_number_enc, id_number_masked, bank_account_hmac, bank_account_enc, bank_account_masked, payee_name, amount, category, status, attempts, reason, created_at, updated_at)"
    )
    advance_sql, advance_params = "", []
    if advance:
        advance_sql = (f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} ax"
                       f" WHERE ax.scheme_id IN ({', '.join(['%s'] * len(advance))})"
                       f" AND ax.status IN (%s, %s, %s) AND (ax.person_id = m.person_id"
                       f" OR (ax.person_id IS NULL AND ax.household_id = m.household_id)))")
        advance_params = [*advance, *unpaid]
    base = (
        f"{insert} SELECT %s, %s, %s, m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked,"
        f" h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, COALESCE(hp.name, p.name), SUM(e.monthly_amount), MIN(e.category), %s, 0, '', %s, %s"
        f" FROM {t['member']} m"
        f" JOIN {t['household']} h ON h.id = m.household_id"
        f" JOIN {t['person']} p ON p.id = m.person_id"
        f" JOIN {t['enrolment']} e ON e.person_id = m.person_id"
        f" LEFT JOIN {t['person']} hp ON hp.id = h.head_id"
        f" WHERE m.person_id BETWEEN %s AND %s AND p.id BETWEEN %s AND %s AND e.person_id BETWEEN %s AND %s"
        f" AND m.left_on IS NULL AND h.region_id BETWEEN %s AND %s"
        f" AND (p.deceased_on IS NULL OR p.deceased_on >= %s)"
        f" AND e.category IN ({cat_ph}) AND e.status <> %s AND e.monthly_amount > 0"
        f" AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)"
        f"{_latest_row_sql(t)}"
        f" AND NOT EXISTS (SELECT 1 FROM {t['paid_month']} pm WHERE pm.person_id = e.person_id"
        f" AND pm.category = e.category AND pm.month = %s)"
        f"{advance_sql}"
        f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s AND x.period = %s"
        f" AND x.person_id BETWEEN %s AND %s AND x.person_id = m.person_id AND x.status <> %s)"
        f" GROUP BY m.household_id, m.person_id, h.region_id, h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, hp.name, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked"
    )
    params = [batch.pk, scheme.pk, month, pending, now, now, key_lo, key_hi, key_lo, key_hi, key_lo, key_hi,
              rlo, rhi, first, *cats, revoked, last, first, revoked, last, first, month, *advance_params,
              scheme.pk, month, key_lo, key_hi, cancelled]
    with connection.cursor() as cur:
        cur.execute(base, params)
        inserted = max(cur.rowcount, 0)
        past = payroll_months_before(scheme, month)
        if not past:
            return inserted
        firsts, lasts = zip(*(month_bounds(m) for m in past), strict=True)
        suffix = f"-bp{month[5:7]}"
        # a VALUES list of the past months (portable: the embedded SQLite demo runs the payroll too)
        month_row = "(%s, %s::date, %s::date)" if connection.vendor == "postgresql" else "(%s, %s, %s)"
        backpay = (
            f"WITH months(month, f, l) AS (VALUES {', '.join([month_row] * len(past))}),"
            f" ent AS (SELECT e.person_id, mo.month, SUM(e.monthly_amount) AS amount, MIN(e.category) AS category"
            f"  FROM months mo JOIN {t['enrolment']} e ON e.start_date <= mo.l"
            f"   AND (e.end_date IS NULL OR e.end_date >= mo.f)"
            f"  WHERE e.person_id BETWEEN %s AND %s AND e.category IN ({cat_ph}) AND e.status <> %s"
            f"   AND e.monthly_amount > 0{_latest_row_sql(t, f='mo.f', last='mo.l')}"
            f"  GROUP BY e.person_id, mo.month),"
            f" due AS (SELECT ent.person_id, ent.month, ent.category, ent.amount"
            f"  - COALESCE((SELECT SUM(pm.amount) FROM {t['paid_month']} pm WHERE pm.person_id = ent.person_id"
            f"     AND pm.month = ent.month AND pm.category IN ({cat_ph})), 0)"
            f"  - COALESCE((SELECT SUM(x.amount) FROM {t['payment']} x WHERE x.scheme_id = %s"
            f"     AND x.person_id = ent.person_id AND x.period LIKE ent.month || '-bp%%' AND x.status <> %s), 0)"
            f"  - COALESCE((SELECT SUM(x.amount) FROM {t['payment']} x WHERE x.scheme_id = %s"
            f"     AND x.person_id = ent.person_id AND x.period = ent.month AND x.status IN (%s, %s, %s)), 0)"
            f"  AS amount FROM ent)"
            f" {insert} SELECT %s, %s, due.month || %s, m.household_id, m.person_id, h.region_id, p.name,"
            f" p.id_number_hmac, p.id_number_enc, p.id_number_masked, h.bank_account_hmac, h.bank_account_enc, h.bank_account_masked, COALESCE(hp.name, p.name), due.amount, due.category, %s, 0, %s, %s, %s"
            f" FROM due JOIN {t['member']} m ON m.person_id = due.person_id AND m.left_on IS NULL"
            f" JOIN {t['household']} h ON h.id = m.household_id"
            f" JOIN {t['person']} p ON p.id = m.person_id"
            f" LEFT JOIN {t['person']} hp ON hp.id = h.head_id"
            f" WHERE due.amount > 0 AND h.region_id BETWEEN %s AND %s"
            f" AND (p.deceased_on IS NULL OR p.deceased_on >= %s)"
            f" AND NOT EXISTS (SELECT 1 FROM {t['payment']} x WHERE x.scheme_id = %s"
            f" AND x.period = due.month || %s AND x.person_id = m.person_id AND x.status <> %s)"
        )
        bp_params = [*(v for row in zip(past, firsts, lasts, strict=True) for v in row), key_lo, key_hi, *cats, revoked, revoked,
                     *cats, scheme.pk, cancelled, scheme.pk, *unpaid,
                     batch.pk, scheme.pk, suffix, pending, "补发", now, now, rlo, rhi, first,
                     scheme.pk, suffix, cancelled]
        cur.execute(backpay, bp_params)
        inserted += max(cur.rowcount, 0)
    return inserted


def payroll_months_before(scheme: Scheme, month: str) -> list[str]:
    """The months of the 12 before `month` in which this monthly scheme's payroll ran (a live batch)."""
    low = _month_add(month, -12)
    return sorted(set(Batch.objects.filter(scheme=scheme, payroll_month__gte=low, payroll_month__lt=month)
                      .exclude(status=Batch.Status.CANCELLED).values_list("payroll_month", flat=True)))


def record_paid_months(payment_ids: list[int]) -> int:
    """Coverage, set-based: the months that payments just paid stand for — a monthly line's own month, an
    advance payment's months (scheme.first_month + months; a household payment covers each enrolled
    member). Back-pay lines are not coverage (they top a covered month up). Idempotent (ON CONFLICT DO
    NOTHING on (person, category, month)). PostgreSQL only."""
    if not payment_ids or connection.vendor != "postgresql":
        return 0
    t = tables()
    pm, sch, batch = PaidMonth._meta.db_table, Scheme._meta.db_table, Batch._meta.db_table
    month_expr = "to_char((s.first_month || '-01')::date + make_interval(months => g), 'YYYY-MM')"
    sql = (
        f"INSERT INTO {pm} (person_id, category, month, amount, payment_id, region_id)"
        f" SELECT x.person_id, x.category, x.period, x.amount, x.id, x.region_id FROM {t['payment']} x"
        f" JOIN {sch} s ON s.id = x.scheme_id WHERE x.id = ANY(%s) AND x.status = %s AND s.kind = %s"
        f" AND x.person_id IS NOT NULL AND length(x.period) = 7"
        f" UNION ALL"
        f" SELECT x.person_id, x.category, {month_expr}, x.amount / s.months, x.id, x.region_id"
        f" FROM {t['payment']} x JOIN {sch} s ON s.id = x.scheme_id CROSS JOIN generate_series(0, s.months - 1) g"
        f" WHERE x.id = ANY(%s) AND x.status = %s AND s.kind = %s AND s.first_month <> '' AND x.person_id IS NOT NULL"
        f" UNION ALL"
        f" SELECT e.person_id, e.category, {month_expr}, e.monthly_amount, x.id, x.region_id"
        f" FROM {t['payment']} x JOIN {sch} s ON s.id = x.scheme_id JOIN {batch} b ON b.id = x.batch_id"
        f" JOIN {t['member']} m ON m.household_id = x.household_id AND m.left_on IS NULL"
        f" JOIN {t['enrolment']} e ON e.person_id = m.person_id AND e.status <> %s"
        f"  AND e.start_date <= b.built_on AND (e.end_date IS NULL OR e.end_date >= b.built_on)"
        f"  AND s.categories ? e.category"
        f" CROSS JOIN generate_series(0, s.months - 1) g"
        f" WHERE x.id = ANY(%s) AND x.status = %s AND s.kind = %s AND s.first_month <> '' AND x.person_id IS NULL"
        f" ON CONFLICT (person_id, category, month) DO NOTHING"
    )
    paid = Payment.Status.PAID
    params = [payment_ids, paid, Scheme.Kind.MONTHLY, payment_ids, paid, Scheme.Kind.ADVANCE,
              Enrolment.Status.REVOKED, payment_ids, paid, Scheme.Kind.ADVANCE]
    with connection.cursor() as cur:
        cur.execute(sql, params)
        return max(cur.rowcount, 0)
