"""`Idempotency-Key` for requests that move money (Stripe semantics).

Same user + same key + same body -> the first answer again, nothing done twice.
Same key with another body -> 409. Answers of 5xx are not kept (the client may retry).
The record is written in the same transaction as the work, so a crash leaves neither.
"""

import contextvars
import functools
import hashlib
import json

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.response import Response

from portal import db
from portal.models import IdempotencyRecord

HEADER = "Idempotency-Key"


# True while a handler runs inside the wrapper's transaction: any exception it raises leaves that transaction
# and rolls all of it back (the record too), so a service called there needs no savepoint of its own.
_WHOLE = contextvars.ContextVar("idempotent_whole_transaction", default=False)


def savepoint_needed() -> bool:
    """For a service's `transaction.atomic(savepoint=…)`: False inside an idempotent request's transaction,
    whose every error rolls back the whole transaction; True anywhere else (a caller may catch the error and
    go on in its own transaction)."""
    return not _WHOLE.get()


class _Rollback(Exception):
    def __init__(self, response):
        self.response = response


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord, request_hash: str) -> Response:
    if record.request_hash != request_hash:
        return Response(
            {"detail": "此 Idempotency-Key 已用于内容不同的请求。"}, status=status.HTTP_409_CONFLICT
        )
    response = Response(record.response_body, status=record.status_code)
    response["Idempotent-Replayed"] = "true"
    return response


def _claim(request, key: str, request_hash: str) -> IdempotencyRecord | None:
    """Write the record for (user, key), or None when it exists. On PostgreSQL one INSERT … ON CONFLICT DO
    NOTHING (no savepoint): a concurrent request with the same key waits for the first one's transaction and
    then finds its record (or, if that one rolled back, writes its own)."""
    fields = dict(user=request.user, key=key, method=request.method, path=request.path[:255],
                  request_hash=request_hash)
    if connection.vendor != "postgresql":
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(**fields)
        except IntegrityError:
            return None
    record = IdempotencyRecord(**fields, created_at=timezone.now())
    with connection.cursor() as cur:
        cur.execute(
            f"INSERT INTO {IdempotencyRecord._meta.db_table} (user_id, key, method, path, request_hash, status_code,"
            " response_body, created_at) VALUES (%s, %s, %s, %s, %s, NULL, NULL, %s) ON CONFLICT DO NOTHING"
            " RETURNING id", [request.user.pk, key, record.method, record.path, request_hash, record.created_at])
        row = cur.fetchone()
    if row is None:
        return None
    record.pk = row[0]
    record._state.adding = False
    return record


def _store_answer(record: IdempotencyRecord) -> None:
    """record.save(update_fields=["status_code", "response_body"]), on PostgreSQL without compiling an UPDATE
    for every request that carries a key."""
    if connection.vendor != "postgresql":
        record.save(update_fields=["status_code", "response_body"])
        return
    body = IdempotencyRecord._meta.get_field("response_body")
    with connection.cursor() as cur:
        cur.execute(f"UPDATE {IdempotencyRecord._meta.db_table} SET status_code = %s, response_body = %s WHERE id = %s",
                    [record.status_code, body.get_db_prep_save(record.response_body, connection), record.pk])


def idempotent(method):
    """Decorate an APIView handler (`def post(self, request, ...)`)."""

    @functools.wraps(method)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if not key:
            return method(self, request, *args, **kwargs)
        key = key.strip()[:255]
        request_hash = _request_hash(request)
        try:
            # the work's writes that nothing reads before the commit (its audit row) ride with the answer
            with transaction.atomic(), db.deferring(connection):
                record = _claim(request, key, request_hash)
                if record is None:
                    existing = IdempotencyRecord.objects.get(user=request.user, key=key)
                    return _replay(existing, request_hash)
                token = _WHOLE.set(True)
                try:
                    response = method(self, request, *args, **kwargs)
                finally:
                    _WHOLE.reset(token)
                if response.status_code >= 500:
                    raise _Rollback(response)
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, default=str))
                _store_answer(record)
                return response
        except _Rollback as rollback:
            return rollback.response

    return wrapper
