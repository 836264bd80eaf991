"""Production profile: secure defaults; every secret comes from the environment."""

import base64
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import env_bool

# The profile wsgi.py, celery.py and manage.py run when DJANGO_SETTINGS_MODULE is not set; development
# and tests choose portal.settings.base / portal.settings.test explicitly (Makefile, pyproject).
DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if len(SECRET_KEY) < 50 or SECRET_KEY.startswith("dev-only"):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random string of 50+ characters for the production profile "
        "(portal.settings.production, the default). For development set DJANGO_SETTINGS_MODULE=portal.settings.base."
    )
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "")
if len(AUDIT_CHAIN_KEY) < 1:
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY must be set for the production profile: the audit chain's HMAC key, kept outside the "
        "database (generate one with: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
    )
PORTAL_PII_KEYS = os.environ.get("PORTAL_PII_KEYS", "")
PORTAL_PII_HMAC_KEY = os.environ.get("PORTAL_PII_HMAC_KEY", "")
if not PORTAL_PII_KEYS or PORTAL_PII_KEYS == DEV_PII_KEYS or len(PORTAL_PII_HMAC_KEY) < 32 \
        or PORTAL_PII_HMAC_KEY == DEV_PII_HMAC_KEY:  # noqa: F405
    raise ImproperlyConfigured(
        "PORTAL_PII_KEYS and PORTAL_PII_HMAC_KEY must be set for the production profile: the SM4 keys of personal "
        "data at rest (\"k1:<base64 of 16 random bytes>\", the first encrypts) and the lookup HMAC key (32+ "
        "characters). Generate with: python -c 'import base64,os; print(\"k1:\" + base64.b64encode(os.urandom(16)).decode())'"
    )
for _part in PORTAL_PII_KEYS.split(","):  # a malformed key stops the start, not the first save
    _kid, _sep, _b64 = _part.strip().partition(":")
    try:
        _ok = bool(_kid) and len(base64.b64decode(_b64, validate=True)) == 16
    except ValueError:
        _ok = False
    if not _ok:
        raise ImproperlyConfigured(f"PORTAL_PII_KEYS: {_kid!r} is not <id>:<base64 of 16 bytes>")
PORTAL_SERVE_MEDIA = False

# JSON logs by default (PORTAL_LOG_JSON=0 for plain lines); Celery keeps Django's handlers so worker lines
# are JSON too and carry the request id of the request that enqueued the task.
if env_bool("PORTAL_LOG_JSON", True):
    LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
    CELERY_WORKER_HIJACK_ROOT_LOGGER = False
    PORTAL_LOG_JSON = True

# persistent database connections (checked before reuse): a request does not pay for a new PostgreSQL
# backend; set DJANGO_CONN_MAX_AGE=0 behind a transaction-mode pooler such as PgBouncer
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("DJANGO_CONN_MAX_AGE", "600"))  # noqa: F405

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(2 * 3600)))
