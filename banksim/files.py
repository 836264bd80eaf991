"""The two file formats of the exchange, shared by the bank and the portal so both sides speak one format.

Disbursement file ``outbox/NAME.csv`` (portal -> bank) and result file ``inbox/NAME.result.csv``
(bank -> portal); see the package docstring for the contract.  Both are UTF-8 without BOM, CSV with
``,`` separators, ``"`` quoting only where needed (a holder name containing a comma) and ``\\n`` line
ends (the bank also accepts ``\\r\\n``).  Every file is written atomically: ``.part``, fsync, rename.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from banksim.money import MAX_FEN, format_yuan, parse_yuan, parse_yuan_total

# Result codes and the messages the bank writes with them.
CODE_PAID = "0000"
CODE_CLOSED = "1001"
CODE_NAME_MISMATCH = "1002"
CODE_DUPLICATE = "2001"
CODE_REFUSED = "9001"
MESSAGES = {
    CODE_PAID: "成功",
    CODE_CLOSED: "账户已销户",
    CODE_NAME_MISMATCH: "户名不符",
}
# Which status letters each code may carry in a result row.
_CODE_STATUS = {
    CODE_PAID: {"S"},
    CODE_CLOSED: {"F"},
    CODE_NAME_MISMATCH: {"F"},
    CODE_DUPLICATE: {"S", "F"},
    CODE_REFUSED: {"F"},
}

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
ACCOUNT_RE = re.compile(r"[0-9]{6,32}")
RESULT_SUFFIX = ".result.csv"


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name.endswith((".csv", ".part")):
        raise ValueError(f"bad file name {name!r}: letters, digits, _ . - (max 128), without .csv")


def holder_problem(holder) -> str | None:
    """None if `holder` is an acceptable account-holder name, else why not (English)."""
    if not isinstance(holder, str) or not holder:
        return "holder name is empty"
    if holder != holder.strip():
        return "holder name has leading/trailing whitespace"
    if len(holder) > 100:
        return "holder name longer than 100 characters"
    if any(ord(c) < 32 or ord(c) == 127 for c in holder):
        return "holder name contains control characters"
    return None


# --------------------------------------------------------------------------- atomic writes

def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` via `path.part`: write, fsync, rename, fsync the folder."""
    path = Path(path)
    part = path.with_name(path.name + ".part")
    with open(part, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    fsync_dir(path.parent)
    return path


def _csv_bytes(lines: Iterable[Iterable[str]]) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for line in lines:
        writer.writerow(line)
    return buf.getvalue().encode("utf-8")


# --------------------------------------------------------------------------- disbursement (portal -> bank)

def render_disbursement(name: str, rows: Iterable[Mapping]) -> bytes:
    """The bytes of a disbursement file; ValueError if a row would make the bank refuse the file."""
    _check_name(name)
    details = []
    for i, row in enumerate(rows, start=1):
        ref, account, holder, fen = row["reference"], row["account"], row["holder"], row["amount_fen"]
        if not isinstance(ref, str) or not REFERENCE_RE.fullmatch(ref):
            raise ValueError(f"row {i}: bad reference {ref!r}")
        if not isinstance(account, str) or not ACCOUNT_RE.fullmatch(account):
            raise ValueError(f"row {i}: account must be 6-32 digits")
        if (problem := holder_problem(holder)) is not None:
            raise ValueError(f"row {i}: {problem}")
        if not isinstance(fen, int) or isinstance(fen, bool) or not 0 < fen <= MAX_FEN:
            raise ValueError(f"row {i}: amount_fen must be an int in 1..{MAX_FEN}")
        details.append(["D", ref, account, holder, format_yuan(fen)])
    if not details:
        raise ValueError("a disbursement file needs at least one row")
    total = sum(parse_yuan(d[4]) for d in details)
    return _csv_bytes([["H", name, str(len(details)), format_yuan(total)], *details])


def write_disbursement(path_dir, name: str, rows: Iterable[Mapping]) -> Path:
    """Write ``path_dir/NAME.csv`` atomically (``NAME.csv.part`` then rename) and return its path.

    `rows` are mappings with reference, account, holder, amount_fen (int).  File names are unique
    forever: FileExistsError if ``NAME.csv`` is already there.
    """
    data = render_disbursement(name, rows)
    path_dir = Path(path_dir)
    path_dir.mkdir(parents=True, exist_ok=True)
    target = path_dir / f"{name}.csv"
    if target.exists():
        raise FileExistsError(f"{target} already exists; disbursement file names are never reused")
    return atomic_write_bytes(target, data)


@dataclass
class DetailRow:
    line: int
    reference: str
    account: str
    holder: str
    amount_fen: int | None  # None only in a refused file, where the amount did not parse


@dataclass
class ParsedDisbursement:
    name: str
    sha256: str
    rows: list[DetailRow] = field(default_factory=list)
    refused: str | None = None  # the reason (Chinese) when the whole file is refused

    @property
    def total_fen(self) -> int:
        return sum(r.amount_fen or 0 for r in self.rows)


def parse_disbursement(name: str, data: bytes) -> ParsedDisbursement:
    """The bank's reading of a disbursement file.  Never raises on bad content: a bad file comes back
    with `refused` set (the 9001 reason) and whatever rows could be salvaged, so each can be answered."""
    parsed = ParsedDisbursement(name=name, sha256=hashlib.sha256(data).hexdigest())
    problems: list[str] = []
    try:
        text = data.decode("utf-8")
        if text.startswith("\ufeff"):
            problems.append("文件含BOM")
            text = text[1:]
    except UnicodeDecodeError:
        problems.append("文件不是UTF-8编码")
        text = data.decode("utf-8", errors="replace")
    if not NAME_RE.fullmatch(name):
        problems.append("文件名不合规")
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error:
        problems.append("CSV格式错误")
        lines = [ln.split(",") for ln in text.splitlines()]

    header = None
    if lines and lines[0][:1] == ["H"]:
        header = lines[0]
        body = list(enumerate(lines[1:], start=2))
    else:
        problems.append("第1行不是文件头(H)")
        body = list(enumerate(lines, start=1))

    seen_row_problem = False
    for lineno, fields in body:
        if not fields or fields == [""]:
            problems.append(f"第{lineno}行为空行")
            continue
        padded = [*fields, "", "", "", "", ""]
        amount = None
        try:
            amount = parse_yuan(padded[4])
        except ValueError:
            pass
        parsed.rows.append(DetailRow(lineno, padded[1], padded[2], padded[3], amount))
        why = None
        if fields[0] != "D" or len(fields) != 5:
            why = "不是5个字段的明细行(D)"
        elif not REFERENCE_RE.fullmatch(fields[1]):
            why = "参考号不合规"
        elif not ACCOUNT_RE.fullmatch(fields[2]):
            why = "账号不合规"
        elif holder_problem(fields[3]) is not None:
            why = "户名不合规"
        elif amount is None:
            why = "金额须为两位小数的正数"
        if why and not seen_row_problem:
            problems.append(f"第{lineno}行{why}")
            seen_row_problem = True

    if header is not None:
        if len(header) != 4:
            problems.append("文件头应为4个字段")
        else:
            if header[1] != name:
                problems.append("文件头名称与文件名不符")
            if not re.fullmatch(r"0|[1-9][0-9]{0,8}", header[2]):
                problems.append("文件头笔数格式错误")
            elif int(header[2]) != len(parsed.rows):
                problems.append(f"文件头笔数{header[2]}与明细{len(parsed.rows)}笔不符")
            try:
                total = parse_yuan_total(header[3])
            except ValueError:
                problems.append("文件头总金额格式错误")
            else:
                if not seen_row_problem and total != parsed.total_fen:
                    problems.append(f"文件头总金额{header[3]}与明细合计{format_yuan(parsed.total_fen)}不符")
    if not parsed.rows and not problems:
        problems.append("文件无明细")
    if parsed.total_fen >= 2**63:  # would not fit the ledger's 64-bit integers
        problems.append("明细合计金额超出上限")
    if problems:
        parsed.refused = "；".join(problems[:3])
    return parsed


# --------------------------------------------------------------------------- result (bank -> portal)

def result_name(name: str) -> str:
    return f"{name}{RESULT_SUFFIX}"


def render_result(name: str, rows: Iterable[Mapping]) -> bytes:
    """Rows: mappings with reference, account, amount_fen (None -> empty), status 'S'|'F', code, message.
    The header counts are computed from the rows: paid = S rows, failed = F rows."""
    rows = list(rows)
    paid = [r for r in rows if r["status"] == "S"]
    failed = [r for r in rows if r["status"] == "F"]
    assert len(paid) + len(failed) == len(rows), "status must be S or F"
    header = ["H", name, str(len(rows)),
              str(len(paid)), format_yuan(sum(r["amount_fen"] or 0 for r in paid)),
              str(len(failed)), format_yuan(sum(r["amount_fen"] or 0 for r in failed))]
    details = [["D", r["reference"], r["account"],
                "" if r["amount_fen"] is None else format_yuan(r["amount_fen"]),
                r["status"], r["code"], r["message"]] for r in rows]
    return _csv_bytes([header, *details])


def write_result(inbox, name: str, rows: Iterable[Mapping]) -> Path:
    inbox = Path(inbox)
    inbox.mkdir(parents=True, exist_ok=True)
    return atomic_write_bytes(inbox / result_name(name), render_result(name, rows))


def _count(text: str, what: str, lineno: int) -> int:
    if not re.fullmatch(r"0|[1-9][0-9]{0,8}", text):
        raise ValueError(f"line {lineno}: {what} is not a count: {text!r}")
    return int(text)


def read_result(path) -> tuple[dict, list[dict]]:
    """Parse ``NAME.result.csv`` strictly.

    Returns (header, rows): header = {name, detail_count, paid_count, paid_total_fen, failed_count,
    failed_total_fen}; each row = {line, reference, account, amount_fen, status, code, message}
    (amount_fen, reference and account may be None/empty only in a 9001 row of a refused file).
    Raises ValueError naming the line on anything malformed or inconsistent (counts, totals,
    status/code pairs, header name vs file name).
    """
    path = Path(path)
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        raise ValueError("line 1: result file starts with a BOM")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"result file is not UTF-8: {exc}") from None
    try:
        lines = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise ValueError(f"result file is not valid CSV: {exc}") from None
    if not lines:
        raise ValueError("line 1: empty result file")

    head = lines[0]
    if len(head) != 7 or head[0] != "H":
        raise ValueError(f"line 1: header must be H + 6 fields, got {head!r}")
    header = {
        "name": head[1],
        "detail_count": _count(head[2], "detail count", 1),
        "paid_count": _count(head[3], "paid count", 1),
        "failed_count": _count(head[5], "failed count", 1),
    }
    for key, idx in (("paid_total_fen", 4), ("failed_total_fen", 6)):
        try:
            header[key] = parse_yuan_total(head[idx])
        except ValueError as exc:
            raise ValueError(f"line 1: {exc}") from None
    if path.name.endswith(RESULT_SUFFIX) and path.name[: -len(RESULT_SUFFIX)] != header["name"]:
        raise ValueError(f"line 1: header names {header['name']!r} but the file is {path.name!r}")

    rows = []
    for lineno, fields in enumerate(lines[1:], start=2):
        if len(fields) != 7 or fields[0] != "D":
            raise ValueError(f"line {lineno}: detail must be D + 6 fields, got {fields!r}")
        _, ref, account, amount, status, code, message = fields
        if code not in _CODE_STATUS:
            raise ValueError(f"line {lineno}: unknown code {code!r}")
        if status not in _CODE_STATUS[code]:
            raise ValueError(f"line {lineno}: status {status!r} not allowed with code {code}")
        if not message:
            raise ValueError(f"line {lineno}: empty message")
        if code == CODE_REFUSED and amount == "":
            amount_fen = None
        else:
            try:
                amount_fen = parse_yuan(amount)
            except ValueError as exc:
                raise ValueError(f"line {lineno}: {exc}") from None
        if code != CODE_REFUSED:
            if not REFERENCE_RE.fullmatch(ref):
                raise ValueError(f"line {lineno}: bad reference {ref!r}")
            if not ACCOUNT_RE.fullmatch(account):
                raise ValueError(f"line {lineno}: bad account")
        if code == CODE_PAID and message != MESSAGES[CODE_PAID]:
            raise ValueError(f"line {lineno}: code 0000 with message {message!r}")
        rows.append({"line": lineno, "reference": ref, "account": account, "amount_fen": amount_fen,
                     "status": status, "code": code, "message": message})

    paid = [r for r in rows if r["status"] == "S"]
    failed = [r for r in rows if r["status"] == "F"]
    checks = [
        ("detail count", header["detail_count"], len(rows)),
        ("paid count", header["paid_count"], len(paid)),
        ("paid total", header["paid_total_fen"], sum(r["amount_fen"] or 0 for r in paid)),
        ("failed count", header["failed_count"], len(failed)),
        ("failed total", header["failed_total_fen"], sum(r["amount_fen"] or 0 for r in failed)),
    ]
    for what, said, actual in checks:
        if said != actual:
            raise ValueError(f"line 1: header {what} {said} does not match the rows ({actual})")
    if any(r["code"] == CODE_REFUSED for r in rows) and not all(r["code"] == CODE_REFUSED for r in rows):
        bad = next(r for r in rows if r["code"] != CODE_REFUSED)
        raise ValueError(f"line {bad['line']}: a refused file must have every row 9001")
    return header, rows
