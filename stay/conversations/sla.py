"""Service-level targets counted in business hours."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.cache import cache

from stay.core.models import Store

from .models import BusinessHours, SlaPolicy

# Used when a store has set no targets of its own.
DEFAULT_TARGETS = {  # priority: (first response, resolution) in minutes
    "urgent": (30, 4 * 60),
    "high": (60, 8 * 60),
    "normal": (4 * 60, 24 * 60),
    "low": (8 * 60, 72 * 60),
}


def due_times(store: Store, priority: str, start: datetime) -> tuple[datetime, datetime]:
    """When the first response and the resolution are due for a conversation started at ``start``."""
    first, resolution = targets(store, priority)
    hours = opening_hours(store)
    return add_business_minutes(store, start, first, hours), add_business_minutes(store, start, resolution, hours)


Rules = tuple[dict[str, tuple[int, int]], dict[int, tuple[time, time]]]


def _rules(store: Store) -> Rules:
    """The store's targets by priority and its opening hours by weekday. Every new conversation
    needs them, so each process keeps them for ``STORE_CACHE_SECONDS`` (a change in the admin
    applies after at most that long)."""
    key = f"sla-rules:{store.pk}"
    rules: Rules | None = cache.get(key)
    if rules is None:
        policies = SlaPolicy.objects.filter(store=store)
        rules = (
            {p.priority: (p.first_response_minutes, p.resolution_minutes) for p in policies},
            {h.weekday: (h.opens, h.closes) for h in BusinessHours.objects.filter(store=store)},
        )
        cache.set(key, rules, settings.STORE_CACHE_SECONDS)
    return rules


def targets(store: Store, priority: str) -> tuple[int, int]:
    own = _rules(store)[0].get(priority)
    return own or DEFAULT_TARGETS.get(priority, DEFAULT_TARGETS["normal"])


def opening_hours(store: Store) -> dict[int, tuple[time, time]]:
    return _rules(store)[1]


def add_business_minutes(
    store: Store, start: datetime, minutes: int, hours: dict[int, tuple[time, time]] | None = None
) -> datetime:
    """``start`` plus ``minutes`` of the store's opening hours (all hours when none are set;
    ``hours`` when the caller has read them already)."""
    hours = opening_hours(store) if hours is None else hours
    if not hours:
        return start + timedelta(minutes=minutes)
    tz = store.zone
    cursor = start.astimezone(tz)
    left = timedelta(minutes=minutes)
    for _ in range(400):  # at most about a year of days; every open day consumes some time
        day = hours.get(cursor.weekday())
        if day:
            opens = datetime.combine(cursor.date(), day[0], tz)
            closes = datetime.combine(cursor.date(), day[1], tz)
            begin = max(cursor, opens)
            if begin < closes:
                if begin + left <= closes:
                    return begin + left
                left -= closes - begin
        cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), tz)
    return cursor


def next_opening(store: Store, at: datetime) -> datetime:
    """``at`` itself when the store is open then, else when it next opens."""
    return add_business_minutes(store, at, 0)
