"""Test profile: the base settings with fast hashing. DATABASE_URL/REDIS_URL decide Postgres/Redis."""

import os
import tempfile
from pathlib import Path

from .base import *  # noqa: F401,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {  # noqa: F405
    "anon": "10000/minute", "verify": "10000/minute", "auth_token": "10000/minute"}}
PORTAL_PERSON_LOOKUP_RATE = "10000/minute"  # its own test (tests/portal/test_lookup_limit.py) sets a low one

# Tests run tasks in-process unless a test starts a real worker (tests/portal/test_celery_worker.py
# switches the app to the broker for its own duration).
CELERY_TASK_ALWAYS_EAGER = True

# Login throttling is exercised by its own test (override_settings); elsewhere tests log in freely.
AXES_ENABLED = False

# Audit anchors of a test session in a temporary folder of its own (tests/conftest.py empties it per test).
AUDIT_ANCHOR_DIR = Path(tempfile.gettempdir()) / f"portal-test-audit-anchors-{os.getpid()}"

# The `replica` alias mirrors the test database (the router's own tests read through it with
# PORTAL_READ_REPLICA on; tests/fleet runs a real streaming replica in separate processes).
DATABASES["replica"] = {**DATABASES.get("replica", DATABASES["default"]), "TEST": {"MIRROR": "default"}}  # noqa: F405
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}  # noqa: F405
PORTAL_READ_REPLICA = False
