"""Payment channels: how a chunk of pending payments leaves the portal.

`PaymentChannel.submit(batch=, rows=)` takes dicts with id, name, id_number_masked, amount, attempts,
household__bank_account and returns [(payment_id, outcome, reference, message)] with outcome
"paid" / "failed" (settled now) or "sent" (handed over; the result comes back later).

- SimulatedChannel (demo, tests): pays at once. Settings:
  ASSISTANCE_SIMULATED_FAILURE_SUFFIXES  comma-separated ID-number endings that fail, e.g. "7" or "3,7"
                                          (default "": nothing fails)
  ASSISTANCE_SIMULATED_FAILURE_RATE      0..1, a deterministic share of payments that fail (default 0)
  ASSISTANCE_SIMULATED_LATENCY_MS        a bank's answer time per submitted chunk (default 0)
- BankFileChannel: the bank's file exchange (ASSISTANCE_BANK_DIR: outbox/, inbox/; ASSISTANCE_BANK_URL:
  the bank's status query). Deferred: see `assistance.services.bank`.

The reference sent to a bank is `<batch>-<payment>-<attempt>`; each is handed over once, ever (a
re-issue is a new attempt), and the bank pays a reference at most once.
"""

import hashlib
import json
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from banksim import files as bank_files
from portal.money import yuan_str
from portal.tabular import csv_writer

BANK_FILE_HEADER = ["明细编号", "户名", "身份证号码", "银行账号", "金额（元）", "参考号"]


class PaymentChannel:
    name = "base"
    deferred = False  # True: payments are handed over now and their results come back later

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
        number = (row.get("id_number_masked") or row.get("id_number") or "").upper()  # the last four are enough
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
    """The bank's batch disbursement (代发) file exchange (the format is `banksim`'s, shared by both sides).

    Deferred: a chunk is recorded as `sent` with its references first, then its file is delivered to the
    outbox under a name used once, ever; results come back as files in the inbox (fetched by a task) or
    through the bank's status query. The exchange folder lies outside the public media folder."""

    name = "bank_file"
    deferred = True

    def root(self) -> Path:
        return Path(settings.ASSISTANCE_BANK_DIR)

    def outbox(self) -> Path:
        return self.root() / "outbox"

    def inbox(self) -> Path:
        return self.root() / "inbox"

    def uploads(self) -> Path:
        return self.root() / "uploads"

    @staticmethod
    def file_name(batch_id: int, first_payment_id: int) -> str:
        """Unique forever: the batch, the chunk's first payment and a random tail (a resend is a new name)."""
        return f"DF{batch_id:08d}-{first_payment_id:012d}-{secrets.token_hex(4)}"

    @staticmethod
    def render(name: str, rows: list[dict]) -> bytes:
        """rows: reference, account, holder, amount_fen. ValueError when the bank would refuse a row."""
        return bank_files.render_disbursement(name, rows)

    @staticmethod
    def row_problem(*, account: str, holder: str, amount: int) -> str | None:
        """Why the bank would refuse this row (then it is not handed over), or None."""
        if not bank_files.ACCOUNT_RE.fullmatch(account or ""):
            return _("收款账号缺失或格式不正确（应为6至32位数字）")
        if bank_files.holder_problem(holder) is not None:
            return _("收款户名缺失或含有银行不接受的字符")
        if not 0 < amount <= bank_files.MAX_FEN:
            return _("发放金额须大于零")
        return None

    def deliver(self, name: str, data: bytes) -> bool:
        """Put the file into the outbox once. True when it is there now with this content (written now or
        earlier); a different file under the name is an error, never overwritten."""
        target = self.outbox() / f"{name}.csv"
        if target.exists():
            if hashlib.sha256(target.read_bytes()).hexdigest() != hashlib.sha256(data).hexdigest():
                raise RuntimeError(f"{target.name} exists with other content; bank files are never overwritten")
            return True
        self.outbox().mkdir(parents=True, exist_ok=True)
        bank_files.atomic_write_bytes(target, data)
        return True

    def results(self) -> list[Path]:
        folder = self.inbox()
        return sorted(folder.glob(f"*{bank_files.RESULT_SUFFIX}")) if folder.exists() else []

    def query(self, reference: str) -> dict | None:
        """The bank's answer for one reference: a dict (status paid/failed, amount, account …), or None
        when the bank has never received it. Raises OSError when the bank cannot be reached."""
        url = f"{settings.ASSISTANCE_BANK_URL.rstrip('/')}/payments/{urllib.parse.quote(reference)}"
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:  # noqa: S310 - the configured bank only
                return json.loads(resp.read().decode())
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise OSError(f"bank status query answered {exc.code}") from exc

    def submit(self, *, batch, rows):
        raise NotImplementedError("the bank channel is deferred: the payout records and delivers files")


CHANNELS = {SimulatedChannel.name: SimulatedChannel, BankFileChannel.name: BankFileChannel}

# A scheme's payment form other than the bank's names its own channel (消费券 `voucher`, 实物 `in_kind`,
# 减免取暖费 `fee_waiver`): the channel of that name is registered by the app that carries the form out
# (relief_inkind), and a batch of such a scheme never goes to the bank. Unregistered: the batch is refused.
NON_BANK_FORMS = ("voucher", "in_kind", "fee_waiver")


def register(channel_class) -> None:
    """An app that carries out a non-bank payment form registers its channel (in its AppConfig.ready)."""
    CHANNELS[channel_class.name] = channel_class


def channel_for_form(payment_form: str) -> str | None:
    """The channel a new batch of a scheme with this payment form pays through: the configured bank
    channel for `bank`, the form's own channel otherwise (None when no app carries that form out)."""
    if payment_form in NON_BANK_FORMS:
        return payment_form if payment_form in CHANNELS else None
    return getattr(settings, "ASSISTANCE_PAYMENT_CHANNEL", "simulated")


def get_channel(name: str) -> PaymentChannel:
    if name in NON_BANK_FORMS:
        if name not in CHANNELS:  # never fall back to paying money for a voucher, goods or waiver batch
            raise RuntimeError(f"payment channel {name!r} is not registered")
        return CHANNELS[name]()
    return CHANNELS.get(name, SimulatedChannel)()
