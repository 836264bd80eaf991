"""portal.db.execute: a hot statement is PREPAREd once per database session, then EXECUTEd; a new session
prepares it again; behind a transaction-mode pooler the text is sent every time."""

import uuid

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal import db

pytestmark = pytest.mark.django_db

SQL = "SELECT %(a)s::int + %(b)s::int, %(a)s::int"


NAME = f"portal_test_sum_{uuid.uuid4().hex}"  # not prepared by an earlier run on a kept connection


def _run():
    with connection.cursor() as cur:
        db.execute(cur, NAME, SQL, {"a": 2, "b": 3})
        return cur.fetchone()


def test_prepared_once_per_session_then_executed(settings):
    settings.PORTAL_DB_POOLER = False  # one transaction: one server connection even behind a pooler
    with CaptureQueriesContext(connection) as first:
        assert _run() == (5, 2)
    with CaptureQueriesContext(connection) as second:
        assert _run() == (5, 2)
    assert [q["sql"].split()[0] for q in first.captured_queries] == ["PREPARE", "EXECUTE"]
    assert [q["sql"].split()[0] for q in second.captured_queries] == ["EXECUTE"]


@pytest.mark.django_db(transaction=True)
def test_a_new_session_prepares_again():
    if settings.PORTAL_DB_POOLER:
        pytest.skip("a direct connection's sessions: behind the transaction-mode pooler the text is sent (below)")
    _run()
    connection.close()
    with CaptureQueriesContext(connection) as again:
        assert _run() == (5, 2)
    assert [q["sql"].split()[0] for q in again.captured_queries] == ["PREPARE", "EXECUTE"]


def test_behind_a_pooler_the_text_is_sent(settings):
    settings.PORTAL_DB_POOLER = True
    with CaptureQueriesContext(connection) as ctx:
        assert _run() == (5, 2)
    assert [q["sql"].split()[0] for q in ctx.captured_queries] == ["SELECT"]
