"""The bank's books, ``ROOT/bank.sqlite3`` (WAL): schema, clock, and the read-only API for the portal.

Only the bank process writes the ledger.  Everyone else (the portal's fault tests, the ``status`` and
``ledger`` commands, the HTTP status server) opens it read-only through :func:`open_ledger`.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from banksim.money import format_yuan

LEDGER_NAME = "bank.sqlite3"

# The simulated bank keeps Beijing time.  A fixed offset and fixed-width ISO strings with microseconds
# keep the text timestamps ordered, so "due_at <= now" can be compared in SQL.
CST = dt.timezone(dt.timedelta(hours=8), "CST")

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    number      TEXT PRIMARY KEY,
    holder      TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    balance_fen INTEGER NOT NULL DEFAULT 0 CHECK (balance_fen >= 0),
    opened_at   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS files (
    name           TEXT PRIMARY KEY,
    sha256         TEXT NOT NULL,
    received_at    TEXT NOT NULL,
    due_at         TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('received', 'answered', 'refused')),
    detail_count   INTEGER NOT NULL,
    total_fen      INTEGER NOT NULL,
    refused_reason TEXT,           -- the 9001 reason, for a refused file
    answered_at    TEXT            -- when the result file was written (NULL: not yet)
);
-- One row per reference EVER: the primary key is what makes "paid at most once" hold.
CREATE TABLE IF NOT EXISTS payments (
    reference   TEXT PRIMARY KEY,
    file        TEXT NOT NULL REFERENCES files (name),
    account     TEXT NOT NULL,
    holder      TEXT NOT NULL,
    amount_fen  INTEGER NOT NULL CHECK (amount_fen > 0),
    status      TEXT NOT NULL CHECK (status IN ('paid', 'failed')),
    code        TEXT NOT NULL,
    message     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    settled_at  TEXT NOT NULL
);
-- Every detail line of every file as received, in order, so a result file can be rebuilt from the
-- ledger alone (duplicates and refused files have no payments row of their own).
CREATE TABLE IF NOT EXISTS file_rows (
    file       TEXT NOT NULL REFERENCES files (name),
    line       INTEGER NOT NULL,
    reference  TEXT NOT NULL,
    account    TEXT NOT NULL,
    amount_fen INTEGER,
    duplicate  INTEGER NOT NULL CHECK (duplicate IN (0, 1)),
    PRIMARY KEY (file, line)
);
CREATE INDEX IF NOT EXISTS files_unanswered ON files (due_at) WHERE answered_at IS NULL;
"""


def iso(ts: float) -> str:
    """Epoch seconds -> '2025-01-31T09:30:00.000000+08:00' (fixed width, sortable)."""
    return dt.datetime.fromtimestamp(ts, CST).isoformat(timespec="microseconds")


def human_time(iso_text: str) -> str:
    """'2025-01-31T09:30:00.000000+08:00' -> '2025-01-31 09:30:00' for messages."""
    return dt.datetime.fromisoformat(iso_text).strftime("%Y-%m-%d %H:%M:%S")


def ledger_path(root) -> Path:
    return Path(root) / LEDGER_NAME


def open_writer(root) -> sqlite3.Connection:
    """The bank's own connection: creates the schema; autocommit mode, transactions are explicit."""
    path = ledger_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")  # a committed booking survives before its result is written
    conn.execute("PRAGMA foreign_keys=ON")
    conn.executescript(SCHEMA)
    return conn


def open_ledger(root) -> sqlite3.Connection:
    """A read-only connection to the ledger (rows as sqlite3.Row).  FileNotFoundError if the bank has
    never run on this root."""
    path = ledger_path(root)
    if not path.exists():
        raise FileNotFoundError(f"no bank ledger at {path}")
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=10.0,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    return conn


def _query(root, sql: str, params=()) -> list[sqlite3.Row]:
    """Rows of a read-only query; no rows if the ledger does not exist yet."""
    try:
        conn = open_ledger(root)
    except FileNotFoundError:
        return []
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def paid_total_fen(root) -> int:
    """Sum of every paid payment, in fen."""
    rows = _query(root, "SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE status = 'paid'")
    return rows[0][0] if rows else 0


def payments_by_reference(root) -> dict[str, dict]:
    """{reference: payments row as a dict} for every reference the bank ever received (paid or failed)."""
    return {r["reference"]: dict(r) for r in _query(root, "SELECT * FROM payments ORDER BY reference")}


def paid_count_per_account(root) -> dict[str, int]:
    """{account number: number of paid payments} (accounts with no paid payment are absent)."""
    sql = "SELECT account, COUNT(*) FROM payments WHERE status = 'paid' GROUP BY account"
    return {r[0]: r[1] for r in _query(root, sql)}


def balances_fen(root) -> dict[str, int]:
    """{account number: balance in fen} for every account the bank knows (open or closed)."""
    return {r[0]: r[1] for r in _query(root, "SELECT number, balance_fen FROM accounts")}


def files_by_name(root) -> dict[str, dict]:
    return {r["name"]: dict(r) for r in _query(root, "SELECT * FROM files ORDER BY name")}


def payment_status(root, reference: str) -> dict | None:
    """The status-query JSON for one reference, or None if the bank never received it."""
    rows = _query(root, "SELECT * FROM payments WHERE reference = ?", (reference,))
    if not rows:
        return None
    return payment_json(rows[0])


def payment_json(row) -> dict:
    return {
        "reference": row["reference"],
        "status": row["status"],
        "code": row["code"],
        "message": row["message"],
        "amount": format_yuan(row["amount_fen"]),
        "account": row["account"],
        "settled_at": row["settled_at"],
    }


def ledger_summary(root) -> dict:
    """{"paid_count", "paid_total" (yuan string), "accounts" (accounts the bank knows)}."""
    rows = _query(root, """SELECT (SELECT COUNT(*) FROM payments WHERE status = 'paid'),
                                  (SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE status = 'paid'),
                                  (SELECT COUNT(*) FROM accounts)""")
    count, total, accounts = rows[0] if rows else (0, 0, 0)
    return {"paid_count": count, "paid_total": format_yuan(total), "accounts": accounts}
