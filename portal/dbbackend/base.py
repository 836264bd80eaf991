"""The portal's PostgreSQL backend: Django's, wrapped by django-prometheus for the query counts and durations
of /metrics (unless PORTAL_METRICS_DB=0), with one change to the connection health check.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django sends `SELECT 1` before the first
query of every request, a round trip of its own on each request. Like HikariCP's alive-bypass window
(500 ms by default there), the check is skipped when the same connection came back from a request without
a database error less than `HEALTH_CHECK_BYPASS` seconds ago (the database settings' key; 0 checks every
time). Under load that is nearly every request; an idle worker still checks. What the window risks: a
connection broken in that half second (its backend killed, the pooler restarted) fails the next request's
query once, cleanly, as a database error; Django then drops the connection at the end of that request
(`errors_occurred`) and the next one reconnects. A restarted server is down for longer than the window, so
the first request after it is checked as before (tests/portal/test_dbbackend.py,
tests/fault/test_database_restart.py).
"""

import time

from django.conf import settings

if getattr(settings, "PORTAL_METRICS_DB", True):
    from django_prometheus.db.backends.postgresql.base import DatabaseWrapper as _Base
else:
    from django.db.backends.postgresql.base import DatabaseWrapper as _Base


class DatabaseWrapper(_Base):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.answered_at: float | None = None  # when a request last finished with this connection working
        self.in_use = False  # a cursor or transaction was opened on it since the last request start or end

    def close_if_health_check_failed(self):
        # Django calls this before every cursor and transaction: the request is using the connection
        self.in_use = True
        window = float(self.settings_dict.get("HEALTH_CHECK_BYPASS") or 0)
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and self.answered_at is not None and time.monotonic() - self.answered_at < window):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def close_if_unusable_or_obsolete(self):
        # at a request's start and end (Django's close_old_connections; Celery's before and after a task):
        # the window opens only at the end of a request that used the connection and met no database error
        used, failed = self.in_use and not self.errors_occurred, self.in_use and self.errors_occurred
        self.in_use = False
        super().close_if_unusable_or_obsolete()
        if self.connection is None or failed:
            self.answered_at = None
        elif used:
            self.answered_at = time.monotonic()

    def close(self):
        self.answered_at = None
        super().close()
