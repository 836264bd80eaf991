"""portal.db.deferring: a row held back (the audit row of a hot path) goes ahead of the transaction's next
statement in its round trip, is seen by every later statement, is sent at the scope's end if nothing came
after it, and is dropped with the transaction on an error; inside a savepoint nothing is held."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from portal import db
from portal.audit_chain import verify
from portal.models import AuditEvent
from portal.services import AUDIT_HEAD_COLUMN, audit

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("the held row rides with a PostgreSQL statement")


def _event(i, **kw):
    return audit(actor=None, action="test.deferred", object_type="x", object_id=i, region_code="610100",
                 after={"i": i}, **kw)


def test_a_held_row_rides_with_the_next_statement_which_sees_it():
    with CaptureQueriesContext(connection) as ctx, transaction.atomic(), db.deferring(connection):
        event = _event(1, defer=True)
        assert event.pk is None
        # the next statement, whatever it is, carries the row ahead of itself and sees it
        assert AuditEvent.objects.filter(action="test.deferred").count() == 1
    sent = [q["sql"] for q in ctx.captured_queries if "INSERT INTO \"portal_auditevent\"" in q["sql"]]
    assert len(sent) == 1 and sent[0].startswith("INSERT") and "SELECT COUNT(*)" in sent[0]
    row = AuditEvent.objects.get(action="test.deferred")
    assert row.hash == event.hash and verify(chain="61").ok


def test_a_row_nothing_came_after_is_sent_when_the_scope_ends():
    with transaction.atomic(), db.deferring(connection):
        _event(1, defer=True)
    assert AuditEvent.objects.filter(action="test.deferred").count() == 1


def test_two_held_rows_of_one_chain_keep_their_links():
    with transaction.atomic(), db.deferring(connection):
        first = _event(1, defer=True)
        second = _event(2, defer=True)  # its head read carries the first row ahead of it
    assert second.prev_hash == first.hash and verify(chain="61").ok
    assert AuditEvent.objects.filter(action="test.deferred").count() == 2


def test_an_error_drops_the_held_row_with_the_transaction():
    with pytest.raises(RuntimeError):
        with transaction.atomic(), db.deferring(connection):
            assert _event(1, defer=True).pk is None  # held, not sent
            raise RuntimeError("the request failed after its audit row was written")
    assert not AuditEvent.objects.filter(action="test.deferred").exists()


def test_nothing_is_held_inside_a_savepoint_or_outside_a_scope():
    with transaction.atomic(), db.deferring(connection):
        with transaction.atomic():  # a savepoint: a rollback of it must take the row with it
            inner = _event(1, defer=True)
        assert inner.pk is not None
    with transaction.atomic():
        assert _event(2, defer=True).pk is not None
    assert AuditEvent.objects.filter(action="test.deferred").count() == 2


def test_a_statement_with_named_parameters_goes_after_the_held_row_in_its_own_round_trip():
    with transaction.atomic(), db.deferring(connection):
        _event(1, defer=True)
        with connection.cursor() as cur:
            cur.execute("SELECT count(*) FROM portal_auditevent WHERE action = %(a)s", {"a": "test.deferred"})
            assert cur.fetchone()[0] == 1


def test_many_rows_or_a_server_side_cursor_after_a_held_row_get_it_first_in_a_round_trip_of_its_own():
    with transaction.atomic(), db.deferring(connection):
        _event(1, defer=True)
        with connection.cursor() as cur:
            cur.executemany("SELECT %s", [(1,), (2,)])
        _event(2, defer=True)
        assert len(list(AuditEvent.objects.filter(action="test.deferred").iterator(chunk_size=10))) == 2
    assert AuditEvent.objects.filter(action="test.deferred").count() == 2 and verify(chain="61").ok


def test_the_scope_belongs_inside_a_transaction_and_a_chain_head_serves_one_event():
    from django.db.transaction import TransactionManagementError

    from portal.services import ChainHead

    with pytest.raises(TransactionManagementError):
        with db.deferring(connection):
            pass
    with transaction.atomic():
        head = ChainHead("610100")
        with connection.cursor() as cur:
            cur.execute(head.lock + "SELECT " + AUDIT_HEAD_COLUMN % {"audit_chain": "'61'"})
            head.read(cur.fetchone()[0])
        _event(1, head=head)
        with pytest.raises(ValueError):
            _event(2, head=head)
