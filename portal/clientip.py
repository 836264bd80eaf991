"""The client's address, from one setting: PORTAL_TRUSTED_PROXIES (how many reverse proxies stand in front).

With no proxy the socket's address is the client and X-Forwarded-For is ignored: anyone can write that
header, so trusting it would let one client pose as many (and slip past every per-address limit). Behind
N proxies each appends the address it received from, so the client is the N-th entry from the right —
the same rule as DRF's NUM_PROXIES, which base settings set from the same number.
"""

from django.conf import settings


def client_ip(request) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or ""
    proxies = int(getattr(settings, "PORTAL_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if not forwarded:
        return remote
    return forwarded[-min(proxies, len(forwarded))]
