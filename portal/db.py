"""Server-side prepared statements for the few statements every request of a hot path runs.

PostgreSQL plans a statement each time it receives its text; for the pooled spend's read-and-lock
statement (ten CTEs) planning cost about 1.5 ms of the backend's CPU, more than executing it. `execute`
PREPAREs such a statement once per database session and then EXECUTEs it. A prepared statement belongs
to the server session, so behind PgBouncer in transaction mode (PORTAL_DB_POOLER, where each transaction
may run on another server connection) and on other databases the text is sent as before.
"""

import re
import weakref

from django.conf import settings

_PARAM = re.compile(r"%\((\w+)\)s")
# statement names prepared on each open psycopg2 connection (a reconnection is a new object, with none)
_prepared: "weakref.WeakKeyDictionary[object, set[str]]" = weakref.WeakKeyDictionary()
_texts: dict[str, tuple[str, list[str]]] = {}


def execute(cursor, name: str, sql: str, params: dict, *, before: str = "") -> None:
    """cursor.execute(sql, params) for a statement with %(name)s parameters (no literal %), prepared under
    `name` (a cursor from `connection.cursor()`). `before`: `SELECT pg_advisory_xact_lock(…);` statements
    without parameters, sent ahead of it in the same round trip (the statement then gets a snapshot taken
    once the locks are held); the cursor stands on the statement's rows."""
    if cursor.db.vendor != "postgresql" or getattr(settings, "PORTAL_DB_POOLER", False):
        cursor.execute(before + sql, params)
        _skip_leading_results(cursor, before)
        return
    if name not in _texts:
        order: list[str] = []

        def number(match):
            if match.group(1) not in order:
                order.append(match.group(1))
            return f"${order.index(match.group(1)) + 1}"

        _texts[name] = (_PARAM.sub(number, sql), order)
    text, order = _texts[name]
    done = _prepared.setdefault(cursor.db.connection, set())  # the cursor's open connection
    if name not in done:
        cursor.execute(f"PREPARE {name} AS {text}")
        done.add(name)
    cursor.execute(f"{before}EXECUTE {name} ({', '.join(['%s'] * len(order))})", [params[p] for p in order])
    _skip_leading_results(cursor, before)


def _skip_leading_results(cursor, before: str) -> None:
    """psycopg2 keeps the last statement's result of a multi-statement string; a driver that stands on the
    first (psycopg 3) is moved past the leading lock statements to it."""
    while before and cursor.description and cursor.description[0][0] == "pg_advisory_xact_lock":
        cursor.nextset()
