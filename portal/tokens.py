"""API tokens that expire, are stored hashed and can be revoked.

`issue(user)` makes a new random key (40 hex characters, as the old DRF tokens looked) and stores only
its SHA-256 digest; every login gets a new one. `user_for(key)` is the one-query check the API's
authentication class makes. Revocation deletes rows: `revoke(key)` one token, `revoke_all(user)` every
token of a user (web logout does that: portal.twofactor connects it to `user_logged_out`).
"""

import functools
import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connections, router, transaction
from django.utils import timezone

from . import db
from .models import ApiToken, Role
from .permissions import require
from .services import audit


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def ttl() -> timedelta:
    return timedelta(seconds=settings.PORTAL_API_TOKEN_TTL_SECONDS)


def issue(user) -> tuple[str, ApiToken]:
    """A new token for `user`: (the key, shown once; the stored row)."""
    key = secrets.token_hex(20)
    now = timezone.now()
    row = ApiToken.objects.create(
        digest=digest_of(key), prefix=key[:8], user=user, created_at=now, expires_at=now + ttl()
    )
    return key, row


def token_for_key(key: str) -> ApiToken | None:
    """The live token with this key (its user loaded), or None when unknown, revoked or expired.

    Every API request asks this, so it is one prepared statement whose rows become model instances through
    `from_db` (what the ORM does once it has the rows) rather than a queryset compiled again each time, which
    cost more CPU than the query itself."""
    if not key or len(key) > 128:
        return None
    alias = router.db_for_read(ApiToken)
    with connections[alias].cursor() as cur:
        db.execute(cur, "portal_token_for_key", _token_statement()[0], {"digest": digest_of(key), "now": timezone.now()})
        row = cur.fetchone()
    if row is None:
        return None
    token_fields, user_fields = _token_statement()[1:]
    token = ApiToken.from_db(alias, token_fields, row[: len(token_fields)])
    token.user = get_user_model().from_db(alias, user_fields, row[len(token_fields):])
    return token


@functools.cache
def _token_statement() -> tuple[str, list[str], list[str]]:
    user_model = get_user_model()
    token_fields = [f for f in ApiToken._meta.concrete_fields]
    user_fields = [f for f in user_model._meta.concrete_fields]
    q = connections["default"].ops.quote_name
    columns = [f"t.{q(f.column)}" for f in token_fields] + [f"u.{q(f.column)}" for f in user_fields]
    sql = (f"SELECT {', '.join(columns)} FROM {q(ApiToken._meta.db_table)} t"
           f" JOIN {q(user_model._meta.db_table)} u ON u.{q(user_model._meta.pk.column)} = t.user_id"
           " WHERE t.digest = %(digest)s AND t.expires_at > %(now)s")
    return sql, [f.attname for f in token_fields], [f.attname for f in user_fields]


def revoke(key: str) -> int:
    return ApiToken.objects.filter(digest=digest_of(key)).delete()[0]


@transaction.atomic
def revoke_token(token: ApiToken, *, actor) -> None:
    """An admin revokes one token (admin action "吊销所选令牌"); audited."""
    require(actor, roles=[Role.ADMIN])
    audit(actor=actor, action="user.api_token_revoked", obj=token.user,
          before={"token": f"{token.prefix}…", "expires_at": token.expires_at.isoformat()}, note="admin")
    token.delete()


def revoke_all(user) -> int:
    return ApiToken.objects.filter(user=user).delete()[0]


def purge_expired() -> int:
    return ApiToken.objects.filter(expires_at__lte=timezone.now()).delete()[0]
