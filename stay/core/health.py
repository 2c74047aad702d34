"""Is Stay able to do its work? `/healthz` says the process answers (liveness); `/readyz`
(this module) says whether the database answers, the job queue answers, a worker ran its
sweep recently, and nothing waits too long: each app registers a check of its own backlog
(the oldest webhook not applied, the oldest reply not sent)."""

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from .models import Heartbeat
from .tasks import queue

# A check returns (healthy, what it saw).
Check = Callable[[], tuple[bool, Any]]
_checks: dict[str, Check] = {}
WORKER = "worker"


def register_check(name: str, check: Check) -> None:
    _checks[name] = check


def backlog_check(oldest: Callable[[], Any]) -> Check:
    """A check that the oldest waiting item (a datetime from ``oldest()``, None when none
    waits) is younger than ``READY_MAX_WAIT_SECONDS``."""

    def check() -> tuple[bool, Any]:
        since = oldest()
        if since is None:
            return True, {"oldest_seconds": 0}
        age = (timezone.now() - since).total_seconds()
        return age <= settings.READY_MAX_WAIT_SECONDS, {"oldest_seconds": round(age)}

    return check


def _database() -> tuple[bool, Any]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return True, "ok"


def _queue() -> tuple[bool, Any]:
    return True, {"pending": queue.pending_count()}


def _worker() -> tuple[bool, Any]:
    beat = Heartbeat.objects.filter(name=WORKER).first()
    if beat is None:
        return True, "no sweep yet"  # a worker that has just started
    age = (timezone.now() - beat.at).total_seconds()
    return age <= settings.READY_MAX_WAIT_SECONDS, {"last_sweep_seconds": round(age)}


def heartbeat() -> None:
    """A worker's sign of life, from its minute's sweep."""
    Heartbeat.objects.update_or_create(name=WORKER, defaults={"at": timezone.now()})


def readiness() -> tuple[bool, dict[str, Any]]:
    """Run every check; one that raises is unhealthy with its error (the database being down
    fails the checks that need it, and says so)."""
    report: dict[str, Any] = {}
    ready = True
    started = time.monotonic()
    for name, check in {"database": _database, "queue": _queue, "worker": _worker, **_checks}.items():
        try:
            ok, seen = check()
        except Exception as exc:
            ok, seen = False, f"{type(exc).__name__}: {str(exc)[:200]}"
        report[name] = {"ok": ok, "seen": seen}
        ready = ready and ok
    report["took_ms"] = round((time.monotonic() - started) * 1000, 1)
    return ready, report
