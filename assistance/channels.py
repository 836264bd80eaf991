"""Payment channels: how a chunk of pending payments leaves the portal.

`PaymentChannel.submit(batch=, rows=)` takes dicts with id, name, id_number, amount, attempts,
household__bank_account and returns [(payment_id, outcome, reference, message)] with outcome
"paid" / "failed" (settled now) or "sent" (handed over; the result comes back later).

- SimulatedChannel (demo, tests): pays at once. Settings:
  ASSISTANCE_SIMULATED_FAILURE_SUFFIXES  comma-separated ID-number endings that fail, e.g. "7" or "3,7"
                                          (default "": nothing fails)
  ASSISTANCE_SIMULATED_FAILURE_RATE      0..1, a deterministic share of payments that fail (default 0)
  ASSISTANCE_SIMULATED_LATENCY_MS        a bank's answer time per submitted chunk (default 0)
- BankFileChannel: writes the disbursement CSV a bank takes (var/media/assistance/bank/…) and reports
  "sent"; `read_bank_result` parses the bank's result file for `services.bank_result_apply`.

The reference sent to a bank is `<batch>-<payment>-<attempt>`: a bank that de-duplicates on it never
pays one attempt twice even if a worker dies between sending and recording.
"""

import csv
import hashlib
import io
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from portal.money import yuan_str
from portal.tabular import csv_writer

BANK_FILE_HEADER = ["明细编号", "户名", "身份证号码", "银行账号", "金额（元）", "参考号"]
RESULT_PAID = {"paid", "成功", "success", "ok", "1"}
RESULT_FAILED = {"failed", "失败", "fail", "error", "0"}


class PaymentChannel:
    name = "base"

    def submit(self, *, batch, rows: list[dict]) -> list[tuple[int, str, str, str]]:
        raise NotImplementedError


def _reference(batch, row) -> str:
    return f"{batch.pk}-{row['id']}-{row['attempts'] + 1}"


class SimulatedChannel(PaymentChannel):
    name = "simulated"

    def __init__(self, suffixes=None, rate=None):
        raw = getattr(settings, "ASSISTANCE_SIMULATED_FAILURE_SUFFIXES", "") if suffixes is None else suffixes
        if isinstance(raw, str):
            raw = raw.split(",")
        self.suffixes = tuple(s.strip().upper() for s in raw if s and s.strip())
        self.rate = Decimal(str(getattr(settings, "ASSISTANCE_SIMULATED_FAILURE_RATE", 0) if rate is None else rate))
        self.latency = int(getattr(settings, "ASSISTANCE_SIMULATED_LATENCY_MS", 0)) / 1000

    def _fails(self, row) -> bool:
        number = (row.get("id_number") or "").upper()
        if self.suffixes and number.endswith(self.suffixes):
            return True
        if self.rate > 0:
            digest = hashlib.sha256(f"{row['id']}:{row['attempts']}".encode()).digest()
            return Decimal(digest[0]) / 256 < self.rate
        return False

    def submit(self, *, batch, rows):
        if self.latency:
            time.sleep(self.latency)
        out = []
        for row in rows:
            ref = "SIM-" + _reference(batch, row)
            if self._fails(row):
                out.append((row["id"], "failed", ref, _("模拟渠道：银行账户状态异常，转账失败")))
            else:
                out.append((row["id"], "paid", ref, ""))
        return out


def write_bank_file(batch, rows, stream) -> int:
    """Write the disbursement CSV for `rows` (dicts as in submit) to a text stream; returns the count."""
    writer = csv_writer(stream)
    writer.writerow(BANK_FILE_HEADER)
    n = 0
    for row in rows:
        writer.writerow([row["id"], row["name"], row["id_number"], row.get("household__bank_account") or "",
                         yuan_str(row["amount"]), _reference(batch, row)])
        n += 1
    return n


class BankFileChannel(PaymentChannel):
    name = "bank_file"

    def directory(self) -> Path:
        return Path(settings.MEDIA_ROOT) / "assistance" / "bank"

    def submit(self, *, batch, rows):
        folder = self.directory()
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"batch-{batch.pk}-{rows[0]['id']}-{rows[-1]['id']}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            write_bank_file(batch, rows, fh)
        return [(row["id"], "sent", _reference(batch, row), path.name) for row in rows]


def read_bank_result(data: bytes | str) -> list[tuple[int, str, str, str]]:
    """Parse a bank result CSV: 明细编号, 结果 (成功/失败 or paid/failed), 参考号?, 说明?"""
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    out, errors = [], []
    for lineno, rec in enumerate(reader, start=1):
        if not rec or not "".join(rec).strip():
            continue
        if lineno == 1 and not rec[0].strip().isdigit():
            continue  # header
        if len(rec) < 2 or not rec[0].strip().isdigit():
            errors.append(_("第%(n)d行：格式错误。") % {"n": lineno})
            continue
        result = rec[1].strip().lower()
        if result in RESULT_PAID:
            outcome = "paid"
        elif result in RESULT_FAILED:
            outcome = "failed"
        else:
            errors.append(_("第%(n)d行：无法识别的结果“%(r)s”。") % {"n": lineno, "r": rec[1]})
            continue
        ref = rec[2].strip() if len(rec) > 2 else ""
        msg = rec[3].strip() if len(rec) > 3 else ""
        out.append((int(rec[0]), outcome, ref, msg or (_("银行退回") if outcome == "failed" else "")))
    if errors:
        raise ValidationError(errors)
    return out


CHANNELS = {SimulatedChannel.name: SimulatedChannel, BankFileChannel.name: BankFileChannel}


def get_channel(name: str) -> PaymentChannel:
    return CHANNELS.get(name, SimulatedChannel)()
