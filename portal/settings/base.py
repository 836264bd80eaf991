"""Settings shared by every profile; everything that differs between machines comes from the environment.

DATABASE_URL  unset -> embedded SQLite file under var/ (demo only; tests and production use Postgres)
REDIS_URL     unset -> Celery tasks run in-process (eager) and the cache is local memory
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PORTAL_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
# Old keys stay valid for signatures (certificate QR links, sessions) after a rotation.
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS")
DEBUG = env_bool("DJANGO_DEBUG", True)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "portal.apps.PortalConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "bootstrap",
    "csp",
    "axes",
    "health_check",
    "django_prometheus",
    "assistance.apps.AssistanceConfig",
    "casework.apps.CaseworkConfig",
    "medical_pooling.apps.MedicalPoolingConfig",
    "skills_training.apps.SkillsTrainingConfig",
    "appeals.apps.AppealsConfig",
    "relief_inkind.apps.ReliefInkindConfig",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "portal.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
    "portal.twofactor.SecondFactorMiddleware",
    "portal.lookup_limit.PersonLookupLimitMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling: 5 failures for one username from one address lock that pair for 30 minutes.
AXES_ENABLED = env_bool("PORTAL_LOGIN_THROTTLE", True)
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

# --- Client addresses. How many reverse proxies stand in front of the portal (nginx, a load balancer):
# 0 = clients connect directly and X-Forwarded-For is ignored (anyone can forge it); N = the client is the
# N-th address from the right of X-Forwarded-For. One number drives DRF's throttles (NUM_PROXIES), the
# login lockout (axes, through portal.clientip) and every other per-address limit.
PORTAL_TRUSTED_PROXIES = int(os.environ.get("PORTAL_TRUSTED_PROXIES", "0"))
# Searches carrying ID-number digits, per user (or token, or address), across all web nodes (portal.lookup_limit).
PORTAL_PERSON_LOOKUP_RATE = os.environ.get("PORTAL_PERSON_LOOKUP_RATE", "60/minute")
AXES_CLIENT_IP_CALLABLE = "portal.clientip.client_ip"
# axes consults these only without the callable above and with django-ipware installed; kept consistent
AXES_IPWARE_PROXY_COUNT = PORTAL_TRUSTED_PROXIES or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR") if PORTAL_TRUSTED_PROXIES else ("REMOTE_ADDR",)

# --- Second factor (TOTP, django-otp). Users of these roles (and superusers) must enrol a device at their
# first browser sign-in and enter a code at every sign-in; the others may enrol on their own.
PORTAL_OTP_REQUIRED_ROLES = env_list(
    "PORTAL_OTP_REQUIRED_ROLES", "approver,insurance_officer,training_staff,admin"
)
# shared/API.md: a user WITH a device sends `otp`; one of a required role with no device yet still gets a
# token with the password (the browser asks them to enrol). A deployment that wants no token before
# enrolment sets PORTAL_OTP_API_REQUIRES_DEVICE=1.
PORTAL_OTP_API_REQUIRES_DEVICE = env_bool("PORTAL_OTP_API_REQUIRES_DEVICE", False)
# Paths a signed-in but not yet verified user may still open (the API checks its own credentials).
PORTAL_OTP_EXEMPT_PATHS = ["/accounts/login/", "/accounts/logout/", "/accounts/otp/", "/static/", "/api/", "/healthz", "/health/", "/metrics", "/i18n/", "/jsi18n/", "/training/verify/"]
PORTAL_OTP_RECOVERY_CODES = 10
OTP_TOTP_ISSUER = "社会救助综合服务平台"
# the admin lists devices (deleting one makes its user enrol again) but never shows secrets or codes
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- API tokens (portal.models.ApiToken): random, stored as a SHA-256 digest, valid this long (seconds);
# revoked at web logout (every token of the user) or by an admin deleting them (admin: API 令牌).
PORTAL_API_TOKEN_TTL_SECONDS = int(os.environ.get("PORTAL_API_TOKEN_TTL_SECONDS", str(10 * 3600)))

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'portal.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "0")),
    )
}
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# --- Behind PgBouncer in transaction mode (PORTAL_DB_POOLER=1, scripts/pgbouncer.sh, docs/fleet.md): each
# transaction may run on a different server connection, so nothing may outlive a transaction on the
# server. Server-side cursors (QuerySet.iterator()) would: they are turned off. The portal keeps no other
# session state (advisory locks are pg_advisory_xact_lock, temporary tables live within one transaction,
# the time zone is one PgBouncer tracks). CONN_MAX_AGE only keeps the cheap client connection to PgBouncer:
# 0 (a new one per request) or 600 both work; the pooler holds the real PostgreSQL backends.
PORTAL_DB_POOLER = env_bool("PORTAL_DB_POOLER", False)
if PORTAL_DB_POOLER:
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True
# A streaming read replica (scripts/replica.sh) for reports, dashboards, exports and statistics
# (portal/dbrouter.py); PORTAL_READ_REPLICA=0 keeps every read on the primary.
_replica_url = os.environ.get("PORTAL_DB_REPLICA_URL", "")
if _replica_url:
    DATABASES["replica"] = dj_database_url.parse(_replica_url, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"])
    DATABASES["replica"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["replica"]["DISABLE_SERVER_SIDE_CURSORS"] = PORTAL_DB_POOLER
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
PORTAL_READ_REPLICA = env_bool("PORTAL_READ_REPLICA", bool(_replica_url))
DATABASE_ROUTERS = ["portal.dbrouter.PrimaryReplicaRouter"]
# PostgreSQL through portal/dbbackend: django-prometheus's wrapper of Django's backend (query counts and
# durations per alias for /metrics; PORTAL_METRICS_DB=0 leaves it out), and a health check skipped when the
# connection finished a request without a database error in the last PORTAL_DB_HEALTH_CHECK_BYPASS seconds
# (0.5 by default, HikariCP's figure; 0 checks before every request).
PORTAL_METRICS_DB = env_bool("PORTAL_METRICS_DB", True)
for _db in DATABASES.values():
    if _db["ENGINE"] == "django.db.backends.postgresql":
        _db["ENGINE"] = "portal.dbbackend"
        _db["HEALTH_CHECK_BYPASS"] = float(os.environ.get("PORTAL_DB_HEALTH_CHECK_BYPASS", "0.5"))
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "portal.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "portal:dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese first; English second.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "portal" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("PORTAL_MEDIA_ROOT", VAR_DIR / "media"))

# The bank's file exchange (outbox/, inbox/), outside MEDIA_ROOT, and its status query: see
# assistance/channels.py. `python -m banksim serve --root var/bank --http 127.0.0.1:8765` plays the bank.
# how winter-relief batches pay: "simulated" (at once, in-process; unit tests) or "bank_file" (the bank)
ASSISTANCE_PAYMENT_CHANNEL = os.environ.get("PORTAL_PAYMENT_CHANNEL", "simulated")
ASSISTANCE_BANK_DIR = Path(os.environ.get("PORTAL_BANK_DIR", VAR_DIR / "bank"))
ASSISTANCE_BANK_URL = os.environ.get("PORTAL_BANK_URL", "http://127.0.0.1:8765")
# a payment handed over longer ago than this, with no result yet, is asked about by reference
ASSISTANCE_BANK_QUERY_AFTER = int(os.environ.get("PORTAL_BANK_QUERY_AFTER", "1800"))
MEDIA_URL = "/media/"
# Only the development server serves MEDIA_ROOT (production never does: nothing private lies there).
PORTAL_SERVE_MEDIA = DEBUG
# Private files (casework application documents): outside MEDIA_ROOT, served only through views that
# check the reader's scope and audit the read (casework.views.application_document_download).
PRIVATE_ROOT = Path(os.environ.get("PORTAL_PRIVATE_ROOT", VAR_DIR / "private"))
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.PortalRedisCache", "LOCATION": REDIS_URL}}  # one client per pool
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery: see README "Background work" for why each of these is set.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_SERIALIZER = "json"
# Publishing gives up quickly when the broker is down (portal.queue logs it; the resume job re-publishes).
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_ACCEPT_CONTENT = ["json"]

# --- Queues by workload: each kind of worker node consumes its own queue with its own concurrency
# (README "A fleet"): `celery -A portal worker -Q payout -n payout@%h -c 2`, and so on. A worker started
# without -Q consumes all five (development, tests). Routing is by task name, so beat's schedules and
# portal.queue.enqueue land in the same place.
CELERY_TASK_DEFAULT_QUEUE = "default"
PORTAL_QUEUES = ("payout", "clearing", "imports", "discovery", "default")
CELERY_TASK_QUEUES = {name: {"exchange": name, "routing_key": name} for name in PORTAL_QUEUES}
CELERY_TASK_ROUTES = {
    # money leaving the portal and the bank exchange: few, steady workers
    "assistance.pay_batch": {"queue": "payout"},
    "assistance.fetch_bank_results": {"queue": "payout"},
    "assistance.query_bank": {"queue": "payout"},
    "assistance.reconcile_batches": {"queue": "payout"},
    # the medical-pooling monthly clearing between provinces
    "medical_pooling.run_settlement": {"queue": "clearing"},
    "medical_pooling.run_monthly_settlement": {"queue": "clearing"},
    # bulk set-based loading: batch builds, the monthly payroll, heating top-ups
    "assistance.build_batch": {"queue": "imports"},
    "assistance.monthly_payroll": {"queue": "imports"},
    "assistance.heating_topup": {"queue": "imports"},
    # scans over the whole registry: active discovery, disaster reviews, nightly fraud scan
    "casework.discovery_scan": {"queue": "discovery"},
    "casework.disaster_review_open": {"queue": "discovery"},
    "medical_pooling.scan_fraud_nightly": {"queue": "discovery"},
    # everything else (notices, the fraud checks after spends, resume jobs, audit anchors) -> "default"
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.api.auth.ExpiringTokenAuthentication",
        "portal.api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "portal.api.pagination.PortalPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"anon": "120/minute", "verify": "60/minute", "auth_token": "10/minute"},
    "NUM_PROXIES": PORTAL_TRUSTED_PROXIES,
    "DATETIME_FORMAT": "iso-8601",
    "COERCE_DECIMAL_TO_STRING": True,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "社会救助综合服务平台 API",
    "DESCRIPTION": "Winter relief, medical-account pooling and herbal-cuisine certification.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several apps name a choice set "kind", "category" or "outcome": give each its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "AssistanceCategoryEnum": "assistance.models.Category",
        "SchemeKindEnum": "assistance.models.Scheme.Kind",
        "PaymentAttemptOutcomeEnum": "assistance.models.PaymentAttempt.Outcome",
        "ApplicationCategoryEnum": "casework.models.ApplicationCategory",
        "DocumentKindEnum": "casework.models.ApplicationDocument.Kind",
        "TemporaryAidKindEnum": "casework.models.TemporaryAid.Kind",
        "TemporaryAidReviewOutcomeEnum": "casework.models.TemporaryAid.ReviewOutcome",
        "ShelterKindEnum": "casework.models.Shelter.Kind",
        "EncounterOutcomeEnum": "casework.models.Encounter.Outcome",
        "VisitKindEnum": "casework.models.Visit.Kind",
        "DiscoveryKindEnum": "casework.models.DiscoveryTask.Kind",
        "DisasterKindEnum": "casework.models.DisasterEvent.Kind",
        "AffectedOutcomeEnum": "casework.models.AffectedHousehold.Outcome",
        "SmsNoticeKindEnum": "casework.models.Notice.Kind",
        "EmploymentOutcomeEnum": "skills_training.models.EmploymentFollowUp.Outcome",
        "AppealKindEnum": "appeals.models.Appeal.Kind",
        "VerificationMethodEnum": "appeals.models.VerificationCheck.Method",
        "HandoverMethodEnum": "casework.models.Handover.Method",
    },
}

# --- Operations (docs/fleet.md): /health/live, /health/ready and /metrics answer only requests from these
# networks (the client address as portal.clientip sees it) or with `Authorization: Bearer PORTAL_OPS_TOKEN`.
PORTAL_OPS_ALLOWED_NETWORKS = env_list("PORTAL_OPS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
PORTAL_OPS_TOKEN = os.environ.get("PORTAL_OPS_TOKEN", "")
PORTAL_HEALTH_WORKERS = env_bool("PORTAL_HEALTH_WORKERS", True)  # readiness asks the workers of every queue
PORTAL_HEALTH_MIN_FREE_DISK_PERCENT = float(os.environ.get("PORTAL_HEALTH_MIN_FREE_DISK_PERCENT", "5"))
# Reads of reports, dashboards, exports and statistics from the read replica (portal.dbrouter)
PORTAL_REPLICA_MAX_LAG = float(os.environ.get("PORTAL_REPLICA_MAX_LAG", "5"))
PORTAL_REPLICA_LAG_CHECK = float(os.environ.get("PORTAL_REPLICA_LAG_CHECK", "1"))

# Logs: one JSON object a line with the request id (PORTAL_LOG_JSON=1; production's default), else plain.
PORTAL_LOG_JSON = env_bool("PORTAL_LOG_JSON", False)
# with JSON logs a worker keeps Django's handlers (its lines are JSON too, with the request id)
CELERY_WORKER_HIJACK_ROOT_LOGGER = not PORTAL_LOG_JSON
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"mask_pii": {"()": "portal.logging.MaskPIIFilter"},
                "request_id": {"()": "portal.requestid.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["mask_pii", "request_id"],
                             "formatter": "json" if PORTAL_LOG_JSON else "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "celery": {"level": "WARNING"},
        # Django's own handlers (runserver's request lines with query strings, the DEBUG console) are
        # replaced: every record goes through the masking handler
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}

# Content security policy: every script is a local file; no inline script runs anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_AGE", str(8 * 3600)))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# The audit chain is an HMAC-SHA256 chain keyed by AUDIT_CHAIN_KEY, a key the database does not hold
# (production requires it; development derives one from SECRET_KEY). The chain head is written, signed,
# to append-only JSON lines under AUDIT_ANCHOR_DIR, so deleting the newest rows is detected.
AUDIT_CHAIN_KEY = os.environ.get("AUDIT_CHAIN_KEY", "") or f"dev-audit-chain:{SECRET_KEY}"
# Personal data at rest (portal/pii.py): SM4-GCM keys "id:base64(16 bytes),..." (the first encrypts, all
# decrypt; `manage.py rotate_pii_keys` moves rows to the first) and the lookup HMAC key (not rotated).
# The development keys below are public: the production profile refuses to start without its own.
DEV_PII_KEYS = "dev1:ZGV2LW9ubHktc200LWtleQ=="
DEV_PII_HMAC_KEY = "dev-only-pii-lookup-key"
PORTAL_PII_KEYS = os.environ.get("PORTAL_PII_KEYS", "") or DEV_PII_KEYS
PORTAL_PII_HMAC_KEY = os.environ.get("PORTAL_PII_HMAC_KEY", "") or DEV_PII_HMAC_KEY
AUDIT_ANCHOR_DIR = Path(os.environ.get("AUDIT_ANCHOR_DIR", VAR_DIR / "audit-anchors"))

# Domain knobs (overridable per deployment).
PORTAL_PUBLIC_BASE_URL = os.environ.get("PORTAL_PUBLIC_BASE_URL", "http://127.0.0.1:8000")
