"""What the queue itself does not keep: which jobs run now and which failed for good.

Huey removes a job from the queue when a worker takes it and forgets it after its last retry.
These records live in the queue's own key-value store (the same broker, so every worker and
``imageapp jobs`` on any machine see them): a running mark while a job runs, and a failed
record, holding the job itself, once its retries are spent, so ``imageapp jobs retry`` can
queue it again. A job a stopping worker had to abandon is queued again at once.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from huey import Huey, signals
from huey.api import Task

log = logging.getLogger(__name__)
RUNNING = "imageapp:running:"
FAILED = "imageapp:failed:"
_ENDED = (
    signals.SIGNAL_COMPLETE,
    signals.SIGNAL_ERROR,
    signals.SIGNAL_CANCELED,
    signals.SIGNAL_TIMEOUT,
    signals.SIGNAL_LOCKED,
    signals.SIGNAL_INTERRUPTED,
)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One job as ``imageapp jobs`` lists it."""

    id: str
    name: str
    args: tuple[Any, ...]
    when: datetime | None = None  # queued: None; running: since; scheduled: due; failed: at
    detail: str = ""  # running: the worker; failed: the error


def describe(task: Task) -> str:
    args = ", ".join(repr(arg) for arg in task.args)
    return f"{task.name}({args})"


def install(huey: Huey) -> None:
    """Keep the running marks and failed records of every job this queue runs."""

    def _started(_signal: str, task: Task, *_args: Any) -> None:
        mark = {"name": task.name, "args": list(task.args), "since": _now(), "worker": _worker()}
        huey.storage.put_data(RUNNING + task.id, json.dumps(mark).encode())

    def _ended(signal: str, task: Task, *args: Any) -> None:
        huey.storage.delete_data(RUNNING + task.id)
        if signal == signals.SIGNAL_ERROR and task.retries:
            log.warning(
                "%s failed: %r; will be retried in %s s (%d retries left)",
                describe(task),
                args[0] if args else None,
                task.retry_delay,
                task.retries,
            )
        elif signal == signals.SIGNAL_ERROR:
            _record_failure(huey, task, args[0] if args else None)
        elif signal == signals.SIGNAL_INTERRUPTED:
            log.warning("%s was interrupted by the worker's shutdown; queued again", task.id)
            huey.enqueue(task)

    huey.signal(signals.SIGNAL_EXECUTING)(_started)
    huey.signal(*_ENDED)(_ended)


def _record_failure(huey: Huey, task: Task, error: BaseException | None) -> None:
    log.error("%s failed for good: %r; `imageapp jobs retry` queues it", describe(task), error)
    record = {
        "name": task.name,
        "args": list(task.args),
        "error": repr(error),
        "at": _now(),
        "task": base64.b64encode(huey.serialize_task(task)).decode("ascii"),
    }
    # One record per job and arguments: a job failing again (reconcile queues an image anew
    # every few minutes) replaces its record instead of piling up.
    huey.storage.put_data(FAILED + describe(task), json.dumps(record).encode())


def queued(huey: Huey, limit: int) -> list[JobRecord]:
    """Waiting for a worker, oldest first (at most ``limit``)."""
    return [JobRecord(task.id, task.name, tuple(task.args)) for task in huey.pending(limit)]


def scheduled(huey: Huey, limit: int) -> list[JobRecord]:
    """Waiting for their time: retries after a failure, soonest first."""
    return [
        JobRecord(task.id, task.name, tuple(task.args), task.eta.replace(tzinfo=UTC))
        for task in sorted(huey.scheduled(), key=lambda task: task.eta)[:limit]
    ]


def busy_with(huey: Huey, name: str, limit: int) -> set[Any] | None:
    """First arguments of the ``name`` jobs queued, scheduled or running now (reconcile
    queues no second job for an image that has one); None when more than ``limit`` jobs wait:
    reading them all would take the whole queue into memory."""
    if huey.pending_count() + huey.scheduled_count() > limit:
        return None
    waiting = [*huey.pending(limit), *huey.scheduled(limit)]
    found = {task.args[0] for task in waiting if task.name == name and task.args}
    found |= {job.args[0] for job in running(huey) if job.name == name and job.args}
    return found


def running(huey: Huey) -> list[JobRecord]:
    return [
        JobRecord(key, mark["name"], tuple(mark["args"]), _time(mark["since"]), mark["worker"])
        for key, mark in _records(huey, RUNNING)
    ]


def failed(huey: Huey) -> list[JobRecord]:
    return [
        JobRecord(key, record["name"], tuple(record["args"]), _time(record["at"]), record["error"])
        for key, record in _records(huey, FAILED)
    ]


def retry_failed(huey: Huey) -> list[str]:
    """Queue every failed job again, with its retries renewed; returns what was queued."""
    queued = []
    for key, record in list(_records(huey, FAILED)):
        task = huey.deserialize_task(base64.b64decode(record["task"]))
        task.retries = type(task).default_retries
        task.retry_delay = type(task).default_retry_delay
        huey.enqueue(task)
        huey.storage.delete_data(FAILED + key)
        queued.append(describe(task))
    return queued


def _records(huey: Huey, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for key, value in sorted(huey.storage.result_items().items()):
        if key.startswith(prefix):
            yield key.removeprefix(prefix), json.loads(value)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _time(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"
