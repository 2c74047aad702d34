"""The one small module every app's background jobs go through.

Huey loses a task whose worker is killed mid-run, so a job never holds the truth: the app's
own rows do (an outbound call stays ``queued`` until it is sent). Each app registers a
*sweeper* that finds rows left waiting too long and enqueues their job again; the periodic
``sweep`` task runs every sweeper once a minute. Jobs must therefore be idempotent.

Enqueue with :func:`enqueue_on_commit` so a job never runs against rows that were rolled back.
"""

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

log = logging.getLogger(__name__)

task = db_task
periodic_task = db_periodic_task
queue = HUEY

Sweeper = Callable[[datetime], int]
_sweepers: dict[str, Sweeper] = {}


def enqueue_on_commit(job: Callable[..., Any], *args: Any, **kwargs: Any) -> None:
    """Enqueue ``job(*args, **kwargs)`` once the current transaction commits (now if none)."""
    transaction.on_commit(lambda: job(*args, **kwargs))


class Coalesced:
    """Enqueue a job that takes no arguments and works off whatever is waiting (a *drain*), at
    most once per ``window`` seconds per process, however often it is asked for.

    The first request enqueues at once; requests inside the window arrange one more enqueue at
    its end. So work committed before any request is always followed by an enqueue, and a burst
    of a thousand requests costs a handful of queue writes instead of a thousand."""

    def __init__(self, job: Callable[[], Any], window: float) -> None:
        self._job = job
        self._window = window
        self._lock = threading.Lock()
        self._last = float("-inf")
        self._due: threading.Timer | None = None

    def __call__(self) -> None:
        """Ask for the job once the current transaction commits (now if none)."""
        transaction.on_commit(self._request)

    def _request(self) -> None:
        if queue.immediate:  # tests: run it now, inline
            self._job()
            return
        with self._lock:
            if self._due is not None:
                return  # an enqueue is already due at the end of the window
            wait = self._last + self._window - time.monotonic()
            if wait > 0:
                self._due = threading.Timer(wait, self._enqueue_due)
                self._due.daemon = True
                self._due.start()
                return
            self._last = time.monotonic()
        self._enqueue()

    def _enqueue_due(self) -> None:
        with self._lock:
            self._due = None
            self._last = time.monotonic()
        self._enqueue()

    def _enqueue(self) -> None:
        try:
            self._job()
        except Exception:  # the queue is down: the work is committed, and the sweep finds it
            log.exception("could not enqueue %s", self._job)


def register_sweeper(name: str, sweeper: Sweeper) -> None:
    """``sweeper(stale_before)`` re-enqueues work queued before ``stale_before``; returns a count."""
    _sweepers[name] = sweeper


def sweep_now() -> dict[str, int]:
    stale_before = timezone.now() - timedelta(seconds=settings.SWEEP_STALE_AFTER_SECONDS)
    counts = {}
    for name, sweeper in _sweepers.items():
        try:
            counts[name] = sweeper(stale_before)
        except Exception:
            log.exception("sweeper %s failed", name)
            counts[name] = -1
    if any(counts.values()):
        log.info("sweep re-enqueued %s", counts)
    return counts


@queue.on_startup()
def lower_priority() -> None:
    """Each worker thread (or process) yields the CPU to the web processes (WORKER_NICENESS)."""
    if settings.WORKER_NICENESS > 0 and hasattr(os, "nice"):
        os.nice(settings.WORKER_NICENESS)  # on Linux this applies to the calling thread


@periodic_task(crontab(minute="*"))
def sweep() -> dict[str, int]:
    from .health import heartbeat

    heartbeat()
    return sweep_now()


@task(retries=0)
def deliver_event(entry_id: int) -> str | None:
    """Run one durable subscriber of one published event (:mod:`stay.core.events`)."""
    from .events import event_deliver

    return event_deliver(entry_id=entry_id)


@periodic_task(crontab(hour="4", minute="7"))
def prune_events() -> int:
    from .events import prune_events as prune

    return prune(timezone.now() - timedelta(days=30))
