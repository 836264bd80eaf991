"""The bank's processing loop: pick up disbursement files, book them, answer them when due."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from pathlib import Path

from banksim import files as f
from banksim.config import Config, load_config
from banksim.ledger import human_time, iso, open_writer
from banksim.money import format_yuan

log = logging.getLogger("banksim")

# Fault injection for crash tests: the serve process SIGKILLs itself at this point of booking a file.
#   before_commit  every row is inserted, the transaction is still open  -> nothing must be booked
#   after_commit   the booking is committed, the result is not written   -> the result must appear later
CRASH_ENV = "BANKSIM_CRASH_AT"
CRASH_POINTS = ("before_commit", "after_commit")


def duplicate_message(received_at: str, code: str, message: str, same_row: bool) -> str:
    text = f"重复参考号，原交易于{human_time(received_at)}已处理，未重复入账（原结果：{code} {message}"
    if not same_row:
        text += "；原交易账号或金额与本行不同"
    return text + "）"


class BankSimulator:
    """One bank over one ROOT.  `run_once` is a single poll step (tests drive it with an explicit `now`);
    `serve_forever` repeats it until a stop event is set."""

    def __init__(self, root):
        self.root = Path(root)
        self.outbox = self.root / "outbox"
        self.inbox = self.root / "inbox"
        for d in (self.root, self.outbox, self.inbox):
            d.mkdir(parents=True, exist_ok=True)
        self.conn = open_writer(self.root)
        self.config = Config()
        self._booked_here: set[str] = set()
        self._crash_at = os.environ.get(CRASH_ENV) or None
        if self._crash_at not in (None, *CRASH_POINTS):
            raise ValueError(f"{CRASH_ENV} must be one of {CRASH_POINTS}")

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ the poll step

    def run_once(self, now: float | None = None) -> dict:
        """Re-read the config, book every new outbox file (unless paused), then write every result that
        is due.  `now` is epoch seconds (default: the clock).  Returns {"booked": [...], "answered": [...]}."""
        self.config = load_config(self.root, self.config)
        now = time.time() if now is None else now
        booked = [] if self.config.paused else self._pick_up(now)
        answered = self._answer_due(now)
        return {"booked": booked, "answered": answered}

    def serve_forever(self, poll: float = 0.5, stop_event: threading.Event | None = None) -> None:
        stop_event = stop_event or threading.Event()
        while not stop_event.is_set():
            try:
                self.run_once()
            except Exception:  # keep serving; the same step is retried on the next poll
                log.exception("banksim: poll step failed")
            stop_event.wait(poll)

    # ------------------------------------------------------------------ booking

    def _pick_up(self, now: float) -> list[str]:
        known = {r[0] for r in self.conn.execute("SELECT name FROM files")}
        candidates = []
        for path in self.outbox.iterdir():
            name = path.name[: -len(".csv")]
            if not path.name.endswith(".csv") or path.name.startswith(".") or not name or name in known:
                continue
            try:
                if path.is_file():
                    candidates.append((path.stat().st_mtime_ns, path.name, name, path))
            except FileNotFoundError:
                continue
        booked = []
        for _, _, name, path in sorted(candidates):  # in order of arrival, then by name
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            if self.book(name, data, now):
                booked.append(name)
        return booked

    def book(self, name: str, data: bytes, now: float, config: Config | None = None) -> bool:
        """Book one disbursement file in ONE transaction.  False if a file of that name was seen before."""
        config = config or self.config
        parsed = f.parse_disbursement(name, data)
        received_at, due_at = iso(now), iso(now + config.delay_seconds)
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("SELECT 1 FROM files WHERE name = ?", (name,)).fetchone():
                conn.execute("ROLLBACK")
                return False
            conn.execute(
                "INSERT INTO files (name, sha256, received_at, due_at, status, detail_count, total_fen,"
                " refused_reason) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (name, parsed.sha256, received_at, due_at, "refused" if parsed.refused else "received",
                 len(parsed.rows), parsed.total_fen, parsed.refused))
            counts = {"paid": 0, "failed": 0, "duplicate": 0}
            for row in parsed.rows:
                duplicate = False
                if not parsed.refused:
                    duplicate = conn.execute("SELECT 1 FROM payments WHERE reference = ?",
                                             (row.reference,)).fetchone() is not None
                    if duplicate:
                        counts["duplicate"] += 1
                    else:
                        counts[self._book_payment(row, name, received_at, config)] += 1
                conn.execute(
                    "INSERT INTO file_rows (file, line, reference, account, amount_fen, duplicate)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    (name, row.line, row.reference, row.account, row.amount_fen, int(duplicate)))
            self._maybe_crash("before_commit")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        self._booked_here.add(name)
        self._maybe_crash("after_commit")
        if parsed.refused:
            log.info("banksim: refused %s rows=%d reason=%s", name, len(parsed.rows), parsed.refused)
        else:
            log.info("banksim: booked %s rows=%d paid=%d failed=%d duplicate=%d total=%s due_in=%.2fs",
                     name, len(parsed.rows), counts["paid"], counts["failed"], counts["duplicate"],
                     format_yuan(parsed.total_fen), config.delay_seconds)
        return True

    def _book_payment(self, row: f.DetailRow, file: str, received_at: str, config: Config) -> str:
        """Decide and book one never-seen reference; returns 'paid' or 'failed'."""
        conn = self.conn
        account = conn.execute("SELECT * FROM accounts WHERE number = ?", (row.account,)).fetchone()
        if (account is not None and account["status"] == "closed") or row.account.endswith(
                config.closed_account_suffixes):
            code = f.CODE_CLOSED
            if account is None:
                conn.execute("INSERT INTO accounts (number, holder, status, balance_fen, opened_at)"
                             " VALUES (?, ?, 'closed', 0, ?)", (row.account, row.holder, received_at))
            elif account["status"] != "closed":
                conn.execute("UPDATE accounts SET status = 'closed' WHERE number = ?", (row.account,))
        elif row.account.endswith(config.name_mismatch_suffixes) or (
                account is not None and account["holder"] != row.holder):
            code = f.CODE_NAME_MISMATCH
        else:
            code = f.CODE_PAID
            if account is None:
                conn.execute("INSERT INTO accounts (number, holder, status, balance_fen, opened_at)"
                             " VALUES (?, ?, 'open', 0, ?)", (row.account, row.holder, received_at))
            conn.execute("UPDATE accounts SET balance_fen = balance_fen + ? WHERE number = ?",
                         (row.amount_fen, row.account))
        status = "paid" if code == f.CODE_PAID else "failed"
        conn.execute(
            "INSERT INTO payments (reference, file, account, holder, amount_fen, status, code, message,"
            " received_at, settled_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.reference, file, row.account, row.holder, row.amount_fen, status, code,
             f.MESSAGES[code], received_at, received_at))
        return status

    def _maybe_crash(self, point: str) -> None:
        if self._crash_at == point:
            os.kill(os.getpid(), signal.SIGKILL)

    # ------------------------------------------------------------------ answering

    def result_rows(self, name: str) -> list[dict]:
        """The result rows of a booked file, rebuilt from the ledger alone."""
        file = self.conn.execute("SELECT * FROM files WHERE name = ?", (name,)).fetchone()
        if file is None:
            raise KeyError(name)
        rows = self.conn.execute(
            "SELECT r.*, p.file AS p_file, p.account AS p_account, p.amount_fen AS p_amount,"
            " p.status AS p_status, p.code AS p_code, p.message AS p_message, p.received_at AS p_received"
            " FROM file_rows r LEFT JOIN payments p ON p.reference = r.reference"
            " WHERE r.file = ? ORDER BY r.line", (name,)).fetchall()
        out = []
        for r in rows:
            item = {"reference": r["reference"], "account": r["account"], "amount_fen": r["amount_fen"]}
            if file["status"] == "refused":
                item.update(status="F", code=f.CODE_REFUSED, message=f"整批拒绝：{file['refused_reason']}")
            elif r["duplicate"]:
                same = (r["p_account"], r["p_amount"]) == (r["account"], r["amount_fen"])
                item.update(status="S" if r["p_status"] == "paid" else "F", code=f.CODE_DUPLICATE,
                            message=duplicate_message(r["p_received"], r["p_code"], r["p_message"], same))
            else:
                assert r["p_file"] == name, f"payment {r['reference']} not booked by {name}"
                item.update(status="S" if r["p_status"] == "paid" else "F", code=r["p_code"],
                            message=r["p_message"])
            out.append(item)
        return out

    def _answer_due(self, now: float) -> list[str]:
        due = [r[0] for r in self.conn.execute(
            "SELECT name FROM files WHERE answered_at IS NULL AND due_at <= ? ORDER BY due_at, name",
            (iso(now),))]
        for name in due:
            f.write_result(self.inbox, name, self.result_rows(name))
            # Dying between the rename and this update only means the same bytes are written again.
            self.conn.execute(
                "UPDATE files SET answered_at = ?,"
                " status = CASE status WHEN 'received' THEN 'answered' ELSE status END WHERE name = ?",
                (iso(now), name))
            if name in self._booked_here:
                log.debug("banksim: answered %s", name)
            else:
                log.warning("banksim: answered %s (booked before a restart)", name)
        return due
