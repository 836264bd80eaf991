"""A web worker loads what its first request would (URLconf, catalogue, Celery's publishing path) at boot,
without a query to the database or a connection it would then carry into a fork."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.warmup import warm_up
from tests.worker import broker_mode

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
@pytest.mark.parametrize("broker", [False, True])
def test_warm_up_sends_no_query(django_assert_num_queries, broker):
    if broker:
        with broker_mode(), django_assert_num_queries(0):
            warm_up()
    else:
        with django_assert_num_queries(0):
            warm_up()


def test_the_wsgi_application_is_warm_once_imported():
    """In a fresh process (in this one earlier tests have resolved URLs already)."""
    code = ("import sys; import portal.wsgi; from django.urls import get_resolver;"
            " assert 'urlconf_module' in get_resolver().__dict__, 'URLconf not imported';"
            " assert 'medical_pooling.api.views' in sys.modules, 'views not imported';"
            " from django.db import connections;"
            " assert all(c.connection is None for c in connections.all(initialized_only=True)), 'connected'")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
