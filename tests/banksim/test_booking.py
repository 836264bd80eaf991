"""The bank's books, driven in-process one poll step at a time with a fixed clock."""

import sqlite3

import pytest

from banksim import ledger
from banksim.config import write_config
from banksim.files import read_result, write_disbursement
from banksim.process import BankSimulator

from .conftest import T0, row, write_raw

A1, A2 = "6222000000000001", "6222000000000002"


def result(bank, name):
    return read_result(bank.inbox / f"{name}.result.csv")


def outcomes(rows):
    return [(r["reference"], r["status"], r["code"]) for r in rows]


def test_a_file_is_paid_booked_and_answered(bank):
    write_disbursement(bank.outbox, "F1", [row("R1", A1, "张三", 80000), row("R2", A2, "李四", 1)])
    assert bank.run_once(now=T0) == {"booked": ["F1"], "answered": ["F1"]}
    header, rows = result(bank, "F1")
    assert header == {"name": "F1", "detail_count": 2, "paid_count": 2, "paid_total_fen": 80001,
                      "failed_count": 0, "failed_total_fen": 0}
    assert outcomes(rows) == [("R1", "S", "0000"), ("R2", "S", "0000")]
    assert [r["message"] for r in rows] == ["成功", "成功"]
    assert ledger.balances_fen(bank.root) == {A1: 80000, A2: 1}
    assert ledger.paid_total_fen(bank.root) == 80001
    files = ledger.files_by_name(bank.root)["F1"]
    assert (files["status"], files["detail_count"], files["total_fen"]) == ("answered", 2, 80001)
    assert files["received_at"] == "2026-01-01T08:00:00.000000+08:00"
    assert bank.run_once(now=T0 + 1) == {"booked": [], "answered": []}


def test_amounts_round_trip_exactly(bank):
    amounts = [1, 9999999999, 10, 99, 12345678901, 99999999999999]
    write_disbursement(bank.outbox, "F1", [row(f"R{i}", f"62220000000000{i:02d}", "王五", a)
                                           for i, a in enumerate(amounts)])
    bank.run_once(now=T0)
    text = (bank.inbox / "F1.result.csv").read_text()
    assert ",0.01,S,0000" in text and ",99999999.99,S,0000" in text and ",999999999999.99,S," in text
    header, rows = result(bank, "F1")
    assert [r["amount_fen"] for r in rows] == amounts
    assert header["paid_total_fen"] == sum(amounts) == ledger.paid_total_fen(bank.root)
    by_ref = ledger.payments_by_reference(bank.root)
    assert [by_ref[f"R{i}"]["amount_fen"] for i in range(len(amounts))] == amounts
    assert ledger.payment_status(bank.root, "R1")["amount"] == "99999999.99"
    assert ledger.payment_status(bank.root, "R0")["amount"] == "0.01"


def test_same_reference_in_two_files_is_paid_once(bank):
    write_disbursement(bank.outbox, "F1", [row("R1", A1, "张三", 80000)])
    bank.run_once(now=T0)
    write_disbursement(bank.outbox, "F2", [row("R1", A1, "张三", 80000), row("R2", A2, "李四", 500)])
    bank.run_once(now=T0 + 60)
    header, rows = result(bank, "F2")
    assert outcomes(rows) == [("R1", "S", "2001"), ("R2", "S", "0000")]
    assert rows[0]["message"] == "重复参考号，原交易于2026-01-01 08:00:00已处理，未重复入账（原结果：0000 成功）"
    assert ledger.paid_count_per_account(bank.root) == {A1: 1, A2: 1}
    assert ledger.balances_fen(bank.root) == {A1: 80000, A2: 500}
    assert ledger.payments_by_reference(bank.root)["R1"]["file"] == "F1"


def test_same_content_under_a_new_name_comes_back_all_duplicates(bank):
    rows_in = [row("R1", A1, "张三", 80000), row("R2", A2, "李四", 1),
               row("R3", "6222000000000007", "赵六", 300)]
    write_config(bank.root, closed_account_suffixes=["7"])
    write_disbursement(bank.outbox, "F1", rows_in)
    write_disbursement(bank.outbox, "F2", rows_in)
    assert bank.run_once(now=T0)["booked"] == ["F1", "F2"]
    assert outcomes(result(bank, "F1")[1]) == [("R1", "S", "0000"), ("R2", "S", "0000"), ("R3", "F", "1001")]
    header, rows = result(bank, "F2")
    assert outcomes(rows) == [("R1", "S", "2001"), ("R2", "S", "2001"), ("R3", "F", "2001")]
    assert "原结果：1001 账户已销户" in rows[2]["message"]
    assert (header["paid_count"], header["failed_count"]) == (2, 1)
    assert ledger.paid_count_per_account(bank.root) == {A1: 1, A2: 1}
    assert ledger.paid_total_fen(bank.root) == 80001
    with ledger.open_ledger(bank.root) as conn:
        assert conn.execute("SELECT COUNT(*) FROM payments").fetchone()[0] == 3


def test_a_reference_repeated_inside_one_file_is_paid_once(bank):
    write_disbursement(bank.outbox, "F1", [row("R1", A1, "张三", 80000), row("R1", A1, "张三", 90000)])
    bank.run_once(now=T0)
    header, rows = result(bank, "F1")
    assert outcomes(rows) == [("R1", "S", "0000"), ("R1", "S", "2001")]
    assert rows[1]["amount_fen"] == 90000 and "原交易账号或金额与本行不同" in rows[1]["message"]
    assert ledger.balances_fen(bank.root) == {A1: 80000}


def test_a_refused_file_books_nothing_and_its_references_stay_unknown(bank):
    write_raw(bank, "BAD", "H,BAD,2,800.02\nD,R1,6222000000000001,张三,800.00\nD,R2,6222000000000002,李四,0.01\n")
    bank.run_once(now=T0)
    header, rows = result(bank, "BAD")
    assert header == {"name": "BAD", "detail_count": 2, "paid_count": 0, "paid_total_fen": 0,
                      "failed_count": 2, "failed_total_fen": 80001}
    assert outcomes(rows) == [("R1", "F", "9001"), ("R2", "F", "9001")]
    assert rows[0]["message"] == "整批拒绝：文件头总金额800.02与明细合计800.01不符"
    assert ledger.payments_by_reference(bank.root) == {}
    assert ledger.balances_fen(bank.root) == {}
    assert ledger.files_by_name(bank.root)["BAD"]["status"] == "refused"
    # The corrected file under a new name is paid normally.
    write_disbursement(bank.outbox, "GOOD", [row("R1", A1, "张三", 80000), row("R2", A2, "李四", 1)])
    bank.run_once(now=T0 + 1)
    assert outcomes(result(bank, "GOOD")[1]) == [("R1", "S", "0000"), ("R2", "S", "0000")]
    assert ledger.paid_total_fen(bank.root) == 80001


def test_a_malformed_row_refuses_the_whole_file(bank):
    write_raw(bank, "BAD", "H,BAD,3,3.00\nD,R1,6222000000000001,张三,1.00\nD,R2,622200000000000X,李四,1.00\n"
                           "D,R3,6222000000000003,王五,1.0\n")
    bank.run_once(now=T0)
    header, rows = result(bank, "BAD")
    assert [r["code"] for r in rows] == ["9001"] * 3 and header["paid_count"] == 0
    assert rows[2]["amount_fen"] is None  # "1.0" did not parse: the amount is left empty
    assert "第3行账号不合规" in rows[0]["message"]
    assert ledger.paid_total_fen(bank.root) == 0 and ledger.balances_fen(bank.root) == {}


def test_closed_account_fails_credits_nothing_and_stays_closed(bank):
    write_config(bank.root, closed_account_suffixes=["07"])
    write_disbursement(bank.outbox, "F1", [row("R1", "6222000000000007", "张三", 500),
                                           row("R2", "6222000000000017", "李四", 500)])
    bank.run_once(now=T0)
    assert outcomes(result(bank, "F1")[1]) == [("R1", "F", "1001"), ("R2", "S", "0000")]
    assert result(bank, "F1")[1][0]["message"] == "账户已销户"
    assert ledger.balances_fen(bank.root) == {"6222000000000007": 0, "6222000000000017": 500}
    write_config(bank.root, closed_account_suffixes=[])
    write_disbursement(bank.outbox, "F2", [row("R3", "6222000000000007", "张三", 500)])
    bank.run_once(now=T0 + 1)
    assert outcomes(result(bank, "F2")[1]) == [("R3", "F", "1001")]
    assert ledger.paid_count_per_account(bank.root) == {"6222000000000017": 1}


def test_name_mismatch_fails_and_credits_nothing(bank):
    write_config(bank.root, name_mismatch_suffixes=["9"])
    write_disbursement(bank.outbox, "F1", [row("R1", "6222000000000009", "张三", 500),
                                           row("R2", A1, "李四", 700)])
    bank.run_once(now=T0)
    write_disbursement(bank.outbox, "F2", [row("R3", A1, "李四", 100), row("R4", A1, "李 四", 100)])
    bank.run_once(now=T0 + 1)
    assert outcomes(result(bank, "F1")[1]) == [("R1", "F", "1002"), ("R2", "S", "0000")]
    assert outcomes(result(bank, "F2")[1]) == [("R3", "S", "0000"), ("R4", "F", "1002")]
    assert result(bank, "F2")[1][1]["message"] == "户名不符"
    assert ledger.balances_fen(bank.root) == {A1: 800}
    assert ledger.payment_status(bank.root, "R1")["status"] == "failed"


def test_delay_is_honoured(bank):
    write_config(bank.root, delay_seconds=10)
    write_disbursement(bank.outbox, "F1", [row("R1")])
    assert bank.run_once(now=T0) == {"booked": ["F1"], "answered": []}
    assert ledger.paid_total_fen(bank.root) == 80000  # booked at pickup ...
    assert bank.run_once(now=T0 + 9.99)["answered"] == []
    assert not (bank.inbox / "F1.result.csv").exists()  # ... answered only when due
    assert bank.run_once(now=T0 + 10)["answered"] == ["F1"]
    assert (bank.inbox / "F1.result.csv").exists()


def test_paused_picks_up_nothing(bank):
    write_config(bank.root, paused=True)
    write_disbursement(bank.outbox, "F1", [row("R1")])
    assert bank.run_once(now=T0) == {"booked": [], "answered": []}
    assert ledger.files_by_name(bank.root) == {} and ledger.payments_by_reference(bank.root) == {}
    write_config(bank.root, paused=False)
    assert bank.run_once(now=T0 + 1)["booked"] == ["F1"]


def test_only_complete_csv_files_are_picked_up(bank):
    (bank.outbox / "F1.csv.part").write_text("H,F1,1,800.00\nD,R1,6222000000000001,张三,800.00\n")
    (bank.outbox / "notes.txt").write_text("x")
    assert bank.run_once(now=T0)["booked"] == []
    (bank.outbox / "F1.csv.part").rename(bank.outbox / "F1.csv")
    assert bank.run_once(now=T0)["booked"] == ["F1"]


def test_a_file_name_is_never_processed_twice(bank):
    write_disbursement(bank.outbox, "F1", [row("R1")])
    bank.run_once(now=T0)
    (bank.inbox / "F1.result.csv").unlink()
    (bank.outbox / "F1.csv").write_text("H,F1,1,5.00\nD,R9,6222000000000001,张三,5.00\n")
    assert bank.run_once(now=T0 + 1) == {"booked": [], "answered": []}
    assert not (bank.inbox / "F1.result.csv").exists()
    assert list(ledger.payments_by_reference(bank.root)) == ["R1"]


def test_death_before_commit_books_nothing_and_the_file_is_processed_from_scratch(bank, monkeypatch):
    write_disbursement(bank.outbox, "F1", [row("R1", A1), row("R2", A2, "李四")])

    def die(point):
        if point == "before_commit":
            raise KeyboardInterrupt("simulated death inside the transaction")

    monkeypatch.setattr(bank, "_maybe_crash", die)
    with pytest.raises(KeyboardInterrupt):
        bank.run_once(now=T0)
    assert ledger.files_by_name(bank.root) == {} and ledger.payments_by_reference(bank.root) == {}
    assert ledger.balances_fen(bank.root) == {}
    with BankSimulator(bank.root) as again:
        assert again.run_once(now=T0 + 1) == {"booked": ["F1"], "answered": ["F1"]}
    assert outcomes(result(bank, "F1")[1]) == [("R1", "S", "0000"), ("R2", "S", "0000")]
    assert ledger.paid_count_per_account(bank.root) == {A1: 1, A2: 1}


def test_death_after_commit_the_result_is_written_on_restart_from_the_ledger(bank, monkeypatch):
    write_disbursement(bank.outbox, "F1", [row("R1", A1), row("R1", A1), row("R2", A2, "李四", 1)])

    def die(point):
        if point == "after_commit":
            raise KeyboardInterrupt("simulated death after the commit")

    monkeypatch.setattr(bank, "_maybe_crash", die)
    with pytest.raises(KeyboardInterrupt):
        bank.run_once(now=T0)
    assert not (bank.inbox / "F1.result.csv").exists()
    assert ledger.files_by_name(bank.root)["F1"]["status"] == "received"
    (bank.outbox / "F1.csv").unlink()  # the result must not need the original file
    with BankSimulator(bank.root) as again:
        assert again.run_once(now=T0 + 1) == {"booked": [], "answered": ["F1"]}
    assert outcomes(result(bank, "F1")[1]) == [("R1", "S", "0000"), ("R1", "S", "2001"), ("R2", "S", "0000")]
    assert ledger.paid_total_fen(bank.root) == 80001
    assert ledger.files_by_name(bank.root)["F1"]["status"] == "answered"


def test_the_result_is_reproducible_byte_for_byte(bank):
    write_config(bank.root, closed_account_suffixes=["2"])
    write_disbursement(bank.outbox, "F1", [row("R1", A1), row("R2", A2, "李四")])
    write_disbursement(bank.outbox, "F2", [row("R1", A1), row("R2", A2, "李四")])
    bank.run_once(now=T0)
    first = {n: (bank.inbox / f"{n}.result.csv").read_bytes() for n in ("F1", "F2")}
    with ledger.open_ledger(bank.root) as conn, pytest.raises(sqlite3.OperationalError):
        conn.execute("UPDATE files SET answered_at = NULL")  # read-only for everyone but the bank
    bank.conn.execute("UPDATE files SET answered_at = NULL")
    for n in first:
        (bank.inbox / f"{n}.result.csv").unlink()
    assert bank.run_once(now=T0 + 5)["answered"] == ["F1", "F2"]
    assert {n: (bank.inbox / f"{n}.result.csv").read_bytes() for n in first} == first


def test_an_invalid_config_keeps_the_previous_one(bank):
    write_config(bank.root, paused=True)
    bank.run_once(now=T0)
    (bank.root / "config.json").write_text('{"paused": fals')
    write_disbursement(bank.outbox, "F1", [row("R1")])
    assert bank.run_once(now=T0 + 1)["booked"] == []
    (bank.root / "config.json").write_text('{"pasued": false}')
    assert bank.run_once(now=T0 + 2)["booked"] == []
    with pytest.raises(ValueError, match="unknown config keys"):
        write_config(bank.root, pasued=False)
