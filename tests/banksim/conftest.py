"""Fixtures for the bank simulator's tests: an in-process bank on a tmp root, and row builders."""

import pytest

from banksim.process import BankSimulator

T0 = 1_767_225_600.0  # 2026-01-01 08:00:00 +08:00, a fixed clock for run_once(now=...)


def row(reference, account="6222000000000001", holder="张三", amount_fen=80000):
    return {"reference": reference, "account": account, "holder": holder, "amount_fen": amount_fen}


@pytest.fixture
def bank(tmp_path):
    sim = BankSimulator(tmp_path / "bank")
    yield sim
    sim.close()


def write_raw(bank, name, text):
    """A disbursement file with arbitrary (possibly broken) content, dropped the way the portal does."""
    part = bank.outbox / f"{name}.csv.part"
    part.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    part.rename(bank.outbox / f"{name}.csv")
