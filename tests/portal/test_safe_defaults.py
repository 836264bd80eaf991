"""Without DJANGO_SETTINGS_MODULE the entry points run the production profile: no secret key, no start;
DEBUG off; /media/ not served. Development and tests choose their profile explicitly."""

import os
import secrets
import subprocess
import sys

import pytest

from tests.worker import ROOT

ENTRY_POINTS = {
    "manage.py": [sys.executable, "manage.py", "check"],
    "wsgi": [sys.executable, "-c", "import portal.wsgi"],
    "celery": [sys.executable, "-c", "from portal.celery import app; from django.conf import settings; settings.DEBUG"],
}


def _env(**extra):
    # a deployment's environment: none of the test run's own switches (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for their live server, which `check --deploy` rightly refuses)
    env = {k: v for k, v in os.environ.items()
           if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_SECRET_KEY", "DJANGO_DEBUG", "AUDIT_CHAIN_KEY",
                        "PORTAL_PII_KEYS", "PORTAL_PII_HMAC_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return {**env, **extra}


def _pii_env():
    import base64
    return {"PORTAL_PII_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
            "PORTAL_PII_HMAC_KEY": secrets.token_urlsafe(32)}


def _run(cmd, env):
    return subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_entry_points_default_to_production_and_refuse_without_a_secret_key(entry):
    out = _run(ENTRY_POINTS[entry], _env())
    assert out.returncode != 0, out.stdout
    assert "ImproperlyConfigured" in out.stderr and "DJANGO_SECRET_KEY" in out.stderr, out.stderr[-2000:]


def test_production_default_has_debug_off_and_serves_no_media():
    script = ("import portal.wsgi\n"
              "from django.conf import settings\n"
              "from django.urls import Resolver404, resolve\n"
              "try:\n    resolve('/media/casework/documents/x.pdf'); media = 'served'\n"
              "except Resolver404:\n    media = 'not served'\n"
              "print(settings.SETTINGS_MODULE, settings.DEBUG, media, settings.PRIVATE_ROOT != settings.MEDIA_ROOT)")
    env = _env(DJANGO_SECRET_KEY=secrets.token_urlsafe(60), AUDIT_CHAIN_KEY=secrets.token_urlsafe(32),
               DJANGO_DEBUG="1", **_pii_env())  # even asked for, production keeps DEBUG off
    out = _run([sys.executable, "-c", script], env)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["portal.settings.production", "False", "not", "served", "True"]


def test_production_requires_the_audit_chain_key():
    out = _run([sys.executable, "-c", "import portal.wsgi"], _env(DJANGO_SECRET_KEY=secrets.token_urlsafe(60)))
    assert out.returncode != 0 and "AUDIT_CHAIN_KEY" in out.stderr, out.stderr[-2000:]


@pytest.mark.parametrize("pii", [{}, {"PORTAL_PII_HMAC_KEY": "x" * 40},
                                 {"PORTAL_PII_KEYS": "dev1:ZGV2LW9ubHktc200LWtleQ==", "PORTAL_PII_HMAC_KEY": "x" * 40},
                                 {"PORTAL_PII_KEYS": "k1:c2hvcnQ=", "PORTAL_PII_HMAC_KEY": "x" * 40}])
def test_production_requires_its_own_personal_data_keys(pii):
    env = _env(DJANGO_SECRET_KEY=secrets.token_urlsafe(60), AUDIT_CHAIN_KEY=secrets.token_urlsafe(32), **pii)
    out = _run([sys.executable, "-c", "import portal.wsgi"], env)
    assert out.returncode != 0 and "PORTAL_PII_KEYS" in out.stderr, out.stderr[-2000:]


@pytest.mark.slow
def test_check_deploy_is_clean_with_the_production_profile():
    env = _env(DJANGO_SECRET_KEY=secrets.token_urlsafe(60), AUDIT_CHAIN_KEY=secrets.token_urlsafe(32), **_pii_env())
    out = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert out.returncode == 0, out.stdout + out.stderr[-2000:]
    assert "no issues" in out.stdout


def test_the_test_helpers_choose_their_profile():
    for helper in ("tests/worker.py", "tests/server.py", "bench/run.py"):
        assert "portal.settings.base" in (ROOT / helper).read_text()
    makefile = (ROOT / "Makefile").read_text()
    assert "export DJANGO_SETTINGS_MODULE ?= portal.settings.base" in makefile
    assert "test: export DJANGO_SETTINGS_MODULE = portal.settings.test" in makefile
