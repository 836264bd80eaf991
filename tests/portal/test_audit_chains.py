"""One audit chain per province: each has its own lock, head and anchor, so audited writes of different
provinces never wait for each other, and the verifier still catches every edit, move and truncation."""

import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.utils import OperationalError

from portal.audit_chain import _sign, anchor_path, chain_heads, read_anchors, verify, write_anchor
from portal.models import AuditEvent
from portal.services import audit, verify_audit_chain
from tests.factories import audit_chain_held, in_thread

# every event here commits for real: within one transaction all events keep to the first one's chain
pytestmark = pytest.mark.django_db(transaction=True)


def _event(actor, region, i=0):
    return audit(actor=actor, action="test.change", object_type="x", object_id=i, region_code=region,
                 after={"amount": i})


def test_each_province_has_its_own_chain_linked_within_itself(caseworker):
    with transaction.atomic():
        a1 = _event(caseworker, "610102", 1)
    with transaction.atomic():
        b1 = _event(caseworker, "440305", 2)
    with transaction.atomic():
        a2 = _event(caseworker, "610100", 3)
    with transaction.atomic():
        n1 = _event(caseworker, "", 4)
    assert (a1.chain, b1.chain, a2.chain, n1.chain) == ("61", "44", "61", "")
    assert a1.prev_hash == "" and b1.prev_hash == "" and n1.prev_hash == ""
    assert a2.prev_hash == a1.hash  # linked to its province's previous row, not to the newest row (b1)
    report = verify()
    assert report.ok and report.chains == {"": 1, "44": 1, "61": 2}
    assert chain_heads() == {"": (n1.pk, n1.hash), "44": (b1.pk, b1.hash), "61": (a2.pk, a2.hash)}


def test_a_transaction_keeps_to_the_chain_it_started(caseworker):
    """Its second event, of another province, joins the first one's chain: a transaction holds one chain's
    lock at most, so two transactions never wait for each other's chains (no deadlock)."""
    with transaction.atomic():
        first = _event(caseworker, "610102", 1)
        second = _event(caseworker, "440305", 2)
    assert (first.chain, second.chain, second.region_code) == ("61", "61", "440305")
    assert second.prev_hash == first.hash
    with transaction.atomic():
        third = _event(caseworker, "440305", 3)  # a new transaction starts the region's own chain
    assert third.chain == "44" and third.prev_hash == ""
    assert verify().ok


def test_a_rolled_back_savepoint_gives_its_chain_back(caseworker):
    with transaction.atomic():
        try:
            with transaction.atomic():
                _event(caseworker, "610102", 1)
                raise RuntimeError
        except RuntimeError:
            pass
        kept = _event(caseworker, "440305", 2)
    assert kept.chain == "44"
    assert list(AuditEvent.objects.values_list("chain", flat=True)) == ["44"]


def test_moving_a_row_to_another_chain_is_detected(caseworker):
    with transaction.atomic():
        row = _event(caseworker, "610102", 1)
    with transaction.atomic():
        _event(caseworker, "440305", 2)
    AuditEvent.objects.filter(pk=row.pk).update(chain="44")  # its hash binds the chain it was written in
    assert row.pk in verify_audit_chain()


def test_deleting_a_whole_province_chain_after_an_anchor_is_detected(caseworker):
    for i, region in enumerate(["610102", "440305", "610100", "440305", ""]):
        with transaction.atomic():
            _event(caseworker, region, i)
    body = write_anchor()
    assert set(body["heads"]) == {"", "44", "61"}
    assert verify().ok
    gone = AuditEvent.objects.filter(chain="44")
    newest = gone.order_by("-id").first().pk
    gone.delete()  # the other chains still link; only the anchor knows the province had rows
    report = verify()
    assert report.broken == [] and report.missing == [newest]
    with pytest.raises(CommandError, match="锚定的审计记录已不存在"):
        call_command("verify_audit_chain")


def test_anchor_lines_from_before_the_split_name_the_chain_without_a_region(caseworker):
    with transaction.atomic():
        old = _event(caseworker, "", 1)
    body = {"id": old.pk, "hash": old.hash, "count": 1, "hmac_from": old.pk, "at": "2026-11-01T00:00:00+08:00"}
    anchor_path().parent.mkdir(parents=True, exist_ok=True)
    anchor_path().write_text(json.dumps({**body, "sig": _sign(body)}) + "\n")
    with transaction.atomic():
        _event(caseworker, "610102", 2)
    assert len(read_anchors()[0]) == 1 and verify().ok
    AuditEvent.objects.filter(pk=old.pk).delete()
    assert verify().missing == [old.pk]


def test_the_command_checks_one_chain(caseworker, capsys):
    with transaction.atomic():
        _event(caseworker, "610102", 1)
    with transaction.atomic():
        bad = _event(caseworker, "440305", 2)
    AuditEvent.objects.filter(pk=bad.pk).update(after={"amount": 999})
    call_command("verify_audit_chain", "--chain", "61")
    assert "1 条链，1 条记录" in capsys.readouterr().out
    with pytest.raises(CommandError, match="审计链校验失败"):
        call_command("verify_audit_chain", "--chain", "44")
    with pytest.raises(CommandError, match="两位省级代码"):
        call_command("verify_audit_chain", "--chain", "6101")


def test_the_head_is_read_through_the_chain_index_whatever_the_statistics():
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL plans")
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN SELECT hash FROM {AuditEvent._meta.db_table} WHERE chain = '61'"
                    " ORDER BY chain DESC, id DESC LIMIT 1")
        plan = "\n".join(r[0] for r in cur.fetchall())
    assert "audit_chain_idx" in plan and "Sort" not in plan


def test_provinces_do_not_wait_for_each_other_and_one_province_does(caseworker):
    """A transaction holding province 61's chain (an audited write not yet committed) does not stop a write
    of province 44, which commits at once; a second write of province 61 waits for it."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    try:
        with audit_chain_held("610102", caseworker):
            with connection.cursor() as cur:
                cur.execute("SET lock_timeout = '2s'")
            with transaction.atomic():
                other = _event(caseworker, "440305", 2)  # would time out behind one global chain
            assert other.chain == "44"
            with pytest.raises(OperationalError, match="lock timeout"):
                with transaction.atomic():
                    _event(caseworker, "610100", 3)
    finally:
        with connection.cursor() as cur:
            cur.execute("RESET lock_timeout")
    with transaction.atomic():
        after = _event(caseworker, "610100", 4)
    first = AuditEvent.objects.get(chain="61", object_id="1")
    assert after.prev_hash == first.hash
    assert verify().ok


def test_a_second_write_of_the_province_waits_then_links_to_the_first(caseworker):
    """The head is read once the lock is held (the lock and the read go in one round trip, as two
    statements): the waiting writer links to the row the holder committed while it waited."""
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    got = {}

    def second():
        with transaction.atomic():
            got["second"] = _event(caseworker, "610100", 2)

    with audit_chain_held("610102", caseworker) as first:
        writing = in_thread(second)
        writing.join(1.5)
        assert writing.is_alive()  # waiting for province 61's lock
    writing.join(30)
    assert got["second"].prev_hash == first.hash
    assert verify().ok


def test_rows_from_code_that_does_not_know_the_column_land_in_the_chain_without_a_region():
    """A node not yet upgraded inserts without `chain`: the database default puts the row in ""."""
    with connection.cursor() as cur:
        cur.execute(f"INSERT INTO {AuditEvent._meta.db_table} (at, action, object_type, object_id, region_code,"
                    " note, prev_hash, hash, hash_version) VALUES (now(), 'old.node', 'x', '1', '610100', '', '',"
                    " '', 2) RETURNING id")
        pk = cur.fetchone()[0]
    assert AuditEvent.objects.get(pk=pk).chain == ""
