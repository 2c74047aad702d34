"""The insights pages' figures, kept a while in a cache every process of the store shares (a
file cache in the data directory: the worker works them out, the web processes read them).

At 1,000,000 orders and conversations a page's figures take 0.5-2.6 s to work out
(bench/insights.py, ADR 0019). The worker works out each store's default pages every five
minutes (``warm``), so an agent opening them does not wait; a page with other filters is
worked out on its first view and kept like the rest."""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from django.core.cache import caches
from django.utils import timezone

from stay.core.models import Store

from . import rush, selectors, service

T = TypeVar("T")
WARM_MINUTES = 5  # how often the worker works out the default pages again
# How long figures are kept: a little longer than the worker takes to come round again.
RETENTION_SECONDS, SERVICE_SECONDS = 600, 360
PLAN_SECONDS = 3600  # the contacts ahead, their backtest and the handling times
DEFAULT_MONTHS, DEFAULT_DAYS = 12, 30


def kept(parts: tuple[Any, ...], seconds: int, work: Callable[[], T], *, fresh: bool = False) -> tuple[T, datetime]:
    """``work()``'s result and when it was worked out, kept ``seconds`` under ``parts``;
    ``fresh`` works it out again whatever is kept."""
    cache = caches["insights"]
    key = ":".join(str(part) for part in parts)
    found: tuple[T, datetime] | None = None if fresh else cache.get(key)
    if found is None:
        found = (work(), timezone.now())
        cache.set(key, found, seconds)
    return found


def retention(store: Store, months: int, source: str, *, fresh: bool = False) -> tuple[tuple[Any, ...], datetime]:
    return kept(
        ("retention", store.pk, months, source),
        RETENTION_SECONDS,
        lambda: (
            selectors.repeat_rate(store=store, months=months),
            selectors.second_order(store=store),
            selectors.cohorts(store=store, months=months, source=source),
            selectors.segments(store=store),
            selectors.first_orders(store=store),
        ),
        fresh=fresh,
    )


def service_figures(period: service.Period, *, fresh: bool = False) -> tuple[tuple[Any, ...], datetime]:
    return kept(
        ("service", period.store.pk, (period.end - period.start).days, period.channel, period.agent_id),
        SERVICE_SECONDS,
        lambda: (
            service.channels(period),
            service.contacts_by_hour(period),
            service.returns(period),
            service.backlog(period.store, channel=period.channel, agent_id=period.agent_id),
            (asked := service.intents(period)),
            service.intents_by_hour(period, [intent for intent, _n, _handed in asked]),
            service.gift_cards(period),
            service.outreach(period),
            service.loyalty(period.store),
        ),
        fresh=fresh,
    )


def handling(store: Store, *, fresh: bool = False) -> tuple[dict[str, service.Handling], datetime]:
    return kept(("handling", store.pk), PLAN_SECONDS, lambda: service.handling(store), fresh=fresh)


def contacts_ahead(store: Store, *, fresh: bool = False) -> tuple[list[rush.DayAhead] | None, datetime]:
    return kept(("rush", store.pk), PLAN_SECONDS, lambda: rush.contacts_ahead(store=store), fresh=fresh)


def backtest(store: Store, *, fresh: bool = False) -> tuple[rush.Backtest | None, datetime]:
    return kept(("rush-test", store.pk), PLAN_SECONDS, lambda: rush.backtest(store=store), fresh=fresh)


def warm(store: Store) -> None:
    """Work out the store's default pages again: retention and service every time, the
    staffing plan's figures when they are within two rounds of expiring."""
    retention(store, DEFAULT_MONTHS, "", fresh=True)
    service_figures(service.last_days(store, DEFAULT_DAYS), fresh=True)
    soon = timezone.now() - timedelta(seconds=PLAN_SECONDS) + timedelta(minutes=2 * WARM_MINUTES)
    for figure in (handling, contacts_ahead, backtest):
        _found, as_of = figure(store)
        if as_of <= soon:
            figure(store, fresh=True)
