"""Contacts ahead, from orders ahead: how orders turn into contacts, measured on the store's
own last months, applied to the orders forecast (issue 23's post-holiday rush).

- **Lags**: of the conversations opened in the last 26 weeks, those whose customer ordered in
  the 28 days before count against that order's day; per day after an order, how many
  contacts an order brings. The rest are the contacts that come whatever the orders: their
  mean by weekday.
- **Ahead**: each coming day's contacts are the orders of the 28 days before it (those placed,
  then those forecast) times the contacts per order at each lag, plus the weekday's other
  contacts; spread over the hours and channels as the last 26 weeks' contacts were."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import OuterRef, Subquery

from stay.conversations.models import Conversation
from stay.core.models import Store
from stay.orders.models import Order

from .selectors import _start_of, _today, daily_orders, orders_ahead

LAG_DAYS = 28
WINDOW_DAYS = 182


@dataclass(frozen=True)
class Lags:
    per_order: list[float]  # contacts an order brings on each day after it (day 0 = the order's day)
    other: dict[int, float]  # contacts unrelated to a recent order, a day, by weekday (0 = Monday)
    hours: dict[tuple[str, int], float]  # (channel, hour of the store's day) -> share of contacts


def contact_lags(*, store: Store, today: date | None = None) -> Lags:
    day = _today(store, today)
    start, end = _start_of(store, day - timedelta(days=WINDOW_DAYS)), _start_of(store, day)
    recent_order = Order.objects.filter(
        customer=OuterRef("customer"),
        cancelled_at__isnull=True,
        placed_at__lte=OuterRef("created_at"),
        placed_at__gt=OuterRef("created_at") - timedelta(days=LAG_DAYS),
    ).order_by("-placed_at")
    rows = (
        Conversation.objects.filter(store=store, created_at__gte=start, created_at__lt=end, merged_into__isnull=True)
        .annotate(ordered=Subquery(recent_order.values("placed_at")[:1]))
        .values_list("created_at", "ordered", "channel")
        .order_by()
    )
    lagged: Counter[int] = Counter()
    other: Counter[int] = Counter()
    hours: Counter[tuple[str, int]] = Counter()
    zone = store.zone
    for opened, ordered, channel in rows:
        local = opened.astimezone(zone)
        hours[(channel, local.hour)] += 1
        if ordered is None:
            other[local.weekday()] += 1
        else:
            lagged[(local.date() - ordered.astimezone(zone).date()).days] += 1
    orders = sum(daily_orders(store=store, days=WINDOW_DAYS, today=day).values())
    weeks = WINDOW_DAYS / 7
    total = sum(hours.values())
    return Lags(
        per_order=[lagged[d] / orders if orders else 0.0 for d in range(LAG_DAYS)],
        other={weekday: other[weekday] / weeks for weekday in range(7)},
        hours={key: n / total for key, n in hours.items()} if total else {},
    )


@dataclass(frozen=True)
class DayAhead:
    day: date
    orders: float
    contacts: float
    by_hour: dict[tuple[str, int], float]  # (channel, hour) -> contacts


def contacts_ahead(*, store: Store, days: int = 28, today: date | None = None) -> list[DayAhead] | None:
    """Each of the next ``days``: orders (forecast), contacts, and contacts by channel and
    hour. None while there is too little history to forecast orders."""
    day = _today(store, today)
    forecast = orders_ahead(store=store, days=days, today=today)
    if forecast is None:
        return None
    lags = contact_lags(store=store, today=day)
    placed = daily_orders(store=store, days=LAG_DAYS, today=day)
    expected = dict(zip(forecast.days, forecast.values, strict=True))
    out = []
    for ahead in forecast.days:
        brought = 0.0
        for lag in range(LAG_DAYS):
            source = ahead - timedelta(days=lag)
            brought += (expected[source] if source >= day else placed.get(source, 0.0)) * lags.per_order[lag]
        contacts = brought + lags.other[ahead.weekday()]
        by_hour = {key: contacts * share for key, share in lags.hours.items()}
        out.append(DayAhead(ahead, expected[ahead], contacts, by_hour))
    return out
