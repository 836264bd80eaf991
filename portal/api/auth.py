"""API authentication: expiring hashed tokens (portal.tokens), sessions only once their second factor is
done, and the token endpoint's throttles."""

import hashlib

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from portal import tokens, twofactor


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>` against portal.models.ApiToken: looked up by the key's SHA-256 digest
    (one query, the user joined); unknown, revoked or expired -> 401."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        token = tokens.token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser session counts for the API only when its second factor is done (or not needed)."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and twofactor.pending_step(request._request):
            return None
        return result


class VerifiedSessionScheme(OpenApiAuthenticationExtension):
    target_class = "portal.api.auth.VerifiedSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}


class _TokenEndpointThrottle(SimpleRateThrottle):
    """The "auth_token" rate (read at each request, so settings overrides apply)."""

    scope = "auth_token"
    default_rate = "10/minute"

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.default_rate


class TokenClientThrottle(_TokenEndpointThrottle):
    """Per client address (DRF's NUM_PROXIES, from PORTAL_TRUSTED_PROXIES, decides which address)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class TokenUsernameThrottle(_TokenEndpointThrottle):
    """Per username, whatever the address: guessing one account's password from many addresses."""

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        username = str(data.get("username") or "").strip().lower()
        if not username:
            return None
        ident = hashlib.sha256(username.encode("utf-8")).hexdigest()[:32]
        return self.cache_format % {"scope": f"{self.scope}_user", "ident": ident}
