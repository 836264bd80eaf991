"""portal.dbbackend: the connection health check is skipped within the bypass window after a request that
finished with the connection working, and runs otherwise (a broken connection is then replaced)."""

import pytest
from django.db import DatabaseError, connection, connections

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def own():
    """A connection of its own to the default database, persistent and health-checked as deployed."""
    from django.conf import settings

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL backend")
    if settings.PORTAL_DB_POOLER:
        # behind a transaction-mode pooler a server backend is not this client's connection: killing one
        # would break the pool's other clients (the test run's own connection among them)
        pytest.skip("a direct connection's backend; run without PORTAL_DB_POOLER")
    conn = connections.create_connection("default")
    conn.settings_dict = {**conn.settings_dict, "CONN_MAX_AGE": 600, "CONN_HEALTH_CHECKS": True}
    checks = []
    usable = conn.is_usable

    def counted():
        checks.append(1)
        return usable()

    conn.is_usable = counted
    yield conn, checks
    conn.close()


def _request(conn) -> int:
    """What a request does: its first query (health check first, as Django decides), then its end."""
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_backend_pid()")
            return cur.fetchone()[0]
    finally:
        conn.close_if_unusable_or_obsolete()


def _kill(pid: int) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_terminate_backend(%s)", [pid])


def test_no_check_within_the_window_after_a_working_request(own):
    conn, checks = own
    conn.settings_dict["HEALTH_CHECK_BYPASS"] = 60
    pid = _request(conn)  # connects: no check
    assert _request(conn) == pid and _request(conn) == pid
    assert checks == []


def test_every_request_is_checked_without_a_window_and_a_broken_connection_is_replaced(own):
    conn, checks = own
    conn.settings_dict["HEALTH_CHECK_BYPASS"] = 0
    pid = _request(conn)
    assert _request(conn) == pid and len(checks) == 1
    _kill(pid)
    assert _request(conn) != pid and len(checks) == 2


def test_a_connection_broken_within_the_window_fails_one_request_cleanly_then_is_replaced(own):
    conn, checks = own
    conn.settings_dict["HEALTH_CHECK_BYPASS"] = 60
    pid = _request(conn)
    _kill(pid)
    with pytest.raises(DatabaseError):
        _request(conn)
    assert conn.connection is None  # dropped at the end of the failed request
    assert _request(conn) not in (None, pid)


def test_a_request_that_did_not_use_the_database_does_not_open_the_window(own):
    conn, checks = own
    conn.settings_dict["HEALTH_CHECK_BYPASS"] = 60
    pid = _request(conn)
    conn.answered_at -= 120  # the last working request ended two minutes ago
    conn.close_if_unusable_or_obsolete()  # a request that sent no query: start and end
    conn.close_if_unusable_or_obsolete()
    assert _request(conn) == pid and checks == [1]


def test_a_request_that_met_a_database_error_opens_no_window(own):
    """A request whose query failed (a statement timeout) is checked at its end (Django's is_usable); the next
    request, however soon, is checked again: only a request that worked opens the window."""
    from django.db import OperationalError

    conn, checks = own
    conn.settings_dict["HEALTH_CHECK_BYPASS"] = 60
    _request(conn)
    with pytest.raises(OperationalError):
        with conn.cursor() as cur:
            cur.execute("SET statement_timeout = 50")
            cur.execute("SELECT pg_sleep(2)")
    with conn.cursor() as cur:
        cur.execute("RESET statement_timeout")
    conn.close_if_unusable_or_obsolete()  # that request's end: the error makes Django check the connection
    assert len(checks) == 1
    conn.close_if_unusable_or_obsolete()  # the next request's start
    _request(conn)
    assert len(checks) == 2  # checked again, not bypassed
