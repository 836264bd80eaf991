"""The audit chain's two checks: every row's keyed hash and link, and anchors kept outside the database.

An anchor is the chain head (last id + its hash, the row count, the first keyed row) written as one JSON
line, signed with AUDIT_CHAIN_KEY, appended to `AUDIT_ANCHOR_DIR/anchors.jsonl` every 10 minutes (beat:
`portal.anchor_audit_chain`) and after every successful `manage.py verify_audit_chain`. Someone who can
write to the database but holds neither the key nor the anchor file can:
- edit or insert a row: its HMAC no longer holds (recomputing it needs the key);
- delete the newest rows: the anchored row is gone or its hash differs;
- re-hash the whole chain as old unkeyed rows: the anchors name the first keyed row and the head's hash.
Rows written after the newest anchor (at most 10 minutes of them) are covered by the HMAC only.
The anchor file belongs with its database: a database restored or recreated needs a fresh anchor folder.
"""

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from .models import AuditEvent

log = logging.getLogger(__name__)
ANCHOR_FILE = "anchors.jsonl"
_ANCHOR_DOMAIN = b"portal-audit-anchor\n"


def _key() -> bytes:
    return settings.AUDIT_CHAIN_KEY.encode()


def _sign(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    return hmac.new(_key(), _ANCHOR_DOMAIN + canonical, hashlib.sha256).hexdigest()


def anchor_path() -> Path:
    return Path(settings.AUDIT_ANCHOR_DIR) / ANCHOR_FILE


def write_anchor() -> dict | None:
    """Append the chain head, signed, to the anchor file. Nothing when the chain is empty; refuses (logs,
    returns None) when the head row's own hash does not hold, so a forged head is never anchored."""
    head = AuditEvent.objects.order_by("-id").first()
    if head is None:
        return None
    if head.compute_hash() != head.hash:
        log.error("audit chain head #%s does not verify; not anchored", head.pk)
        return None
    first_keyed = (AuditEvent.objects.filter(hash_version=AuditEvent.HASH_HMAC).order_by("id")
                   .values_list("id", flat=True).first())
    body = {"id": head.pk, "hash": head.hash, "count": AuditEvent.objects.filter(id__lte=head.pk).count(),
            "hmac_from": first_keyed, "at": timezone.now().isoformat()}
    line = json.dumps({**body, "sig": _sign(body)}, sort_keys=True, ensure_ascii=False) + "\n"
    path = anchor_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)  # append-only: one write per line
    try:
        os.write(fd, line.encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return body


def read_anchors() -> tuple[list[dict], int]:
    """(anchors whose signature holds, in file order; the number of lines that are not valid anchors)."""
    path = anchor_path()
    if not path.exists():
        return [], 0
    good, bad = [], 0
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            sig = entry.pop("sig")
            ok = isinstance(entry.get("id"), int) and hmac.compare_digest(sig, _sign(entry))
        except (ValueError, KeyError, TypeError, AttributeError):
            ok = False
        if ok:
            good.append(entry)
        else:
            bad += 1
    return good, bad


@dataclass
class ChainReport:
    rows: int = 0
    broken: list[int] = field(default_factory=list)  # rows whose hash, link or version does not hold
    missing: list[int] = field(default_factory=list)  # anchored rows that are gone (truncation)
    problems: list[str] = field(default_factory=list)  # what a person reads
    anchors: int = 0

    @property
    def ok(self) -> bool:
        return not (self.broken or self.missing or self.problems)


def verify() -> ChainReport:
    report = ChainReport()
    anchors, bad_lines = read_anchors()
    report.anchors = len(anchors)
    if bad_lines:
        report.problems.append(f"锚点文件中有 {bad_lines} 行签名无效或格式错误")
    anchored = {a["id"]: a["hash"] for a in anchors}
    switches = [a["hmac_from"] for a in anchors if a.get("hmac_from")]
    hmac_from = min(switches) if switches else None
    key = _key()
    prev, seen_keyed, found = "", False, set()
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        report.rows += 1
        bad = event.prev_hash != prev or event.compute_hash(key) != event.hash
        if event.hash_version == AuditEvent.HASH_PLAIN:
            # an unkeyed row after the switch to keyed hashes is a downgrade (re-hashed without the key)
            bad = bad or seen_keyed or (hmac_from is not None and event.pk >= hmac_from)
        else:
            seen_keyed = True
        if event.pk in anchored:
            found.add(event.pk)
            bad = bad or anchored[event.pk] != event.hash
        if bad:
            report.broken.append(event.id)
        prev = event.hash
    report.missing = sorted(set(anchored) - found)
    if report.missing:
        report.problems.append(f"锚定的审计记录已不存在：编号 {report.missing[-1]}（最新记录可能被删除）")
    if report.broken:
        report.problems.append(f"{len(report.broken)} 条记录异常，首个编号 {report.broken[0]}")
    return report
