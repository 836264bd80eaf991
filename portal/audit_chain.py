"""The audit chains' two checks: every row's keyed hash and link within its chain, and anchors kept outside
the database.

There is one chain per province and one for events without a region (`AuditEvent.chain`). An anchor is
every chain's head (last id + its hash), the row count and the first keyed row, written as one JSON line,
signed with AUDIT_CHAIN_KEY, appended to `AUDIT_ANCHOR_DIR/anchors.jsonl` every 10 minutes (beat:
`portal.anchor_audit_chain`) and after every successful `manage.py verify_audit_chain`. Someone who can
write to the database but holds neither the key nor the anchor file can:
- edit, insert or move a row between chains: its HMAC or its link no longer holds (recomputing needs the key);
- delete the newest rows of a chain, or a whole chain: an anchored row is gone or its hash differs;
- re-hash a chain as old unkeyed rows: the anchors name the first keyed row and each head's hash.
Rows written after the newest anchor (at most 10 minutes of them) are covered by the HMAC only.
Anchor lines written before the chains were split name one head (of the chain without a region); they are
read as such. The anchor file belongs with its database: a database restored or recreated needs a fresh
anchor folder.
"""

import hashlib
import hmac
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
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


def chain_heads() -> dict[str, tuple[int, str]]:
    """{chain: (id, hash) of its newest row}. On PostgreSQL a skip scan of the (chain, id) index: one probe a
    chain, however long the chains are."""
    table = AuditEvent._meta.db_table
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"""
                WITH RECURSIVE c(chain) AS (
                    (SELECT chain FROM {table} ORDER BY chain, id LIMIT 1)
                    UNION ALL
                    SELECT (SELECT e.chain FROM {table} e WHERE e.chain > c.chain ORDER BY e.chain, e.id LIMIT 1)
                    FROM c WHERE c.chain IS NOT NULL
                )
                SELECT c.chain, h.id, h.hash FROM c CROSS JOIN LATERAL (
                    SELECT id, hash FROM {table} e WHERE e.chain = c.chain ORDER BY e.chain DESC, e.id DESC LIMIT 1
                ) h WHERE c.chain IS NOT NULL""")
            return {chain: (pk, digest) for chain, pk, digest in cur.fetchall()}
    heads = {}
    for chain in AuditEvent.objects.order_by().values_list("chain", flat=True).distinct():
        heads[chain] = AuditEvent.objects.filter(chain=chain).order_by("-id").values_list("id", "hash").first()
    return heads


def write_anchor() -> dict | None:
    """Append every chain's head, signed, to the anchor file. Nothing when there are no rows; a head whose own
    hash does not hold is left out (logged), so a forged head is never anchored."""
    heads = {}
    for chain, (pk, _digest) in sorted(chain_heads().items()):
        head = AuditEvent.objects.get(pk=pk)
        if head.compute_hash() != head.hash:
            # the next verify_audit_chain fails on this row and names it
            log.error("audit chain %r head #%s does not verify; not anchored", chain, head.pk)
            continue
        heads[chain] = [head.pk, head.hash]
    if not heads:
        return None
    newest = max(heads.values())
    first_keyed = (AuditEvent.objects.filter(hash_version=AuditEvent.HASH_HMAC).order_by("id")
                   .values_list("id", flat=True).first())
    # "count" is informational (rows with an id up to the newest head, as committed when counted); nothing
    # checks it, since another chain may still commit a smaller id
    body = {"id": newest[0], "hash": newest[1], "heads": heads,
            "count": AuditEvent.objects.filter(id__lte=newest[0]).count(),
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
    chains: dict[str, int] = field(default_factory=dict)  # rows walked in each chain

    @property
    def ok(self) -> bool:
        return not (self.broken or self.missing or self.problems)


def _anchored(anchors: list[dict], chain: str | None) -> dict[int, str]:
    """{row id: hash} every anchor names (of one chain, or of all). A line from before the split names the
    head of the chain without a region."""
    out = {}
    for a in anchors:
        heads = a.get("heads") or {"": [a["id"], a["hash"]]}
        for c, (pk, digest) in heads.items():
            if chain is None or c == chain:
                out[pk] = digest
    return out


def _walk(chain: str, page: int = 2000):
    """A chain's rows in order, a page at a time by its index (no server-side cursor: the portal may run
    behind a transaction-mode pooler)."""
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(chain=chain, id__gt=last).order_by("chain", "id")[:page])
        yield from rows
        if len(rows) < page:
            return
        last = rows[-1].pk


def verify(chain: str | None = None) -> ChainReport:
    """Walk every chain (or only `chain`) and check it against the anchors."""
    report = ChainReport()
    anchors, bad_lines = read_anchors()
    report.anchors = len(anchors)
    if bad_lines:
        report.problems.append(f"锚点文件中有 {bad_lines} 行签名无效或格式错误")
    anchored = _anchored(anchors, chain)
    switches = [a["hmac_from"] for a in anchors if a.get("hmac_from")]
    hmac_from = min(switches) if switches else None
    key = _key()
    found = set()
    chains = sorted(chain_heads()) if chain is None else [chain]
    for name in chains:
        prev, seen_keyed, count = "", False, 0
        for event in _walk(name):
            count += 1
            bad = event.prev_hash != prev or event.compute_hash(key) != event.hash
            if event.hash_version == AuditEvent.HASH_PLAIN:
                # an unkeyed row after the switch to keyed hashes is a downgrade (re-hashed without the key)
                bad = bad or seen_keyed or bool(event.chain) or (hmac_from is not None and event.pk >= hmac_from)
            else:
                seen_keyed = True
            if event.pk in anchored:
                found.add(event.pk)
                bad = bad or anchored[event.pk] != event.hash
            if bad:
                report.broken.append(event.id)
            prev = event.hash
        report.chains[name] = count
        report.rows += count
    report.missing = sorted(set(anchored) - found)
    if report.missing:
        report.problems.append(f"锚定的审计记录已不存在：编号 {report.missing[-1]}（最新记录可能被删除）")
    if report.broken:
        report.broken.sort()
        report.problems.append(f"{len(report.broken)} 条记录异常，首个编号 {report.broken[0]}")
    return report
