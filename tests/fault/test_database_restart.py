"""PostgreSQL restarted under a running portal: requests in flight fail cleanly, the next ones succeed."""

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection, connections

from portal.models import Role
from tests.factories import UserFactory, token_for
from tests.server import gunicorn

pytestmark = [pytest.mark.slow]


def _get(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Token {token}", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=20) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _restart_postgres():
    clusters = sorted(Path("/etc/postgresql").iterdir())
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", clusters[0].name, "main", "restart"],
                   check=True, capture_output=True, timeout=120)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"]).returncode == 0:
            return
        time.sleep(0.5)
    raise AssertionError("PostgreSQL did not come back")


@pytest.mark.django_db(transaction=True)
def test_requests_recover_after_a_postgres_restart(tmp_path):
    if connection.vendor != "postgresql" or not shutil.which("pg_ctlcluster") or not Path("/etc/postgresql").exists():
        pytest.skip("needs a local PostgreSQL cluster this test may restart (pg_ctlcluster)")
    user = UserFactory(username="restart_cw", role=Role.CASEWORKER, region_id="610100")
    token = token_for(user)
    # persistent connections: the workers hold connections that the restart breaks
    with gunicorn(workers=2, env_extra={"DJANGO_CONN_MAX_AGE": "600"}, log_path=tmp_path / "gunicorn.log") as base:
        for _ in range(4):
            assert _get(base + "/api/v1/me/", token)[0] == 200
        connections.close_all()
        _restart_postgres()
        first = [_get(base + "/api/v1/me/", token) for _ in range(4)]
        # a request may fail on a dead connection, but cleanly: a 5xx without a traceback page
        for status, body in first:
            assert status in (200, 500, 503), status
            assert b"Traceback" not in body
        after = [_get(base + "/api/v1/me/", token) for _ in range(6)]
        assert [s for s, _ in after] == [200] * 6
        assert json.loads(after[-1][1])["username"] == "restart_cw"
    connections.close_all()
