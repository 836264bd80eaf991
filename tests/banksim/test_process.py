"""The bank as a real process: crashes, restarts, run-time config, the status server and the CLI."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from banksim import ledger
from banksim.files import read_result, write_disbursement
from banksim.testing import BankProcess

from .conftest import row

A1, A2 = "6222000000000001", "6222000000000002"
REPO = Path(__file__).resolve().parents[2]


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met")
        time.sleep(0.02)


def test_sigkill_after_commit_before_the_result_then_restart_answers_and_pays_once(tmp_path):
    with BankProcess(tmp_path / "bank", poll=0.05) as bank:
        bank.config(delay_seconds=1.5)
        write_disbursement(bank.outbox, "F1", [row("R1", A1), row("R2", A2, "李四", 1)])
        wait_until(lambda: "F1" in ledger.files_by_name(bank.root))
        bank.kill()
        assert bank.proc.returncode == -signal.SIGKILL
        assert not bank.result_path("F1").exists()
        assert ledger.paid_total_fen(bank.root) == 80001
        bank.config(delay_seconds=0)
        bank.restart()
        header, rows = read_result(bank.wait_for_result("F1", timeout=5))
        assert [(r["reference"], r["code"]) for r in rows] == [("R1", "0000"), ("R2", "0000")]
        # Sending the same rows again after the crash (as a recovering portal might) pays nothing more.
        write_disbursement(bank.outbox, "F1-retry", [row("R1", A1), row("R2", A2, "李四", 1)])
        _, rows = read_result(bank.wait_for_result("F1-retry", timeout=5))
        assert [(r["status"], r["code"]) for r in rows] == [("S", "2001"), ("S", "2001")]
    assert ledger.paid_count_per_account(bank.root) == {A1: 1, A2: 1}
    assert ledger.paid_total_fen(bank.root) == 80001
    assert "answered F1 (booked before a restart)" in bank.log_tail()


@pytest.mark.parametrize("crash_at", ["before_commit", "after_commit"])
def test_a_crash_while_booking_never_pays_twice(tmp_path, crash_at):
    bank = BankProcess(tmp_path / "bank", poll=0.05, crash_at=crash_at)
    with bank:
        write_disbursement(bank.outbox, "F1", [row("R1", A1), row("R2", A2, "李四", 1)])
        assert bank.wait_exit(timeout=5) == -signal.SIGKILL
        assert not bank.result_path("F1").exists()
        booked = ledger.files_by_name(bank.root)
        assert ("F1" in booked) is (crash_at == "after_commit")
        assert ledger.paid_total_fen(bank.root) == (80001 if crash_at == "after_commit" else 0)
        bank.restart()
        _, rows = read_result(bank.wait_for_result("F1", timeout=5))
        assert [(r["reference"], r["code"]) for r in rows] == [("R1", "0000"), ("R2", "0000")]
    assert ledger.paid_count_per_account(bank.root) == {A1: 1, A2: 1}
    assert ledger.paid_total_fen(bank.root) == 80001


def test_http_status_config_at_run_time_and_clean_shutdown(tmp_path):
    with BankProcess(tmp_path / "bank", poll=0.05) as bank:
        assert bank.url.startswith("http://127.0.0.1:")
        assert bank.get("/health") == (200, {"ok": True})
        assert bank.get("/payments/R1") == (404, {"status": "unknown"})
        bank.config(paused=True, closed_account_suffixes=["7"])
        time.sleep(0.2)  # a few polls
        write_disbursement(bank.outbox, "F1", [row("R1", A1, "张三", 80000),
                                               row("R2", "6222000000000007", "李四", 1)])
        time.sleep(0.3)
        assert not bank.result_path("F1").exists() and ledger.files_by_name(bank.root) == {}
        assert bank.get("/payments/R1") == (404, {"status": "unknown"})
        bank.config(paused=False)
        bank.wait_for_result("F1", timeout=5)
        code, paid = bank.get("/payments/R1")
        assert code == 200
        assert {k: paid[k] for k in ("reference", "status", "code", "message", "amount", "account")} == {
            "reference": "R1", "status": "paid", "code": "0000", "message": "成功", "amount": "800.00",
            "account": A1}
        assert paid["settled_at"].endswith("+08:00")
        code, failed = bank.get("/payments/R2")
        assert (code, failed["status"], failed["code"], failed["message"], failed["amount"]) == (
            200, "failed", "1001", "账户已销户", "0.01")
        assert bank.get("/ledger") == (200, {"paid_count": 1, "paid_total": "800.00", "accounts": 2})
        assert bank.get("/nothing")[0] == 404
        port = bank.port
        assert bank.stop() == 0  # SIGTERM: a clean exit
        bank.restart()
        assert bank.port == port and bank.get("/payments/R1")[1]["status"] == "paid"


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "banksim", *args], cwd=REPO, capture_output=True,
                          text=True, timeout=30)


def test_cli_status_and_ledger_read_the_books(tmp_path):
    from banksim.process import BankSimulator

    root = tmp_path / "bank"
    with BankSimulator(root) as sim:
        write_disbursement(sim.outbox, "F1", [row("R1", A1, "张三", 1), row("R2", A2, "李四", 9999999999)])
        sim.run_once()
    out = run_cli("status", "--root", str(root), "R2")
    assert out.returncode == 0
    assert json.loads(out.stdout) | {"settled_at": None} == {
        "reference": "R2", "status": "paid", "code": "0000", "message": "成功", "amount": "99999999.99",
        "account": A2, "settled_at": None}
    out = run_cli("status", "--root", str(root), "R3")
    assert (out.returncode, json.loads(out.stdout)) == (1, {"status": "unknown"})
    out = run_cli("ledger", "--root", str(root))
    assert json.loads(out.stdout) == {"paid_count": 2, "paid_total": "100000000.00", "accounts": 2}


def test_serve_refuses_a_non_loopback_http_address(tmp_path):
    out = run_cli("serve", "--root", str(tmp_path / "bank"), "--http", "0.0.0.0:0")
    assert out.returncode != 0 and "loopback" in out.stderr
