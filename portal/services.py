"""Writes shared by every app: the person registry and the audit trail."""

import datetime as dt
import functools

from django.db import connection, transaction
from django.utils import timezone
from pypinyin import lazy_pinyin

from . import db, idnumber, pii
from .models import AuditEvent, Person


def name_to_pinyin(name: str) -> str:
    return " ".join(lazy_pinyin(name or "")).lower()


def person_get_or_create(*, id_number: str, name: str = "", phone: str = "") -> Person:
    """The single entry into the registry. Validates the number; fills a blank name; never renames. A stored
    number (``pii.Sealed``, read back from a record) names a person already registered."""
    if isinstance(id_number, pii.Sealed):
        person = Person.objects.get(id_number=id_number)
    else:
        number = idnumber.validate_id_number(id_number)
        person, created = Person.objects.get_or_create(
            id_number=number,
            defaults={
                "name": name.strip(),
                "name_pinyin": name_to_pinyin(name.strip()),
                "birth_date": idnumber.birth_date(number),
                "sex": idnumber.sex(number),
                "phone": phone,
            },
        )
        if created:
            return person
    if name and not person.name:
        person.name = name.strip()
        person.name_pinyin = name_to_pinyin(person.name)
        person.save(update_fields=["name", "name_pinyin", "updated_at"])
    return person


def person_name_matches(person: Person, name: str) -> bool:
    return bool(person.name) and person.name.strip() == (name or "").strip()


def _snapshot(value):
    if value is None or isinstance(value, (str, int, bool, float, list, dict)):
        return value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


# The advisory lock of a chain: (this class, the province as a number; 0 for the chain without a region).
AUDIT_LOCK_CLASS = 0x41554454


class _ChainHeld:
    """Marks, among the transaction's on-commit callbacks, the chain whose lock the transaction holds. Django
    drops the callbacks of a transaction (or savepoint) rolled back, and PostgreSQL then releases the locks
    taken in it, so the mark is present exactly while the lock is held."""

    __slots__ = ("chain",)

    def __init__(self, chain: str):
        self.chain = chain

    def __call__(self):
        pass


def _chain_held() -> str | None:
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _ChainHeld):
            return func.chain
    return None


def _chain_and_lock(region_code: str) -> tuple[str, str]:
    """(the chain an event of this region joins in this transaction, the statement that takes its lock, or ""
    when the transaction holds it already)."""
    chain = _chain_held()
    if chain is not None:
        return chain, ""
    chain = AuditEvent.chain_for(region_code)
    return chain, f"SELECT pg_advisory_xact_lock({AUDIT_LOCK_CLASS}, {int(chain or 0)}); "


# The newest hash of the chain named by the parameter `audit_chain`, for a statement sent after the lock.
AUDIT_HEAD_COLUMN = (f"(SELECT hash FROM {AuditEvent._meta.db_table} WHERE chain = %(audit_chain)s"
                     " ORDER BY chain DESC, id DESC LIMIT 1)")


class ChainHead:
    """For a hot path on PostgreSQL that saves the audit's own round trip for the chain's lock and head: it
    sends `head.lock` (possibly "") ahead of its own statement in the same round trip (`portal.db.execute`'s
    `before`), selects AUDIT_HEAD_COLUMN in that statement with `head.params`, hands the value to
    `head.read(value)`, then passes `head=head` to `audit`. The statement's snapshot is taken once the lock
    is held, so the value is the chain's head as the next event must link to it."""

    __slots__ = ("chain", "lock", "hash", "_read")

    def __init__(self, region_code: str):
        self.chain, self.lock = _chain_and_lock(region_code)
        self.hash, self._read = "", False

    @property
    def params(self) -> dict:
        return {"audit_chain": self.chain}

    def read(self, value: str | None) -> "ChainHead":
        """The head the statement returned; call at once after it ran (its lock is now held)."""
        if self.lock:
            transaction.on_commit(_ChainHeld(self.chain))
        self.hash, self._read = value or "", True
        return self


def audit(*, actor, action: str, obj=None, object_type: str = "", object_id="", region_code: str = "",
          before: dict | None = None, after: dict | None = None, note: str = "",
          head: ChainHead | None = None, defer: bool = False) -> AuditEvent:
    """Append one audit row to its chain. Call inside the transaction that makes the change.

    The chain is the region's province (`AuditEvent.chain_for`): audited writes of different provinces take
    different locks and do not wait for each other. A transaction holds at most one chain's lock: once it has
    written an event, its later events join that chain whatever their region (so two transactions can never
    wait for each other's chains), and the region stays on the row. `head`: the chain's lock taken and head
    read by the caller's own statement (`ChainHead`), for this one event. `defer`: inside a
    `portal.db.deferring` scope (an idempotent API request) the row rides with the transaction's next
    statement instead of a round trip of its own; the event's `pk` is then not known."""
    if obj is not None:
        object_type = object_type or obj._meta.label
        object_id = object_id or obj.pk
    clean = lambda d: None if d is None else {k: _snapshot(v) for k, v in d.items()}  # noqa: E731
    # no savepoint: the event belongs to the caller's transaction, and if writing it fails, so does that
    with transaction.atomic(savepoint=False):
        if head is not None:
            if not head._read:
                raise ValueError("ChainHead.read() was not called with the head its statement returned, or the"
                                 " head was used already (it is good for one event)")
            head._read = False
            chain, lock = head.chain, None
        else:
            chain, lock = _chain_and_lock(region_code)
            if lock:
                transaction.on_commit(_ChainHeld(chain))
        if head is not None:
            last = head.hash
        elif connection.vendor == "postgresql":
            # The head is read by a statement of its own, begun once the lock is held (a statement that took
            # the lock itself would read the rows as they were before it waited): the two go in one round
            # trip, and PostgreSQL gives each statement of it a snapshot of its own. Ordered by the index's
            # two columns, so no plan but that index's can give the order.
            with connection.cursor() as cur:
                cur.execute(f"{lock}SELECT hash FROM {AuditEvent._meta.db_table} WHERE chain = %s"
                            " ORDER BY chain DESC, id DESC LIMIT 1", [chain])
                if lock and cur.description and cur.description[0][0] == "pg_advisory_xact_lock":
                    cur.nextset()  # a driver that stands on the first result (psycopg 3); psycopg2 is on the last
                row = cur.fetchone()
            last = row[0] if row else None
        else:
            last = AuditEvent.objects.filter(chain=chain).order_by("-id").values_list("hash", flat=True).first()
        event = AuditEvent(
            actor=actor if getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            region_code=region_code or "",
            before=clean(before),
            after=clean(after),
            note=note[:255],
            prev_hash=last or "",
            at=timezone.now(),
            hash_version=AuditEvent.HASH_HMAC,
            chain=chain,
        )
        event.hash = event.compute_hash()
        if connection.vendor == "postgresql":
            _insert(event, defer=defer)
        else:
            event.save(force_insert=True)
    return event


@functools.cache
def _insert_statement(model) -> tuple[str, list]:
    fields = [f for f in model._meta.concrete_fields if f is not model._meta.pk]
    q = connection.ops.quote_name
    return (f"INSERT INTO {q(model._meta.db_table)} ({', '.join(q(f.column) for f in fields)})"
            f" VALUES ({', '.join(['%s'] * len(fields))}) RETURNING {q(model._meta.pk.column)}", fields)


def _insert(obj, *, defer: bool = False) -> None:
    """`obj.save(force_insert=True)` for an append-only row (no signals are connected to it) without
    compiling an INSERT each time: the audit event is written by almost every request that changes
    something. `defer`: inside a `portal.db.deferring` scope the row goes ahead of the transaction's next
    statement, in its round trip (`obj.pk` then stays None)."""
    sql, fields = _insert_statement(type(obj))
    params = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    if defer and db.defer(connection, sql.rsplit(" RETURNING ", 1)[0], params):
        obj._state.adding, obj._state.db = False, connection.alias
        return
    with connection.cursor() as cur:
        cur.execute(sql, params)
        obj.pk = cur.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias


def audit_read(*, actor, action: str, obj=None, object_type: str = "", object_id="", region_code: str = "",
               note: str = "", after: dict | None = None) -> AuditEvent:
    """A read of full personal data (a download, an admin page): one audit row, committed at once
    (a read has no transaction of its own to join). Returns the row."""
    with transaction.atomic():
        return audit(actor=actor, action=action, obj=obj, object_type=object_type, object_id=object_id,
                     region_code=region_code, note=note, after=after)


def verify_audit_chain() -> list[int]:
    """Ids of rows whose keyed hash, link or version does not hold, and of anchored rows that are gone
    (empty list: the chain is intact). `portal.audit_chain.verify()` gives the full report."""
    from .audit_chain import verify

    report = verify()
    return sorted(set(report.broken) | set(report.missing))
