"""`Idempotency-Key` for requests that move money (Stripe semantics).

Same user + same key + same body -> the first answer again, nothing done twice.
Same key with another body -> 409. Answers of 5xx are not kept (the client may retry).
The record is written in the same transaction as the work, so a crash leaves neither.
"""

import functools
import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response

from portal.models import IdempotencyRecord

HEADER = "Idempotency-Key"


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
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        record = IdempotencyRecord.objects.create(
                            user=request.user, key=key, method=request.method, path=request.path[:255],
                            request_hash=request_hash,
                        )
                except IntegrityError:
                    existing = IdempotencyRecord.objects.get(user=request.user, key=key)
                    return _replay(existing, request_hash)
                response = method(self, request, *args, **kwargs)
                if response.status_code >= 500:
                    raise _Rollback(response)
                record.status_code = response.status_code
                record.response_body = json.loads(json.dumps(response.data, default=str))
                record.save(update_fields=["status_code", "response_body"])
                return response
        except _Rollback as rollback:
            return rollback.response

    return wrapper
