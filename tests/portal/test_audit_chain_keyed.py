"""The audit chain is keyed (HMAC-SHA256 with AUDIT_CHAIN_KEY, which the database does not hold) and
anchored outside the database: edits, re-hashing without the key, and deleting the newest rows are all
detected; rows written before the key (plain SHA-256, version 1) still verify."""

import hashlib
import json

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from portal.audit_chain import anchor_path, read_anchors, verify, write_anchor
from portal.models import AuditEvent
from portal.services import audit, verify_audit_chain
from portal.tasks import anchor_audit_chain

pytestmark = pytest.mark.django_db


def _write(actor, n, start=0):
    for i in range(start, start + n):
        audit(actor=actor, action="test.change", object_type="x", object_id=i, after={"amount": i})


def _rehash(version, key=None, rows=None):
    """What someone with database access but without the key can do: rewrite every hash and link."""
    prev = ""
    for event in rows or AuditEvent.objects.order_by("id"):
        event.prev_hash, event.hash_version = prev, version
        event.hash = (hashlib.sha256(event._payload()).hexdigest() if version == 1
                      else event.compute_hash(key))
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=event.prev_hash, hash=event.hash,
                                                      hash_version=version, after=event.after)
        prev = event.hash


def test_new_rows_are_keyed_with_a_key_the_database_does_not_hold(caseworker, settings):
    _write(caseworker, 3)
    assert set(AuditEvent.objects.values_list("hash_version", flat=True)) == {AuditEvent.HASH_HMAC}
    row = AuditEvent.objects.order_by("id").last()
    assert row.hash != hashlib.sha256(row._payload()).hexdigest()
    assert verify_audit_chain() == []
    settings.AUDIT_CHAIN_KEY = "another key"
    assert len(verify_audit_chain()) == 3  # without the right key no row verifies


def test_rows_written_before_the_key_still_verify(caseworker):
    _write(caseworker, 3)
    _rehash(1)  # as the rows were written before the keyed chain (migration 0005 marks them version 1)
    _write(caseworker, 2, start=3)
    assert list(AuditEvent.objects.order_by("id").values_list("hash_version", flat=True)) == [1, 1, 1, 2, 2]
    assert verify_audit_chain() == []
    write_anchor()
    assert verify().ok


def test_an_edited_row_is_detected(caseworker):
    _write(caseworker, 3)
    row = AuditEvent.objects.order_by("id")[1]
    AuditEvent.objects.filter(pk=row.pk).update(after={"amount": 999})
    assert verify_audit_chain() == [row.pk]


def test_recomputing_the_hashes_without_the_key_is_detected(caseworker):
    _write(caseworker, 4)
    write_anchor()
    rows = list(AuditEvent.objects.order_by("id"))
    rows[1].after = {"amount": 999}
    _rehash(2, key=b"a guessed key", rows=rows)  # consistent links, but not the chain's key
    assert verify_audit_chain() == [r.pk for r in rows]

    _rehash(1, rows=rows)  # a downgrade: the whole chain re-hashed as old unkeyed rows
    report = verify()
    assert not report.ok and rows[-1].pk in report.broken  # the anchors name the first keyed row and the head


def test_a_plain_row_after_a_keyed_one_is_a_downgrade(caseworker):
    _write(caseworker, 3)
    rows = list(AuditEvent.objects.order_by("id"))
    prev = rows[1].hash
    rows[2].prev_hash, rows[2].hash_version = prev, 1
    AuditEvent.objects.filter(pk=rows[2].pk).update(hash_version=1,
                                                    hash=hashlib.sha256(rows[2]._payload()).hexdigest())
    assert verify_audit_chain() == [rows[2].pk]


def test_deleting_the_newest_rows_after_an_anchor_is_detected(caseworker):
    _write(caseworker, 5)
    anchored = write_anchor()
    assert anchored["id"] == AuditEvent.objects.order_by("-id").first().pk
    assert verify().ok
    AuditEvent.objects.filter(pk__gte=anchored["id"] - 1).delete()  # the newest two rows: the chain still links
    report = verify()
    assert report.broken == [] and report.missing == [anchored["id"]]
    assert verify_audit_chain() == [anchored["id"]]
    with pytest.raises(CommandError, match="锚定的审计记录已不存在"):
        call_command("verify_audit_chain")


def test_anchors_are_signed_append_only_lines(caseworker):
    _write(caseworker, 2)
    call_command("verify_audit_chain", stdout=open("/dev/null", "w"))  # noqa: SIM115 - anchors after verifying
    _write(caseworker, 1, start=2)
    assert anchor_audit_chain() == AuditEvent.objects.order_by("-id").first().pk
    lines = anchor_path().read_text().splitlines()
    assert len(lines) == 2 and all("sig" in json.loads(line) for line in lines)
    assert len(read_anchors()[0]) == 2

    forged = json.loads(lines[-1])
    forged["hash"] = "0" * 64
    anchor_path().write_text(lines[0] + "\n" + json.dumps(forged) + "\n")
    report = verify()
    assert not report.ok and "签名无效" in report.problems[0]


def test_the_anchor_runs_every_ten_minutes():
    task = PeriodicTask.objects.get(task="portal.anchor_audit_chain")
    assert task.enabled and task.interval.every == 10 and task.interval.period == "minutes"
