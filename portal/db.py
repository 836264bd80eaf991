"""Server-side prepared statements for the few statements every request of a hot path runs.

PostgreSQL plans a statement each time it receives its text; for the pooled spend's read-and-lock
statement (ten CTEs) planning cost about 1.5 ms of the backend's CPU, more than executing it. `execute`
PREPAREs such a statement once per database session and then EXECUTEs it. A prepared statement belongs
to the server session, so behind PgBouncer in transaction mode (PORTAL_DB_POOLER, where each transaction
may run on another server connection) and on other databases the text is sent as before.
"""

import contextlib
import contextvars
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


# ---------------------------------------------------------------- a write held back for the next statement
# Inside `deferring(connection)` (one transaction, opened by the caller), `defer` holds back an INSERT that
# nothing reads before the transaction ends (the audit row of a hot path) and sends it ahead of the next
# statement on that connection, whatever it is, in the same round trip: the statements run in their order,
# each with a snapshot of its own, so nothing can see the transaction without the row. What is still held
# when the scope ends without an error is sent then; on an error it is dropped with the transaction.
_held = contextvars.ContextVar("portal_db_held", default=None)


@contextlib.contextmanager
def deferring(connection):
    """The scope in which `defer` may hold statements on `connection`; open it inside the atomic block whose
    commit the held statements must precede."""
    from django.db import connections
    from django.db.transaction import TransactionManagementError

    real = connections[connection.alias]  # this thread's connection, not the module-level proxy
    if not real.in_atomic_block:
        raise TransactionManagementError("deferring() belongs inside the transaction it defers to")
    held: list[tuple[str, list]] = []
    token = _held.set((real, held))

    def carry(execute, sql, params, many, context):
        if not held:
            return execute(sql, params, many, context)
        if not many and isinstance(params, (list, tuple)) and getattr(context["cursor"].cursor, "name", None) is None:
            before, before_params = _take(held)
            return execute(f"{before}; {sql}", before_params + list(params), many, context)
        # many rows, parameters by name or none (a literal % would be read as one), or a server-side cursor
        # (DECLARE … FOR takes one statement): the held rows go first, in a round trip of their own
        with real.cursor() as cur:
            cur.execute(*_take(held))
        return execute(sql, params, many, context)

    try:
        with real.execute_wrapper(carry):
            yield
            if held:
                with real.cursor() as cur:
                    cur.execute(*_take(held))
    finally:
        _held.reset(token)


def _take(held: list) -> tuple[str, list]:
    sql, params = "; ".join(s for s, _p in held), [p for _s, ps in held for p in ps]
    held.clear()
    return sql, params


def defer(connection, sql: str, params: list) -> bool:
    """Hold `sql` (%s parameters) for the next statement on `connection`, if a `deferring` scope of this
    connection is open and no savepoint is (a savepoint rolled back would have to drop it). False: nothing
    held, the caller runs it now."""
    from django.db import connections

    scope = _held.get()
    real = connections[connection.alias]
    if (scope is None or scope[0] is not real or not real.in_atomic_block
            or any(sid is not None for sid in real.savepoint_ids)):  # None: an atomic block without one
        return False
    scope[1].append((sql, list(params)))
    return True
