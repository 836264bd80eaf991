"""The benchmarks: each times the project's real code path and a hand-written baseline doing the same work
on the same rows in the same run. `BENCHMARKS = {name: fn(scale) -> dict(rows, seconds, baseline_seconds,
notes, ...)}`; bench/one.py adds `name`, `peak_mb` and `ratio` (seconds / baseline_seconds).

Run after `manage.py generate_population` (bench/run.py does both). Each function sets up what it needs
(untimed), so any one of them can run alone; they never touch rows another benchmark relies on, except
that `payout` pays the batch `batch_build` built when there is one.
"""

import datetime as dt
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

ROOT = Path(__file__).resolve().parent.parent
PROVINCE = "610000"
BUILT_ON = dt.date(2026, 11, 28)


# ---------------------------------------------------------------- helpers

def _sql(sql, params=None, fetch=False):
    with connection.cursor() as cur:
        cur.execute(sql, params)
        if fetch:
            return cur.fetchall()
        return cur.rowcount


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def _warm(*tables):
    """Read the tables once so neither side pays for a cold cache."""
    for t in tables:
        _sql(f"SELECT COUNT(*) FROM {t}", fetch=True)


def _user(username, role, region=None, **extra):
    from portal.models import User

    user, _ = User.objects.get_or_create(username=username, defaults={"role": role, "region_id": region, **extra})
    return user


def _token(user):
    from portal.tokens import issue

    return issue(user)[0]


def _staff():
    from portal.models import Role

    return (_user("bench_caseworker", Role.CASEWORKER, PROVINCE), _user("bench_approver", Role.APPROVER, PROVINCE))


def _period() -> str:
    return "B" + uuid.uuid4().hex[:6]


def _scheme(name):
    from assistance.models import Scheme

    return Scheme.objects.get(name=name)


def _payment_cols():
    return ("batch_id, scheme_id, period, household_id, person_id, region_id, name, id_number_hmac, id_number_enc, id_number_masked, amount, category,"
            " status, attempts, reason, created_at, updated_at")


def _build(scheme, actor):
    from assistance import services

    return services.batch_create(scheme=scheme, region=PROVINCE, actor=actor, period=_period(), built_on=BUILT_ON)


def _pct(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


# ---------------------------------------------------------------- 1. batch build

def _copy_foreign_keys(src, dst):
    """Give scratch table `dst` the foreign keys of `src`, as the same definitions (deferred, as Django
    declares them)."""
    for name, definition in _sql("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
                                 " WHERE conrelid = %s::regclass AND contype = 'f' ORDER BY conname", [src], fetch=True):
        _sql(f"ALTER TABLE {dst} ADD CONSTRAINT {dst}_{name[-24:]} {definition}")


def batch_build(scale):
    """services.batch_create (the API's POST) → its on_commit task assistance.build_batch, run in-process
    (no broker: CELERY_TASK_ALWAYS_EAGER) for a provincial per-person scheme covering every category,
    vs one INSERT … SELECT of the same payment rows into a scratch copy of the payment table with the
    same columns, CHECKs, unique and partial indexes and the same five foreign keys (the baseline of
    the ratio: the same rows under the same integrity rules), and into a copy without the foreign keys
    (reported beside it: what the integrity checks themselves cost)."""
    from assistance.models import Batch, Enrolment, Payment

    cw, _ap = _staff()
    scheme = _scheme("一次性生活补贴（基准）")
    _warm("assistance_member", "assistance_household", "assistance_enrolment", "portal_person")
    holder = Batch.objects.create(scheme=scheme, region_id=PROVINCE, period=_period(), status=Batch.Status.CANCELLED,
                                  built_on=BUILT_ON, created_by=cw)  # what the baseline's rows point at
    period = _period()
    cats = list(scheme.categories)
    ph = ", ".join(["%s"] * len(cats))

    def baseline(table):
        _sql(f"DROP TABLE IF EXISTS {table}")
        _sql(f"CREATE TABLE {table} (LIKE assistance_payment INCLUDING ALL)")
        if table == "bench_payment_fk":
            _copy_foreign_keys("assistance_payment", table)
        sql = (
            f"INSERT INTO {table} ({_payment_cols()})"
            f" SELECT %s, %s, %s, m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked,"
            f" CASE WHEN h.area = 'urban' THEN %s ELSE %s END, MIN(e.category), 'pending', 0, '', now(), now()"
            f" FROM assistance_member m JOIN assistance_household h ON h.id = m.household_id"
            f" JOIN portal_person p ON p.id = m.person_id JOIN assistance_enrolment e ON e.person_id = m.person_id"
            f" WHERE m.left_on IS NULL AND h.region_id BETWEEN '610000' AND '619999'"
            f" AND (p.deceased_on IS NULL OR p.deceased_on > %s) AND e.category IN ({ph}) AND e.status <> 'revoked'"
            f" AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)"
            f" AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.scheme_id = %s AND x.period = %s"
            f" AND x.person_id = m.person_id AND x.status <> 'cancelled')"
            f" GROUP BY m.household_id, m.person_id, h.region_id, h.area, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked")
        params = [holder.pk, scheme.pk, period, scheme.urban_amount, scheme.rural_amount, BUILT_ON, *cats, BUILT_ON,
                  BUILT_ON, scheme.pk, period]

        def run():
            with transaction.atomic():  # the deferred foreign-key checks run at this commit
                return _sql(sql, params)

        out = _timed(run)
        _sql(f"DROP TABLE {table}")
        return out

    nofk_s, nofk_rows = baseline("bench_payment_nofk")
    base_s, base_rows = baseline("bench_payment_fk")
    seconds, batch = _timed(lambda: _build(scheme, cw))
    batch = Batch.objects.get(pk=batch.pk)
    rows = Payment.objects.filter(batch=batch).count()
    holder.delete()
    eligible = Enrolment.objects.filter(status="active").values("person_id").distinct().count()
    return {"rows": rows, "seconds": seconds, "baseline_seconds": base_s, "baseline_no_fk_seconds": nofk_s,
            "notes": f"batch #{batch.pk} {batch.status}; baseline rows {base_rows:,} (same: {base_rows == rows});"
                     f" without foreign keys {nofk_s:.3f} s ({nofk_rows:,} rows, ratio {seconds / nofk_s:.2f});"
                     f" people with an active enrolment {eligible:,}"}


# ---------------------------------------------------------------- 1b. the monthly payroll

def monthly_payroll(scale):
    """services.payroll_run (the pay-day job's step: make the region-month's batch, build it chunk by chunk
    with payroll_insert_chunk: one line per person for the month, skipping months already paid and
    in-flight advances, the latest enrolment row of the month setting its amount) for the province, vs
    one INSERT … SELECT of the same lines (enrolments overlapping the month, not covered in PaidMonth)
    into a scratch copy of the payment table with the same columns, CHECKs, indexes and foreign keys.
    A month far from any other payroll run, so the back-pay step finds no earlier months (its own cost is
    not part of this figure)."""
    import random

    from assistance import services
    from assistance.models import Batch, Payment
    from assistance.services.build_sql import month_bounds

    _warm("assistance_member", "assistance_household", "assistance_enrolment", "portal_person")
    month = f"{random.randint(2100, 2999)}-06"
    first, last = month_bounds(month)
    scheme = services.monthly_scheme(region=PROVINCE)
    holder = Batch.objects.create(scheme=scheme, region_id=PROVINCE, period=_period(), status=Batch.Status.CANCELLED,
                                  built_on=BUILT_ON)
    cats = list(scheme.categories)
    ph = ", ".join(["%s"] * len(cats))
    table = "bench_payment_payroll"
    _sql(f"DROP TABLE IF EXISTS {table}")
    _sql(f"CREATE TABLE {table} (LIKE assistance_payment INCLUDING ALL)")
    _copy_foreign_keys("assistance_payment", table)
    sql = (
        f"INSERT INTO {table} ({_payment_cols()})"
        f" SELECT %s, %s, %s, m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked,"
        f" SUM(e.monthly_amount), MIN(e.category), 'pending', 0, '', now(), now()"
        f" FROM assistance_member m JOIN assistance_household h ON h.id = m.household_id"
        f" JOIN portal_person p ON p.id = m.person_id JOIN assistance_enrolment e ON e.person_id = m.person_id"
        f" WHERE m.left_on IS NULL AND h.region_id BETWEEN '610000' AND '619999'"
        f" AND (p.deceased_on IS NULL OR p.deceased_on >= %s) AND e.category IN ({ph}) AND e.status <> 'revoked'"
        f" AND e.monthly_amount > 0 AND e.start_date <= %s AND (e.end_date IS NULL OR e.end_date >= %s)"
        f" AND NOT EXISTS (SELECT 1 FROM assistance_paidmonth pm WHERE pm.person_id = e.person_id"
        f" AND pm.category = e.category AND pm.month = %s)"
        f" AND NOT EXISTS (SELECT 1 FROM {table} x WHERE x.scheme_id = %s AND x.period = %s"
        f" AND x.person_id = m.person_id AND x.status <> 'cancelled')"
        f" GROUP BY m.household_id, m.person_id, h.region_id, p.name, p.id_number_hmac, p.id_number_enc, p.id_number_masked")
    params = [holder.pk, scheme.pk, month, first, *cats, last, first, month, scheme.pk, month]

    def run():
        with transaction.atomic():
            return _sql(sql, params)

    base_s, base_rows = _timed(run)
    _sql(f"DROP TABLE {table}")
    seconds, batch = _timed(lambda: services.payroll_run(region=PROVINCE, month=month, on=BUILT_ON))
    rows = Payment.objects.filter(batch=batch).count()
    holder.delete()
    return {"rows": rows, "seconds": seconds, "baseline_seconds": base_s,
            "notes": f"batch #{batch.pk} {batch.status} month {month}; baseline rows {base_rows:,}"
                     f" (same: {base_rows == rows})"}


# ---------------------------------------------------------------- 2. payout

def payout(scale):
    """services.batch_approve (maker-checker, budget reserve) → its on_commit task assistance.pay_batch
    through the simulated channel, vs a raw INSERT of the attempt rows (into a copy of the attempt table
    with its foreign key to the payment) + one UPDATE of the same payments on a scratch copy."""
    from assistance.models import Batch, Payment, Scheme
    from assistance.services import batch_approve

    cw, ap = _staff()
    scheme = _scheme("一次性生活补贴（基准）")
    batch = (Batch.objects.filter(scheme=scheme, status=Batch.Status.DRAFT, recipient_count__gt=0)
             .order_by("-id").first())
    if batch is None:
        batch = _build(scheme, cw)
    Scheme.objects.filter(pk=scheme.pk).update(budget=10**15)
    _sql("DROP TABLE IF EXISTS bench_pay; DROP TABLE IF EXISTS bench_attempt")
    _sql("CREATE TABLE bench_pay (LIKE assistance_payment INCLUDING ALL)")
    _sql("INSERT INTO bench_pay SELECT * FROM assistance_payment WHERE batch_id = %s", [batch.pk])
    _sql("CREATE TABLE bench_attempt (LIKE assistance_paymentattempt INCLUDING ALL)")
    _copy_foreign_keys("assistance_paymentattempt", "bench_attempt")  # each attempt row checks its payment
    _sql("VACUUM ANALYZE bench_pay")
    # both sides start from vacuumed tables (hint bits set); the payment table keeps the planner statistics
    # the build left, as it would in production (an ANALYZE here once hid a stale-statistics plan)
    _sql("VACUUM assistance_payment")
    _warm("assistance_payment")

    def baseline():
        with transaction.atomic():
            _sql("INSERT INTO bench_attempt (payment_id, channel, outcome, reference, message, at)"
                 " SELECT id, 'simulated', 'paid', 'SIM-' || batch_id || '-' || id || '-' || (attempts + 1), '', now()"
                 " FROM bench_pay WHERE batch_id = %s AND status = 'pending' ORDER BY id", [batch.pk])
            return _sql("UPDATE bench_pay SET status = 'paid', attempts = attempts + 1, paid_at = now(), reason = '',"
                        " updated_at = now() WHERE batch_id = %s AND status = 'pending'", [batch.pk])

    base_s, base_rows = _timed(baseline)
    seconds, _ = _timed(lambda: batch_approve(batch=batch, actor=ap))
    batch.refresh_from_db()
    paid = Payment.objects.filter(batch=batch, status=Payment.Status.PAID).count()
    _sql("DROP TABLE bench_pay; DROP TABLE bench_attempt")
    return {"rows": paid, "seconds": seconds, "baseline_seconds": base_s,
            "notes": f"batch #{batch.pk} {batch.status}, paid {batch.paid_count:,}; baseline rows {base_rows:,}"}


# ---------------------------------------------------------------- 3. monthly clearing

def clearing(scale):
    """services.settlement_enqueue (the API's POST: a Job) + the task run_settlement (the GROUP BY into the
    month's statements, reconciliation against the spends), vs one raw GROUP BY into region pairs."""
    from medical_pooling.models import SettlementRun
    from medical_pooling.population import spend_month
    from medical_pooling.services import month_bounds, settlement_enqueue
    from portal.models import Role

    officer = _user("bench_officer", Role.INSURANCE_OFFICER, None)
    month = spend_month()
    start, end = month_bounds(month)
    _warm("medical_pooling_spend")
    (n_spends,), = _sql("SELECT COUNT(*) FROM medical_pooling_spend WHERE occurred_at >= %s AND occurred_at < %s",
                        [start, end], fetch=True)

    def baseline():
        with transaction.atomic():
            _sql("DROP TABLE IF EXISTS bench_pairs")
            return _sql("CREATE TEMP TABLE bench_pairs AS SELECT payer_region, payee_region, COUNT(*) AS n,"
                        " SUM(amount) AS s FROM medical_pooling_spend WHERE occurred_at >= %s AND occurred_at < %s"
                        " AND payer_region <> payee_region GROUP BY payer_region, payee_region", [start, end])

    def first_time():  # untimed: a month cleared for the first time (a re-run finds every statement right)
        _sql("DELETE FROM medical_pooling_settlementline WHERE month = %s", [month])
        _sql("DELETE FROM medical_pooling_settlementrun WHERE month = %s", [month])

    def project():
        # the API's POST records the Job and sends the task after commit; without a broker (as here) the
        # task runs in this process at commit, so the time is the work, not the queue
        job = settlement_enqueue(month=month, actor=officer)
        job.refresh_from_db()
        assert job.status == "done", job.status
        return job

    # median of three runs each: a run takes well under a second, so one-time costs (the first import of
    # the task module, a cold plan cache) would otherwise decide the ratio
    base = [_timed(baseline) for _ in range(3)]
    proj = [(first_time(), _timed(project))[1] for _ in range(3)]
    base_s, pairs = statistics.median(t for t, _ in base), base[-1][1]
    seconds = statistics.median(t for t, _ in proj)
    run = SettlementRun.objects.get(month=month)
    return {"rows": n_spends, "seconds": seconds, "baseline_seconds": base_s,
            "notes": f"{month}: {run.status}, {run.spend_count:,} cross-region spends into {pairs:,} region pairs"}


# ---------------------------------------------------------------- 4. re-verification

def reverify(scale):
    """services.batch_reverify (动态核对, what the monthly heating job runs on every draft batch) over a draft
    batch holding every enrolled person, after 2% lost their enrolment, vs the same raw UPDATE … NOT EXISTS
    on a scratch copy of the payments."""
    from assistance.models import Payment, Scheme
    from assistance.services import batch_reverify

    cw, _ap = _staff()
    scheme, _ = Scheme.objects.get_or_create(
        name="动态核对基准", defaults=dict(kind=Scheme.Kind.ONE_TIME, unit=Scheme.Unit.PERSON, region_id=PROVINCE,
                                       categories=["dibao", "tekun", "orphan", "low_income"], urban_amount=10000,
                                       rural_amount=10000, budget=10**15, deadline=dt.date(2027, 3, 31)))
    batch = _build(scheme, cw)  # untimed set-up
    # 2% of people lose their benefit the day before the re-verification
    ended = _sql("UPDATE assistance_enrolment SET end_date = %s, status = 'ended' WHERE status = 'active'"
                 " AND end_date IS NULL AND mod(hashint8(person_id * 31 + %s)::bigint + 2147483648, 50) = 0",
                 [BUILT_ON - dt.timedelta(days=1), batch.pk])  # another 2% on every run
    _sql("DROP TABLE IF EXISTS bench_rv")
    _sql("CREATE TABLE bench_rv (LIKE assistance_payment INCLUDING ALL)")
    _sql("INSERT INTO bench_rv SELECT * FROM assistance_payment WHERE batch_id = %s", [batch.pk])
    _sql("VACUUM ANALYZE bench_rv")
    # both sides start from vacuumed tables (hint bits set); the payment table keeps the planner statistics
    # the build left, as it would in production (an ANALYZE here once hid a stale-statistics plan)
    _sql("VACUUM assistance_payment")
    _sql("ANALYZE assistance_enrolment")
    _warm("assistance_payment", "assistance_member", "assistance_enrolment", "portal_person", "assistance_household")
    day = BUILT_ON + dt.timedelta(days=3)
    cats = list(scheme.categories)
    ph = ", ".join(["%s"] * len(cats))

    def baseline():
        with transaction.atomic():
            n = _sql(
                "UPDATE bench_rv pay SET status = 'cancelled', reason = '动态核对：已不符合条件', updated_at = now()"
                " WHERE pay.batch_id = %s AND pay.status = 'pending' AND NOT EXISTS (SELECT 1 FROM assistance_member m"
                " JOIN portal_person p ON p.id = m.person_id JOIN assistance_enrolment e ON e.person_id = m.person_id"
                " JOIN assistance_household h ON h.id = m.household_id WHERE m.person_id = pay.person_id"
                " AND m.left_on IS NULL AND h.region_id = pay.region_id AND (p.deceased_on IS NULL OR p.deceased_on > %s)"
                f" AND e.category IN ({ph}) AND e.status <> 'revoked' AND e.start_date <= %s"
                " AND (e.end_date IS NULL OR e.end_date >= %s))", [batch.pk, day, *cats, day, day])
            _sql("SELECT COUNT(*), SUM(amount) FROM bench_rv WHERE batch_id = %s AND status <> 'cancelled'",
                 [batch.pk], fetch=True)
            return n

    base_s, base_n = _timed(baseline)
    seconds, n = _timed(lambda: batch_reverify(batch_id=batch.pk, on=day))
    rows = Payment.objects.filter(batch_id=batch.pk).count()
    _sql("DROP TABLE bench_rv")
    return {"rows": rows, "seconds": seconds, "baseline_seconds": base_s,
            "notes": f"batch #{batch.pk}: {n:,} cancelled (baseline {base_n:,}); {ended:,} enrolments ended in set-up"}


# ---------------------------------------------------------------- 5. list page and API

def household_list(scale):
    """The household list page (Django test Client, logged in) and the API list, for a caseworker of the
    province (every household) vs a caseworker of the county with the fewest households: median of 5
    requests each, and the query count of each (django CaptureQueriesContext)."""
    from django.db import connection as conn
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.models import Role

    (small_region, small_n), = _sql(
        "SELECT region_id, COUNT(*) FROM assistance_household WHERE region_id LIKE '61%%' GROUP BY region_id"
        " ORDER BY abs(COUNT(*) - 1000), region_id LIMIT 1", fetch=True)
    (big_n,), = _sql("SELECT COUNT(*) FROM assistance_household WHERE region_id LIKE '61%%'", fetch=True)
    big_user = _user("bench_caseworker", Role.CASEWORKER, PROVINCE)
    small_user = _user(f"bench_cw_{small_region}", Role.CASEWORKER, small_region)
    out = {}
    for label, user in (("small", small_user), ("big", big_user)):
        page = Client()
        page.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        api = Client(HTTP_AUTHORIZATION=f"Token {_token(user)}")
        for kind, client, url in (("page", page, "/assistance/households/"),
                                  ("api", api, "/api/v1/assistance/households/")):
            client.get(url)  # warm
            times = []
            for _ in range(5):
                with CaptureQueriesContext(conn) as ctx:
                    t0 = time.perf_counter()
                    resp = client.get(url)
                    times.append(time.perf_counter() - t0)
                assert resp.status_code == 200, (url, resp.status_code)
            out[f"{kind}_{label}_s"] = statistics.median(times)
            out[f"{kind}_{label}_queries"] = len(ctx.captured_queries)
    seconds = out["page_big_s"] + out["api_big_s"]
    base = out["page_small_s"] + out["api_small_s"]
    constant = (out["page_small_queries"] == out["page_big_queries"] and out["api_small_queries"] == out["api_big_queries"])
    return {"rows": big_n, "seconds": seconds, "baseline_seconds": base, **out, "small_rows": small_n,
            "notes": f"{big_n:,} vs {small_n:,} households ({small_region}): page {out['page_big_s'] * 1000:.0f} vs"
                     f" {out['page_small_s'] * 1000:.0f} ms, {out['page_big_queries']} vs {out['page_small_queries']}"
                     f" queries; API {out['api_big_s'] * 1000:.0f} vs {out['api_small_s'] * 1000:.0f} ms,"
                     f" {out['api_big_queries']} vs {out['api_small_queries']} queries; constant={constant}"}


# ---------------------------------------------------------------- HTTP load helpers

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")


def _redis():
    """The bench's Redis database, emptied; None when no Redis answers (then tasks run in the request)."""
    import redis

    try:
        client = redis.Redis.from_url(BENCH_REDIS_URL, socket_connect_timeout=2)
        client.flushdb()
        return client
    except redis.RedisError:
        return None


class _Server:
    """gunicorn (2 sync workers unless BENCH_GUNICORN_WORKERS says) on a free loopback port against the bench database, as deployed: with
    Redis as broker and cache and one Celery worker process for what the requests queue (so a spend's
    fraud check runs on the worker, as in production). Without Redis, tasks run inside the request.
    Stopped on exit."""

    def __init__(self, workers=None):
        # gunicorn's sync workers on this node (BENCH_GUNICORN_WORKERS, default 2: one per core)
        workers = workers or int(os.environ.get("BENCH_GUNICORN_WORKERS", "2"))
        self.port = _free_port()
        self.redis = _redis()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings", "PYTHONPATH": str(ROOT), "DJANGO_DEBUG": "0"}
        env.pop("REDIS_URL", None)
        if self.redis is not None:
            env["REDIS_URL"] = BENCH_REDIS_URL
        self.worker = None if self.redis is None else subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "portal", "worker", "--concurrency=1", "--pool=prefork",
             "--without-gossip", "--without-mingle", "--loglevel=WARNING", "-n", f"bench-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "-w", str(workers), "-b",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    @property
    def mode(self) -> str:
        return "Redis broker + 1 Celery worker" if self.redis is not None else "no broker: tasks in the request"

    def drain(self, timeout=600) -> float:
        """Seconds until the worker has taken and finished every queued task."""
        from portal.queue import batched_keys

        t0 = time.perf_counter()
        while self.redis is not None and time.perf_counter() - t0 < timeout:
            # the default queue, a task taken but not finished, and the spends waiting for their batched
            # fraud check with the drain that holds them (portal.queue.enqueue_batched)
            if not (self.redis.llen("default") or self.redis.hlen("unacked")
                    or self.redis.exists(*batched_keys("medical_pooling.check_spends_fraud"))):
                break
            time.sleep(0.05)
        return time.perf_counter() - t0

    def __enter__(self):
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/healthz")
                if c.getresponse().status < 500:
                    return self
            except OSError:
                time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc):
        for proc in (self.proc, self.worker):
            if proc is None:
                continue
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def _load(threads, per_thread, make_request):
    """Run `threads` × `per_thread` calls of make_request(thread, i) -> status; returns (wall, latencies, statuses)."""
    lat, statuses, lock = [], [], threading.Lock()

    def worker(t):
        mine_l, mine_s = [], []
        for i in range(per_thread):
            t0 = time.perf_counter()
            status = make_request(t, i)
            mine_l.append(time.perf_counter() - t0)
            mine_s.append(status)
        with lock:
            lat.extend(mine_l)
            statuses.extend(mine_s)

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    t0 = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return time.perf_counter() - t0, lat, statuses


# ---------------------------------------------------------------- 6. concurrent quota spends

THREADS, SPEND_RELATIONS, SPEND_FEN = 16, 4, 1000


def _fresh_relations(actor, count, quota):
    """New active relations between employees without one, each with `quota` (services.relation_create, then
    services.relation_accept by the officer at the counter: a request reserves nothing until accepted)."""
    from django.db.models import Exists, OuterRef, Q

    from medical_pooling.models import Account, Insured, Relation
    from medical_pooling.services import relation_accept, relation_create

    taken = set(Relation.objects.values_list("pooler_id", flat=True)) | set(
        Relation.objects.values_list("beneficiary_id", flat=True))
    related = Relation.objects.filter(Q(pooler_id=OuterRef("insured_id")) | Q(beneficiary_id=OuterRef("insured_id")))
    accounts = (Account.objects.filter(balance__gte=quota * 2, reserved=0, insured__status="active")
                .exclude(Exists(related)).select_related("insured__person").order_by("id")[: count * 4])
    out = []
    for acc in accounts:
        if len(out) == count:
            break
        if acc.insured_id in taken:
            continue
        ben = (Insured.objects.filter(status="active").exclude(pk__in=taken | {acc.insured_id})
               .select_related("person").order_by("-id").first())
        rel = relation_create(actor=actor, pooler=acc.insured, beneficiary_id_number=ben.person.id_number,
                              beneficiary_name=ben.person.name, kinship="spouse", quota=quota)
        rel = relation_accept(actor=actor, relation=rel)
        taken |= {acc.insured_id, ben.pk}
        out.append(Relation.objects.select_related("beneficiary__person").get(pk=rel.pk))
    if len(out) < count:
        raise RuntimeError("not enough employees without a relation for the spend benchmark")
    return out


def _check_relations(relations):
    """Overspend = relations whose spends exceed the quota or disagree with `used`, plus accounts whose
    balance/reservation disagree with their ledger."""
    bad = 0
    for rel in relations:
        (used, quota, spent, acc_bad), = _sql(
            "SELECT r.used, r.quota, COALESCE((SELECT SUM(amount) FROM medical_pooling_spend s WHERE s.relation_id = r.id), 0),"
            " (SELECT COUNT(*) FROM medical_pooling_account a WHERE a.insured_id = r.pooler_id AND (a.balance <>"
            " (SELECT SUM(amount) FROM medical_pooling_ledgerentry l WHERE l.account_id = a.id) OR a.reserved <>"
            " (SELECT SUM(reserved_delta) FROM medical_pooling_ledgerentry l WHERE l.account_id = a.id)))"
            " FROM medical_pooling_relation r WHERE r.id = %s", [rel.pk], fetch=True)
        bad += int(spent > quota or used > quota or spent != used) + acc_bad
    return bad


def spends_concurrent(scale):
    """16 client threads POST /api/v1/pooling/spends/ (10.00 yuan each, an Idempotency-Key each, each with its
    own one-time payment code the beneficiary minted beforehand through services.payment_code_issue) on 4
    relations whose quota admits 80% of the attempts, through gunicorn with 4 workers, vs a raw psycopg2
    row-lock loop (lock account, lock relation, check, insert spend, update relation and account, insert
    ledger row) with the same threads, attempts and quotas on 4 other fresh relations."""
    import psycopg2
    from django.conf import settings

    from medical_pooling.models import Institution
    from portal.models import Role

    per_thread = 25
    attempts = THREADS * per_thread
    per_rel = attempts // SPEND_RELATIONS
    quota = int(per_rel * 0.8) * SPEND_FEN
    officer = _user("bench_officer", Role.INSURANCE_OFFICER, None)
    inst = Institution.objects.order_by("id").first()
    inst_user = _user("bench_institution", Role.INSTITUTION, None, institution_code=inst.code)
    token = _token(inst_user)
    http_rels = _fresh_relations(officer, SPEND_RELATIONS, quota)
    raw_rels = _fresh_relations(officer, SPEND_RELATIONS, quota)
    occurred = timezone.now().isoformat()
    from medical_pooling.services import payment_code_issue

    # every attempt carries its own code, minted beforehand by the relation's beneficiary (valid for an hour
    # here, so minting does not eat into the 5-minute default while the load runs)
    settings.POOLING_PAYMENT_CODE_TTL = 3600
    beneficiaries = {rel.pk: _user(f"bench_beneficiary_{rel.beneficiary_id}", Role.INSURED, None,
                                   person=rel.beneficiary.person) for rel in http_rels}
    codes = [[payment_code_issue(actor=beneficiaries[http_rels[(t + i) % SPEND_RELATIONS].pk],
                                 relation=http_rels[(t + i) % SPEND_RELATIONS])[0] for i in range(per_thread)]
             for t in range(THREADS)]
    del settings.POOLING_PAYMENT_CODE_TTL
    # the 20% over-quota attempts are refusals on purpose: the server must not rate-limit the bench
    os.environ["POOLING_SPEND_REFUSAL_LIMIT"] = str(attempts + 1)

    def post(t, i):
        body = json.dumps({"payment_code": codes[t][i], "category": "medical", "amount": f"{SPEND_FEN / 100:.2f}",
                           "occurred_at": occurred})
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        c.request("POST", "/api/v1/pooling/spends/", body=body, headers={
            "Content-Type": "application/json", "Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex})
        resp = c.getresponse()
        resp.read()
        c.close()
        return resp.status

    floor_rels = _fresh_relations(officer, SPEND_RELATIONS, quota)

    def floor(t, i):  # the same server, auth and middleware doing one locked update (bench/floor.py)
        body = json.dumps({"relation": floor_rels[(t + i) % SPEND_RELATIONS].pk, "amount_fen": SPEND_FEN})
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        c.request("POST", "/bench/floor-spend/", body=body, headers={
            "Content-Type": "application/json", "Authorization": f"Token {token}"})
        resp = c.getresponse()
        resp.read()
        c.close()
        return resp.status

    with _Server() as server:
        wall, lat, statuses = _load(THREADS, per_thread, post)
        drained = server.drain()
        mode = server.mode
        floor_wall, floor_lat, floor_statuses = _load(THREADS, per_thread, floor)
    ok = statuses.count(201)
    floor_ok = floor_statuses.count(201)

    db = settings.DATABASES["default"]
    dsn = dict(dbname=db["NAME"], user=db.get("USER") or "postgres", host=db.get("HOST") or "127.0.0.1",
               port=db.get("PORT") or 5432, password=db.get("PASSWORD") or None)
    conns = [psycopg2.connect(**dsn) for _ in range(THREADS)]
    raw_info = {r.pk: (r.pooler_id, r.beneficiary_id) for r in raw_rels}
    acct = dict(_sql("SELECT insured_id, id FROM medical_pooling_account WHERE insured_id = ANY(%s)",
                     [[p for p, _b in raw_info.values()]], fetch=True))

    def raw(t, i):
        rel_id = raw_rels[(t + i) % SPEND_RELATIONS].pk
        pooler, ben = raw_info[rel_id]
        cx = conns[t]
        with cx, cx.cursor() as cur:
            cur.execute("SELECT balance, reserved FROM medical_pooling_account WHERE id = %s FOR UPDATE", [acct[pooler]])
            balance, reserved = cur.fetchone()
            cur.execute("SELECT quota, used, status FROM medical_pooling_relation WHERE id = %s FOR UPDATE", [rel_id])
            q, used, status = cur.fetchone()
            if status != "active" or used + SPEND_FEN > q:
                return 400
            cur.execute("INSERT INTO medical_pooling_spend (relation_id, institution_id, beneficiary_id, category, amount,"
                        " occurred_at, payer_region, payee_region, clearing_month, created_at) VALUES (%s, %s, %s,"
                        " 'medical', %s, now(), '000000', '000000', to_char(now() AT TIME ZONE 'Asia/Shanghai',"
                        " 'YYYY-MM'), now()) RETURNING id", [rel_id, inst.pk, ben, SPEND_FEN])
            spend_id = cur.fetchone()[0]
            cur.execute("UPDATE medical_pooling_relation SET used = used + %s WHERE id = %s", [SPEND_FEN, rel_id])
            cur.execute("UPDATE medical_pooling_account SET balance = balance - %s, reserved = reserved - %s,"
                        " updated_at = now() WHERE id = %s", [SPEND_FEN, SPEND_FEN, acct[pooler]])
            cur.execute("INSERT INTO medical_pooling_ledgerentry (account_id, kind, amount, reserved_delta, balance_after,"
                        " reserved_after, relation_id, spend_id, note, at) VALUES (%s, 'pooled_spend', %s, %s, %s, %s,"
                        " %s, %s, '', now())", [acct[pooler], -SPEND_FEN, -SPEND_FEN, balance - SPEND_FEN,
                                               reserved - SPEND_FEN, rel_id, spend_id])
        return 201

    raw_wall, raw_lat, raw_statuses = _load(THREADS, per_thread, raw)
    for cx in conns:
        cx.close()
    raw_ok = raw_statuses.count(201)
    over = _check_relations(http_rels)
    raw_over = _check_relations(raw_rels)
    expected = SPEND_RELATIONS * (quota // SPEND_FEN)
    others = sorted({s for s in statuses if s not in (201, 400)})
    return {"rows": attempts, "seconds": wall, "baseline_seconds": raw_wall,
            "spends_per_s": ok / wall, "raw_spends_per_s": raw_ok / raw_wall,
            "p50_ms": _pct(lat, 50) * 1000, "p99_ms": _pct(lat, 99) * 1000,
            "raw_p50_ms": _pct(raw_lat, 50) * 1000, "raw_p99_ms": _pct(raw_lat, 99) * 1000,
            "floor_spends_per_s": floor_ok / floor_wall, "floor_accepted": floor_ok,
            "floor_p50_ms": _pct(floor_lat, 50) * 1000, "floor_p99_ms": _pct(floor_lat, 99) * 1000,
            "overspend": over, "raw_overspend": raw_over, "accepted": ok, "expected_accepted": expected,
            "fraud_checks_done_after_s": drained, "server": mode,
            "notes": f"{mode}; {ok} of {attempts} accepted (quota admits {expected}), {ok / wall:.0f} spends/s vs raw"
                     f" {raw_ok / raw_wall:.0f}/s; p50 {_pct(lat, 50) * 1000:.0f} ms, p99 {_pct(lat, 99) * 1000:.0f} ms"
                     f" (raw {_pct(raw_lat, 50) * 1000:.1f}/{_pct(raw_lat, 99) * 1000:.1f} ms); overspend {over}"
                     f" (raw {raw_over}); floor (same gunicorn, auth, middleware, one locked update)"
                     f" {floor_ok / floor_wall:.0f}/s ({floor_ok} of {attempts}), p50 {_pct(floor_lat, 50) * 1000:.0f} ms,"
                     f" portal at {ok / wall / (floor_ok / floor_wall):.0%} of it; the worker finished the spends' fraud checks {drained:.1f} s after the"
                     f" last answer{'; other statuses ' + str(others) if others else ''}"}


# ---------------------------------------------------------------- 7. certificate verification under load

def verify_load(scale):
    """16 client threads GET /training/verify/?number=&name= (the public page) through gunicorn with
    4 workers, vs the same lookups as raw SQL from 16 psycopg2 connections."""
    import random
    from urllib.parse import urlencode

    import psycopg2
    from django.conf import settings

    certs = _sql("SELECT number, holder_name FROM skills_training_certificate ORDER BY id LIMIT 500", fetch=True)
    if not certs:
        return {"rows": 0, "seconds": 0, "baseline_seconds": None, "notes": "no certificates"}
    per_thread = 40
    rnd = random.Random(7)
    plan = [[certs[rnd.randrange(len(certs))] for _ in range(per_thread)] for _ in range(THREADS)]

    def get(t, i):
        number, name = plan[t][i]
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        c.request("GET", "/training/verify/?" + urlencode({"number": number, "name": name}))
        resp = c.getresponse()
        resp.read()
        c.close()
        return resp.status

    with _Server() as server:
        wall, lat, statuses = _load(THREADS, per_thread, get)
    db = settings.DATABASES["default"]
    conns = [psycopg2.connect(dbname=db["NAME"], user=db.get("USER") or "postgres", host=db.get("HOST") or "127.0.0.1",
                              port=db.get("PORT") or 5432, password=db.get("PASSWORD") or None) for _ in range(THREADS)]

    def raw(t, i):
        number, name = plan[t][i]
        with conns[t].cursor() as cur:
            cur.execute("SELECT c.*, l.name FROM skills_training_certificate c JOIN skills_training_level l"
                        " ON l.id = c.level_id WHERE c.number = %s AND c.holder_name = %s LIMIT 1", [number, name])
            return 200 if cur.fetchone() else 404

    raw_wall, raw_lat, _ = _load(THREADS, per_thread, raw)
    for cx in conns:
        cx.close()
    n = THREADS * per_thread
    ok = statuses.count(200)
    return {"rows": n, "seconds": wall, "baseline_seconds": raw_wall, "requests_per_s": n / wall,
            "p50_ms": _pct(lat, 50) * 1000, "p99_ms": _pct(lat, 99) * 1000,
            "notes": f"{ok} of {n} found (200); {n / wall:.0f} req/s, p50 {_pct(lat, 50) * 1000:.0f} ms,"
                     f" p99 {_pct(lat, 99) * 1000:.0f} ms; raw SQL {n / raw_wall:.0f} lookups/s"}


BENCHMARKS = {
    "batch_build": batch_build,
    "monthly_payroll": monthly_payroll,
    "payout": payout,
    "clearing": clearing,
    "reverify": reverify,
    "household_list": household_list,
    "spends_concurrent": spends_concurrent,
    "verify_load": verify_load,
}
