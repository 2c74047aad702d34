"""Rate limits shared by every process (the counters are rows). A key's window opens at its
first attempt and lasts ``per_seconds``; past ``limit`` attempts in it, the key waits."""

from datetime import datetime, timedelta

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import RateLimited
from .models import RateCounter


def _refuse(window_start: datetime, per_seconds: int, now: datetime) -> RateLimited:
    retry_after = max(1, int((window_start + timedelta(seconds=per_seconds) - now).total_seconds()))
    return RateLimited(
        _("Too many attempts. Try again in %(seconds)s seconds.") % {"seconds": retry_after}, retry_after=retry_after
    )


def rate_check(key: str, *, limit: int, per_seconds: int, now: datetime | None = None) -> None:
    """Raise :class:`RateLimited` if ``key`` used up its ``limit`` in its window, without
    counting an attempt (a client that failed too often may not try at all)."""
    now = now or timezone.now()
    opened = now - timedelta(seconds=per_seconds)
    found = RateCounter.objects.filter(key=key[:200], window_start__gt=opened, count__gte=limit).first()
    if found is not None:
        raise _refuse(found.window_start, per_seconds, now)


def rate_hit(key: str, *, limit: int, per_seconds: int, now: datetime | None = None) -> int:
    """Count one attempt for ``key``; raise :class:`RateLimited` past ``limit`` in its window.

    Call it outside the transaction of the work it guards: a failed attempt (an unknown gift
    card code) rolls its work back but must still count."""
    now = now or timezone.now()
    opened = now - timedelta(seconds=per_seconds)
    key = key[:200]
    if not RateCounter.objects.filter(key=key, window_start__gt=opened).update(count=F("count") + 1):
        RateCounter.objects.bulk_create(
            [RateCounter(key=key, window_start=now, count=1)],
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=["window_start", "count"],
        )
    counter = RateCounter.objects.filter(key=key).first()
    if counter is not None and counter.count > limit:
        raise _refuse(counter.window_start, per_seconds, now)
    return counter.count if counter else 1


def rate_forget_before(before: datetime) -> int:
    """Delete counters whose window opened long ago."""
    return RateCounter.objects.filter(window_start__lt=before).delete()[0]
