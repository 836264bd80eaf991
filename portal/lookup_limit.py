"""How often one user (or one token, or one address) may look people up by ID number.

A search by an ID number, or by a run of its digits, tells the searcher whether that person is on file in
their scope. Typed by a caseworker it is casework; run in a loop it is enumeration. This middleware counts
every request whose search parameters carry such digits, per identity, in a fixed window in the shared
cache (Redis in production, so all web nodes count together), and answers 429 in Chinese beyond
`PORTAL_PERSON_LOOKUP_RATE` (e.g. "60/minute"). The first refusal in a window is audited.

The identity is the signed-in user; for API calls (token authentication happens later, in the view) a
digest of the Authorization header; otherwise the client address from `portal.clientip`.
"""

import hashlib
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from .audit_actions import AuditAction
from .clientip import client_ip
from .services import audit_read

SEARCH_PARAMS = ("q", "search", "id_number", "id_last4", "person", "beneficiary_id_number", "pooler_id_number")
# four or more digits, or three and an X: a number's last four ("123X") is a lookup like "1234"
ID_DIGITS = re.compile(r"\d{3,}[\dXx]")
PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """'60/minute' -> (60, 60). A bad setting fails loudly at first use."""
    count, _sep, period = (rate or "").partition("/")
    return int(count), PERIODS[period.strip()]


def is_person_lookup(request) -> bool:
    return any(ID_DIGITS.search(request.GET.get(name, "") or "") for name in SEARCH_PARAMS)


def identity(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        return "token:" + hashlib.sha256(header.encode()).hexdigest()[:32]
    return f"ip:{client_ip(request)}"


def count_lookup(who: str) -> tuple[int, int, int]:
    """(used in this window including this one, limit, seconds left in the window)."""
    limit, period = parse_rate(settings.PORTAL_PERSON_LOOKUP_RATE)
    now = int(time.time())
    window = now // period
    key = f"person-lookup:{who}:{window}"
    cache.add(key, 0, timeout=period + 5)
    try:
        used = cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 5)
        used = 1
    return used, limit, (window + 1) * period - now


def _audit_refusal(request, who: str, limit: int) -> None:
    user = getattr(request, "user", None)
    audit_read(actor=user if user is not None and user.is_authenticated else None, action=AuditAction.PERSON_LOOKUP_LIMITED,
               object_type="lookup", object_id=who[:64], after={"path": request.path, "limit": limit})


class PersonLookupLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and is_person_lookup(request):
            who = identity(request)
            used, limit, retry = count_lookup(who)
            if used > limit:
                if used == limit + 1:
                    _audit_refusal(request, who, limit)
                message = _("按身份证号码查询过于频繁，请 %(s)s 秒后再试。") % {"s": retry}
                if request.path.startswith("/api/"):
                    response = JsonResponse({"detail": message}, status=429)
                else:
                    response = HttpResponse(message, status=429, content_type="text/plain; charset=utf-8")
                response["Retry-After"] = str(retry)
                return response
        return self.get_response(request)
