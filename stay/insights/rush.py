"""Contacts ahead, from orders ahead: how orders turn into contacts, measured on the store's
own last months, applied to the orders forecast (issue 23's post-holiday rush).

- **Lags**: of the conversations opened in the last 26 weeks, those whose customer ordered in
  the 28 days before count against that order's day; per day after an order, how many
  contacts an order brings. The rest are the contacts that come whatever the orders: their
  mean by weekday.
  Return requests the same way, over the 60 days after an order, with the shares that ask
  for an exchange and that report a fault.
- **Ahead**: each coming day's contacts are the orders of the 28 days before it (those placed,
  then those forecast) times the contacts per order at each lag, plus the weekday's other
  contacts; spread over the hours and channels as the last 26 weeks' contacts were.
- **Backtest**: the same worked out as of 28 days ago, against the contacts that came.
- **People**: each coming hour's chats, WhatsApp and SMS that need a person (the assistant
  answers its measured share alone) at the service level asked for; e-mail and returns as work
  done in the hours the roster has people to spare."""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import TruncDate

from stay.conversations.models import Channel, Conversation
from stay.core.models import Store
from stay.orders.models import Order
from stay.returns.models import Outcome, Reason, Return, ReturnLine

from .selectors import _start_of, _today, daily_orders, orders_ahead
from .service import LIVE_CHANNELS
from .staffing import backlog_agents

LAG_DAYS = 28
RETURN_LAG_DAYS = 60
WINDOW_DAYS = 182
FAULTS = (Reason.DEFECTIVE, Reason.DAMAGED, Reason.NOT_AS_DESCRIBED, Reason.WRONG_ITEM)


@dataclass(frozen=True)
class Lags:
    per_order: list[float]  # contacts an order brings on each day after it (day 0 = the order's day)
    other: dict[int, float]  # contacts unrelated to a recent order, a day, by weekday (0 = Monday)
    hours: dict[tuple[str, int], float]  # (channel, hour of the store's day) -> share of contacts
    returns_per_order: list[float]  # return requests an order brings on each day after it
    exchanges: float  # the share of return requests that ask for an exchange
    faults: float  # the share that report a fault (defective, damaged, wrong, not as described)


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
    returned, exchanges, faults = _return_lags(store, start, end)
    asked = sum(returned.values())
    orders = sum(daily_orders(store=store, days=WINDOW_DAYS, today=day).values())
    weeks = WINDOW_DAYS / 7
    total = sum(hours.values())
    return Lags(
        per_order=[lagged[d] / orders if orders else 0.0 for d in range(LAG_DAYS)],
        other={weekday: other[weekday] / weeks for weekday in range(7)},
        hours={key: n / total for key, n in hours.items()} if total else {},
        returns_per_order=[returned[d] / orders if orders else 0.0 for d in range(RETURN_LAG_DAYS)],
        exchanges=exchanges / asked if asked else 0.0,
        faults=faults / asked if asked else 0.0,
    )


def _return_lags(store: Store, start: datetime, end: datetime) -> tuple[Counter[int], int, int]:
    """Return requests asked for between ``start`` and ``end``, by days after their order, and
    how many of them ask for an exchange and report a fault."""
    lines = ReturnLine.objects.filter(ret=OuterRef("pk"))
    rows = (
        Return.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
        .annotate(
            exchange=Exists(lines.filter(outcome=Outcome.EXCHANGE)), fault=Exists(lines.filter(reason__in=FAULTS))
        )
        .values_list("created_at", "order__placed_at", "exchange", "fault")
        .order_by()
    )
    zone = store.zone
    lagged: Counter[int] = Counter()
    exchanges = faults = 0
    for asked, placed, exchange, fault in rows:
        lag = (asked.astimezone(zone).date() - placed.astimezone(zone).date()).days
        if 0 <= lag < RETURN_LAG_DAYS:
            lagged[lag] += 1
            exchanges += exchange
            faults += fault
    return lagged, exchanges, faults


@dataclass(frozen=True)
class DayAhead:
    day: date
    orders: float
    contacts: float
    by_hour: dict[tuple[str, int], float]  # (channel, hour) -> contacts
    returns: float  # return requests
    exchanges: float  # of which asking for an exchange
    faults: float  # of which reporting a fault
    from_orders: float  # of the contacts, those the orders bring (the rest come anyway)

    def scaled(self, orders: float) -> "DayAhead":
        """The day if there were ``orders`` times as many orders: the contacts they bring and
        the return requests grow with them; the other contacts do not."""
        if orders == 1.0:
            return self
        contacts = self.contacts + self.from_orders * (orders - 1)
        grow = contacts / self.contacts if self.contacts else 1.0
        return replace(
            self,
            orders=self.orders * orders,
            contacts=contacts,
            by_hour={key: n * grow for key, n in self.by_hour.items()},
            returns=self.returns * orders,
            exchanges=self.exchanges * orders,
            faults=self.faults * orders,
            from_orders=self.from_orders * orders,
        )


def contacts_ahead(*, store: Store, days: int = 28, today: date | None = None) -> list[DayAhead] | None:
    """Each of the next ``days``: orders (forecast), contacts, and contacts by channel and
    hour. None while there is too little history to forecast orders."""
    day = _today(store, today)
    forecast = orders_ahead(store=store, days=days, today=today)
    if forecast is None:
        return None
    lags = contact_lags(store=store, today=day)
    placed = daily_orders(store=store, days=RETURN_LAG_DAYS, today=day)
    expected = dict(zip(forecast.days, forecast.values, strict=True))

    def brought(ahead: date, per_order: list[float]) -> float:
        """What the orders of the days before ``ahead`` bring on it, at ``per_order`` a lag."""
        total = 0.0
        for lag, rate in enumerate(per_order):
            source = ahead - timedelta(days=lag)
            total += (expected[source] if source >= day else placed.get(source, 0.0)) * rate
        return total

    out = []
    for ahead in forecast.days:
        from_orders = brought(ahead, lags.per_order)
        contacts = from_orders + lags.other[ahead.weekday()]
        by_hour = {key: contacts * share for key, share in lags.hours.items()}
        returns = brought(ahead, lags.returns_per_order)
        kinds = (returns * lags.exchanges, returns * lags.faults)
        out.append(DayAhead(ahead, expected[ahead], contacts, by_hour, returns, *kinds, from_orders))
    return out


@dataclass(frozen=True)
class Backtest:
    start: date  # the first day forecast
    forecast: list[float]  # contacts, a day
    actual: list[float]

    @property
    def error(self) -> float | None:
        """The mean absolute percentage error over the days that had contacts."""
        pairs = [(f, a) for f, a in zip(self.forecast, self.actual, strict=True) if a]
        return sum(abs(f - a) / a for f, a in pairs) / len(pairs) if pairs else None

    @property
    def total_error(self) -> float | None:
        """How far the period's total was off, as a share of what came (+: too many)."""
        came = sum(self.actual)
        return (sum(self.forecast) - came) / came if came else None


def backtest(*, store: Store, days: int = 28, today: date | None = None) -> Backtest | None:
    """The contacts forecast as it would have been made ``days`` ago, against what came."""
    end = _today(store, today)
    start = end - timedelta(days=days)
    ahead = contacts_ahead(store=store, days=days, today=start)
    if ahead is None:
        return None
    came = dict(
        Conversation.objects.filter(
            store=store,
            created_at__gte=_start_of(store, start),
            created_at__lt=_start_of(store, end),
            merged_into__isnull=True,
        )
        .annotate(day=TruncDate("created_at", tzinfo=store.zone))
        .values("day")
        .annotate(n=Count("id"))
        .values_list("day", "n")
    )
    return Backtest(start, [d.contacts for d in ahead], [float(came.get(d.day, 0)) for d in ahead])


@dataclass(frozen=True)
class HourPlan:
    hour: int
    live: float  # chats, WhatsApp and SMS messages that need a person
    email: float  # e-mails that need a person
    agents: int  # needed for the live ones at the service level
    on_duty: int | None  # on the roster; None without one


OCCUPANCY = 0.85  # the share of a rostered hour spent on backlog work


@dataclass(frozen=True)
class DayPlan:
    day: DayAhead
    hours: list[HourPlan]  # 0-23
    email_hours: float  # the people's hours the day's e-mail takes
    returns_hours: float  # and its return requests
    email_people: int  # the people who answer the day's e-mail within the hours promised

    @property
    def busiest(self) -> HourPlan:
        return max(self.hours, key=lambda h: (h.live, -h.hour))

    @property
    def short(self) -> list[HourPlan]:
        """The hours the roster has fewer people on than the live contacts need."""
        return [h for h in self.hours if h.on_duty is not None and h.on_duty < h.agents]

    @property
    def spare_hours(self) -> float | None:
        """The people's hours on the roster beyond the live contacts' need."""
        if not self.hours or self.hours[0].on_duty is None:
            return None
        return float(sum(max(0, (h.on_duty or 0) - h.agents) for h in self.hours)) * OCCUPANCY

    @property
    def covered(self) -> bool | None:
        """Whether the roster meets the day: no hour short, and the spare hours do the
        e-mail and the returns."""
        spare = self.spare_hours
        return None if spare is None else not self.short and spare >= self.email_hours + self.returns_hours


def people_ahead(
    days: list[DayAhead],
    *,
    agents_for: Callable[[float], int],
    email_minutes: float,
    return_minutes: float,
    alone: dict[str, float],
    email_within_hours: float = 8,
    duty: dict[tuple[int, int], int] | None,
) -> list[DayPlan]:
    """Each coming day hour by hour: the live contacts that need a person (``alone``: the
    share per channel the assistant answers by itself) and the agents ``agents_for`` them;
    the day's e-mail and return requests as hours of work; the roster's people (``duty`` by
    weekday and hour) beside them."""
    out = []
    for day in days:
        live, email = [0.0] * 24, [0.0] * 24
        for (channel, hour), contacts in day.by_hour.items():
            person = contacts * (1 - alone.get(channel, 0.0))
            if channel in LIVE_CHANNELS:
                live[hour] += person
            elif channel == Channel.EMAIL:
                email[hour] += person
        weekday = day.day.weekday()
        hours = [
            HourPlan(
                hour,
                live[hour],
                email[hour],
                agents_for(live[hour]),
                None if duty is None else duty.get((weekday, hour), 0),
            )
            for hour in range(24)
        ]
        people = backlog_agents(sum(email), email_minutes, email_within_hours, occupancy=OCCUPANCY)
        out.append(DayPlan(day, hours, sum(email) * email_minutes / 60, day.returns * return_minutes / 60, people))
    return out
