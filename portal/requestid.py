"""A request id on every log line of a request and of the tasks it enqueues.

`RequestIdMiddleware` takes the balancer's `X-Request-ID` (when it looks like an id) or makes one, keeps it
in a context variable for the request's duration and sends it back in the response header.
`portal.queue.publish` puts the current id into the Celery message headers; the `task_prerun` handler below
restores it in the worker for the task's duration (a task enqueued by a task keeps the same id), so one
grep of the JSON logs follows a payout from the approver's click to the last chunk.
`RequestIdFilter` writes the id into every log record (`request_id`, "-" outside a request or task).
"""

import contextvars
import logging
import re
import uuid

from celery import signals

HEADER = "request_id"
_current: contextvars.ContextVar[str] = contextvars.ContextVar("portal_request_id", default="")
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current() -> str:
    return _current.get()


def new_id() -> str:
    return uuid.uuid4().hex


def set_current(value: str):
    return _current.set(value)


def reset(token) -> None:
    _current.reset(token)


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        given = request.headers.get("X-Request-ID", "")
        rid = given if _VALID.match(given) else new_id()
        request.request_id = rid
        token = _current.set(rid)
        try:
            response = self.get_response(request)
        finally:
            _current.reset(token)
        response["X-Request-ID"] = rid
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = _current.get() or "-"
        return True


def message_headers() -> dict:
    """Headers for a message published now: the current request id, if any."""
    rid = _current.get()
    return {HEADER: rid} if rid else {}


_task_tokens: dict[str, contextvars.Token] = {}


@signals.task_prerun.connect(weak=False)
def _restore_request_id(task_id=None, task=None, **kwargs):
    rid = getattr(task.request, HEADER, None) or (task.request.headers or {}).get(HEADER) if task else None
    if rid and _VALID.match(str(rid)):
        _task_tokens[task_id] = _current.set(str(rid))


@signals.task_postrun.connect(weak=False)
def _clear_request_id(task_id=None, **kwargs):
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        try:
            _current.reset(token)
        except ValueError:  # set in another context (eager nesting): just clear it
            _current.set("")
