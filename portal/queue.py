"""Enqueueing background work by task name, so that a broker outage never loses it nor breaks the request.

Services never import tasks modules: they name the task (`enqueue("assistance.build_batch", batch.pk)`),
and the name is looked up in Celery's registry when the message is sent. Task names follow one scheme,
`<app label>.<verb>_<noun>` (`assistance.pay_batch`, `medical_pooling.run_settlement`).

`enqueue(name, *args)` publishes after the surrounding transaction commits (a worker never sees
uncommitted rows). If the broker is down, publishing fails after a short retry: the request has
already committed its durable state (a batch in `building`, a job in `queued`), so the failure is
logged and the periodic resume jobs publish the work again once the broker is back. Nothing is lost
and nothing half-made is left behind: the database row is the queue of record, the broker only a
wake-up call.

`enqueue_batched(name, item)` is for a task that runs once per row written by a hot path (the fraud check
after each pooled spend): the item is appended to a Redis list and at most one message at a time wakes a
drain (`portal.drain_batched`), which hands the task the items in batches. A request then pays one Redis
round trip instead of building and publishing a Celery message, and the worker takes one message per batch.
Without a broker (tasks in-process) the task runs at once with the one item. The list is not a queue of
record: an item lost with Redis, or not pushed while Redis was down, is left to the task's own periodic scan
(for the fraud check, the nightly scan over the day's spends).
"""

import functools
import logging
import time
import uuid

import redis
from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils.module_loading import autodiscover_modules
from kombu.exceptions import OperationalError

from . import requestid

log = logging.getLogger(__name__)


def task_named(name: str):
    """The registered task called `name` (its module is imported on first use, in any process)."""
    try:
        return current_app.tasks[name]
    except KeyError:
        # import every installed app's tasks module (Django's own discovery: Celery's would run
        # django.setup() again and reconfigure logging in a running web process)
        autodiscover_modules("tasks")
        return current_app.tasks[name]


def publish(name: str, *args, **kwargs) -> bool:
    """Publish now; False (and a log line) when the broker cannot be reached."""
    try:
        # the request id travels in the message headers (portal.requestid restores it in the worker)
        task_named(name).apply_async(args=args, kwargs=kwargs, headers=requestid.message_headers())
        return True
    except (OperationalError, ConnectionError, OSError) as exc:
        log.warning("broker unavailable, %s(%s) left for the resume job: %s", name, args, exc)
        return False


def enqueue(name: str, *args, **kwargs) -> None:
    """Publish once the surrounding transaction has committed (at once outside a transaction)."""
    transaction.on_commit(lambda: publish(name, *args, **kwargs))


BATCH_SIZE = 200
# A drain owns its list's wake key (its value is the drain's token) while it runs, refreshed every batch; a
# drain that died leaves it to expire, and the next item after that, or the resume job
# (`resume_batched`, every 2 minutes with the stalled jobs), wakes a new drain.
WAKE_SECONDS = 60
LINGER_SECONDS = 0.5  # how long a drain waits on an empty list before it lets go
GATHER_SECONDS = 0.2  # after a batch that was not full, how long a drain lets the list fill before reading
DRAIN_SECONDS = 30  # how long one drain message runs at most
PREFIX = "portal:batched:"

# Only the wake key's owner may take a batch off the list: checked and trimmed in one step on the server, so
# a drain whose key expired meanwhile (it took too long, or its message was delivered again) trims nothing.
_TRIM = """
if redis.call('GET', KEYS[2]) == ARGV[1] then
    redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
    redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
    return 1
end
return 0
"""
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# A drain starts by owning the key: its own (refreshed, however long its message waited in the queue), or a
# free one (its message was delivered again after the key expired); not another drain's.
_CLAIM = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
    return 1
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', tonumber(ARGV[2])) then return 1 end
return 0
"""


@functools.cache
def redis_client() -> redis.Redis:
    # short timeouts: a Redis that stops answering must not hold a request (whose payment has committed) or a
    # worker; the push then fails, is logged, and the resume job or the nightly scan picks the work up
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=5)


def batched_keys(name: str) -> tuple[str, str]:
    return f"{PREFIX}{name}", f"{PREFIX}{name}:wake"


def enqueue_batched(name: str, item: int) -> None:
    """Hand `item` to the task `name` (which takes a list of items) once the surrounding transaction has
    committed, in a batch with others (see the module's docstring)."""
    transaction.on_commit(lambda: _push(name, item))


def _push(name: str, item: int) -> None:
    if current_app.conf.task_always_eager or not settings.REDIS_URL:
        publish(name, [item])
        return
    items, wake = batched_keys(name)
    token = uuid.uuid4().hex
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.rpush(items, item)
        pipe.set(wake, token, nx=True, ex=WAKE_SECONDS)
        _length, woke = pipe.execute()
    except redis.RedisError as exc:
        log.warning("broker unavailable, %s(%s) left for its periodic scan: %s", name, item, exc)
        return
    if woke:
        _wake(name, token)


def _wake(name: str, token: str) -> None:
    """Publish a drain for the key this caller has just taken; if the broker refuses the message, let the key
    go again, so the next item or the resume job wakes one."""
    if not publish("portal.drain_batched", name, token):
        try:
            redis_client().eval(_RELEASE, 1, batched_keys(name)[1], token)
        except redis.RedisError:
            pass  # the key expires by itself


def _hand_over(name: str) -> bool:
    """Wake a new drain for what is waiting, unless a drain owns the list."""
    items, wake = batched_keys(name)
    client, fresh = redis_client(), uuid.uuid4().hex
    if client.llen(items) and client.set(wake, fresh, nx=True, ex=WAKE_SECONDS):
        _wake(name, fresh)
        return True
    return False


def drain_batched(name: str, token: str, *, linger: float = LINGER_SECONDS, lifetime: float = DRAIN_SECONDS,
                  gather: float = GATHER_SECONDS) -> int:
    """Run `name` on the waiting items, a batch at a time, while this drain owns the list's wake key
    (`token`): one drain of a list at a time. An item leaves the list only after its batch has run, so a drain
    that dies leaves its batch to the next one (the task must bear running twice on an item); it waits at most
    until the next item or the resume job.

    The drain waits `linger` seconds on an empty list before it lets go, so that under a steady stream of
    items one message serves many batches and the requests behind them publish nothing; after `lifetime`
    seconds it hands what is left to a new message and ends (a Celery task is not meant to run for hours).
    After a batch that was not full it waits `gather` seconds before reading again: under a steady stream a
    drain that read as soon as it could would run the task every few items, each run with its fixed cost
    (statements, a Redis round trip); an item waits that much longer for its check.
    Returns the number of items this drain handed to the task."""
    items, wake = batched_keys(name)
    client, task, done = redis_client(), task_named(name), 0
    if not client.eval(_CLAIM, 1, wake, token, WAKE_SECONDS):
        return 0  # another drain owns the list (this message was delivered again after its owner's expired)
    started = idle_since = time.monotonic()
    while time.monotonic() - started < lifetime:
        batch = [int(i) for i in client.lrange(items, 0, BATCH_SIZE - 1)]
        if batch:
            task(batch)
            if not client.eval(_TRIM, 2, items, wake, token, len(batch), WAKE_SECONDS):
                # the key expired while the batch ran: a drain that took it since goes on from here; if
                # none did, wake one
                _hand_over(name)
                return done
            done += len(batch)
            idle_since = time.monotonic()
            if len(batch) < BATCH_SIZE and gather:
                time.sleep(gather)
        elif time.monotonic() - idle_since >= linger:
            break
        else:
            time.sleep(0.05)
    client.eval(_RELEASE, 1, wake, token)
    # an item pushed after the last read found the key taken and woke nobody (or the lifetime ran out)
    _hand_over(name)
    return done


def resume_batched() -> list[str]:
    """Wake a drain for every batched list that has items and no owner (a drain died, or the broker refused
    its message): called with the stalled jobs' resume, every 2 minutes. Returns the tasks woken."""
    if current_app.conf.task_always_eager or not settings.REDIS_URL:
        return []
    woken = []
    try:
        for key in redis_client().scan_iter(match=f"{PREFIX}*", count=100):
            key = key.decode()
            if not key.endswith(":wake") and _hand_over(key[len(PREFIX):]):
                woken.append(key[len(PREFIX):])
    except redis.RedisError as exc:  # the stalled jobs are resumed all the same
        log.warning("batched lists not resumed, Redis unavailable: %s", exc)
    return woken
