"""Reads that may be a little stale go to the read replica; everything else stays on the primary.

The replica is a PostgreSQL streaming standby (scripts/replica.sh) configured as the `replica` alias
(PORTAL_DB_REPLICA_URL). Nothing goes there by default: a view opts in with `@replica_reads` (reports,
dashboards, exports, the officer's statistics). Inside such a view a read goes to the replica only when

  - PORTAL_READ_REPLICA is on and the alias exists,
  - no `primary_only()` block is open (the money paths: payouts, the bank exchange, spends, clearing —
    they mark themselves, and a money service called from a report still reads the primary),
  - the primary connection is not inside a transaction (every money path and every write runs in one:
    a read that belongs to a write never sees an older copy of the row it is about to change),
  - the replica is no further behind than PORTAL_REPLICA_MAX_LAG seconds (measured at most every
    PORTAL_REPLICA_LAG_CHECK seconds per process; unreachable counts as too far behind).

Otherwise the read falls back to the primary. Writes always go to the primary; migrations run only there.
"""

import contextvars
import logging
import time
from contextlib import contextmanager
from functools import wraps

from django.conf import settings
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

REPLICA = "replica"
_replica_wanted: contextvars.ContextVar[bool] = contextvars.ContextVar("portal_replica_reads", default=False)
_primary_only: contextvars.ContextVar[int] = contextvars.ContextVar("portal_primary_only", default=0)
_lag_cache: dict[str, tuple[float, float | None]] = {}

LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() THEN 0"
    " WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0"
    " ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def replica_lag_seconds(alias: str = REPLICA, *, cached: bool = True) -> float | None:
    """Seconds the replica's replay is behind (0 when it has replayed all it received); None if unreachable."""
    now = time.monotonic()
    if cached:
        hit = _lag_cache.get(alias)
        if hit and now - hit[0] < getattr(settings, "PORTAL_REPLICA_LAG_CHECK", 1.0):
            return hit[1]
    lag: float | None
    try:
        with connections[alias].cursor() as cur:
            cur.execute(LAG_SQL)
            _in_recovery, lag = cur.fetchone()
            lag = float(lag)
    except DatabaseError as exc:
        log.warning("read replica %s unreachable, reading from the primary: %s", alias, exc.__class__.__name__)
        connections[alias].close()
        lag = None
    _lag_cache[alias] = (now, lag)
    return lag


def replica_usable(alias: str = REPLICA) -> bool:
    if not getattr(settings, "PORTAL_READ_REPLICA", False) or alias not in settings.DATABASES:
        return False
    lag = replica_lag_seconds(alias)
    return lag is not None and lag <= settings.PORTAL_REPLICA_MAX_LAG


@contextmanager
def replica_block():
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def replica_reads(view):
    """A view whose reads may come from the replica (reports, dashboards, exports, statistics)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        # (a streaming export or a lazily rendered template reads after this returns: from the primary)
        with replica_block():
            return view(*args, **kwargs)

    return wrapped


@contextmanager
def primary_only():
    """A money path: every read in this block comes from the primary, whatever the caller asked."""
    token = _primary_only.set(_primary_only.get() + 1)
    try:
        yield
    finally:
        _primary_only.reset(token)


def money_path(func):
    @wraps(func)
    def wrapped(*args, **kwargs):
        with primary_only():
            return func(*args, **kwargs)

    return wrapped


def reading_from_replica_allowed() -> bool:
    if not _replica_wanted.get() or _primary_only.get():
        return False
    if connections["default"].in_atomic_block:
        return False
    return replica_usable()


class PrimaryReplicaRouter:
    def db_for_read(self, model, **hints):
        return REPLICA if reading_from_replica_allowed() else "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the same data on both

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
