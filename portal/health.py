"""Liveness, readiness and the operators' guard (django-health-check does the probing).

/health/live   the process answers (nothing else is touched): restart the node when this fails
/health/ready  database, replica lag, broker, workers of every queue, disk: take the node out of the
               balancer when this fails (HTTP 500 with the failing check named; ?format=json)
/metrics       Prometheus (portal.metrics)

None of them is public in production: `ops_only` lets a request through when it comes from
PORTAL_OPS_ALLOWED_NETWORKS (CIDRs; the client address as portal.clientip sees it) or carries
`Authorization: Bearer <PORTAL_OPS_TOKEN>`; anyone else gets 404, as if there were nothing there.
"""

import dataclasses
import datetime
import hmac
import ipaddress
import shutil
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views.decorators.cache import never_cache
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from .clientip import client_ip


def _networks():
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "PORTAL_OPS_ALLOWED_NETWORKS", [])]


def ops_allowed(request) -> bool:
    token = getattr(settings, "PORTAL_OPS_TOKEN", "")
    if token:
        given = request.headers.get("Authorization", "")
        if given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(address in net for net in _networks())


def ops_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not ops_allowed(request):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


@dataclasses.dataclass
class ReplicaLag(HealthCheck):
    """The read replica answers and is no further behind than PORTAL_REPLICA_MAX_LAG seconds (no replica in
    use: nothing to check)."""

    alias: str = "replica"

    def run(self):
        from .dbrouter import replica_lag_seconds

        if not getattr(settings, "PORTAL_READ_REPLICA", False) or self.alias not in settings.DATABASES:
            return
        lag = replica_lag_seconds(self.alias, cached=False)
        if lag is None:
            raise ServiceUnavailable("replica unreachable")
        if lag > settings.PORTAL_REPLICA_MAX_LAG:
            raise ServiceUnavailable(f"replica {lag:.1f}s behind")


@dataclasses.dataclass
class Broker(HealthCheck):
    """The Celery broker accepts a connection (eager mode without a broker: nothing to check)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self):
        from .celery import app

        if app.conf.task_always_eager and not settings.REDIS_URL:
            return
        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
        except Exception as exc:  # kombu raises several kinds
            raise ServiceUnavailable("broker unreachable") from exc


@dataclasses.dataclass
class Workers(HealthCheck):
    """Some worker answers a ping for every queue (PORTAL_HEALTH_WORKERS=0 on nodes that should not care)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def run(self):
        from .celery import app

        if app.conf.task_always_eager or not getattr(settings, "PORTAL_HEALTH_WORKERS", True):
            return
        try:
            replies = app.control.ping(timeout=1.5) or []
            nodes = [name for reply in replies for name, answer in reply.items() if answer == {"ok": "pong"}]
            if not nodes:
                raise ServiceUnavailable("no worker answers")
            active = app.control.inspect(nodes, timeout=1.5).active_queues() or {}
        except OSError as exc:
            raise ServiceUnavailable("broker unreachable") from exc
        served = {queue["name"] for queues in active.values() for queue in queues}
        missing = [q for q in settings.PORTAL_QUEUES if q not in served]
        if missing:
            raise ServiceUnavailable(f"no worker for queue {', '.join(missing)}")


@dataclasses.dataclass
class Disk(HealthCheck):
    """Free space where the portal writes (var/: bank files, anchors, private documents)."""

    min_free_percent: float = dataclasses.field(default=5.0, repr=False)

    def run(self):
        usage = shutil.disk_usage(settings.VAR_DIR if settings.VAR_DIR.exists() else settings.BASE_DIR)
        free = usage.free * 100 / usage.total
        if free < getattr(settings, "PORTAL_HEALTH_MIN_FREE_DISK_PERCENT", self.min_free_percent):
            raise ServiceUnavailable(f"{free:.1f}% disk free")


READY_CHECKS = (
    "health_check.checks.Database",
    "portal.health.ReplicaLag",
    "portal.health.Broker",
    "portal.health.Workers",
    "portal.health.Disk",
)


class ReadinessView(HealthCheckView):
    checks = READY_CHECKS


@never_cache
def live(request):
    return HttpResponse("ok", content_type="text/plain")

