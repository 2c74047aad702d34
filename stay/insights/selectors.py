"""The retention figures, read from the buyers' summaries (``models``): repeat purchases over
time, the time from a first order to a second, cohorts, segments by recency, frequency and
value and how people move between them, and what gift-card recipients spend first.

Months are the store's calendar months; ``today`` (the store's date) is for tests and reports
of a past day."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.core.cache import caches
from django.db import connection
from django.db.models import Avg, Case, Count, DateTimeField, F, FloatField, Func, Max, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Round, TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from statsmodels.duration.survfunc import SurvfuncRight

from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.orders.models import Order

from .forecast import Forecast, forecast
from .models import Buyer, BuyerMonth, Source


class Seconds(Func):
    """The seconds from ``start`` to ``end`` (two timestamps), computed by the database, so a
    figure over many rows reads numbers rather than parsing two timestamps a row."""

    output_field = FloatField()
    arity = 2

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(compiler, connection, template="EXTRACT(EPOCH FROM (%(expressions)s))", arg_joiner=" - ")

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday() is a float of days: rounded to the millisecond, 60 s is 60, not 59.99999.
        template = "ROUND((julianday(%(expressions)s)) * 86400.0, 3)"
        return self.as_sql(compiler, connection, template=template, arg_joiner=") - julianday(")


def shift(month: date, months: int) -> date:
    """The first day of the month ``months`` after (or before) ``month``'s."""
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def _today(store: Store, today: date | None) -> date:
    return today or timezone.localdate(timezone.now(), store.zone)


def _start_of(store: Store, day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=store.zone)


# --- Repeat purchases over time -------------------------------------------------------------


@dataclass(frozen=True)
class RepeatPoint:
    month: date  # the figures as they stood at this month's end (today, for this month)
    buyers: int  # customers with an order by then
    repeat: int  # of whom with two or more
    rate: float


def repeat_rate(*, store: Store, months: int = 12, today: date | None = None) -> list[RepeatPoint]:
    """The share of customers with two orders or more, at the end of each of the last
    ``months`` months (one query)."""
    this = _today(store, today).replace(day=1)
    firsts = [shift(this, -n) for n in range(months - 1, -1, -1)]
    ends = [_start_of(store, shift(month, 1)) for month in firsts]
    counts = Buyer.objects.filter(store=store).aggregate(
        **{f"b{n}": Count("pk", filter=Q(first_order_at__lt=end)) for n, end in enumerate(ends)},
        **{f"r{n}": Count("pk", filter=Q(second_order_at__lt=end)) for n, end in enumerate(ends)},
    )
    points = []
    for n, month in enumerate(firsts):
        buyers, repeat = counts[f"b{n}"], counts[f"r{n}"]
        points.append(RepeatPoint(month, buyers, repeat, repeat / buyers if buyers else 0.0))
    return points


# --- Time from the first order to the second ------------------------------------------------

WITHIN = (30, 60, 90, 180, 365)


@dataclass(frozen=True)
class SecondOrder:
    buyers: int
    again: int  # who have ordered a second time
    median_days: float | None  # Kaplan-Meier: half have ordered again by then (None: not yet half)
    within: dict[int, float]  # days -> the estimated share who order again within them
    curve: list[tuple[int, float]]  # (days, share ordered again) at each step of the estimate


def second_order(*, store: Store, today: date | None = None) -> SecondOrder:
    """Kaplan-Meier over the days from each customer's first order to their second; customers
    who have not ordered again are censored at today (they still may)."""
    now = _start_of(store, today + timedelta(days=1)) if today else timezone.now()  # the end of today
    # Whole days, counted by the database: a few hundred rows (day, ordered again, how many)
    # however many buyers the store has.
    again = Q(second_order_at__lt=now)
    ended = Case(When(again, then=F("second_order_at")), default=Value(now), output_field=DateTimeField())
    rows = list(
        Buyer.objects.filter(store=store, first_order_at__lt=now)
        .annotate(days=Round(Seconds(ended, F("first_order_at")) / 86400), event=Case(When(again, then=1), default=0))
        .values_list("days", "event")
        .annotate(n=Count("pk"))
        .order_by()
    )
    buyers = sum(n for _days, _event, n in rows)
    if not buyers:
        return SecondOrder(0, 0, None, {}, [])
    ordered_again = sum(n for _days, event, n in rows if event)
    if not ordered_again:
        return SecondOrder(buyers, 0, None, dict.fromkeys(WITHIN, 0.0), [])
    days, events, counts = (np.array(column, dtype=float) for column in zip(*rows, strict=True))
    fit = SurvfuncRight(days, events, freq_weights=counts)
    ordered = 1 - fit.surv_prob

    def by(day: float) -> float:
        steps = np.searchsorted(fit.surv_times, day, side="right")
        return float(ordered[steps - 1]) if steps else 0.0

    half = np.nonzero(ordered >= 0.5)[0]
    return SecondOrder(
        buyers=buyers,
        again=ordered_again,
        median_days=float(fit.surv_times[half[0]]) if len(half) else None,
        within={day: by(day) for day in WITHIN},
        curve=[(round(float(t)), float(s)) for t, s in zip(fit.surv_times, ordered, strict=True)],
    )


# --- Cohorts ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cohort:
    month: date  # of the first order
    size: int
    shares: list[float]  # months 1, 2, ... after: the share who ordered in that month (up to today)


def cohorts(*, store: Store, months: int = 12, source: str = "", today: date | None = None) -> list[Cohort]:
    """Rows: the month of the first order (the last ``months``); columns: months since; each
    the share of the row's customers who ordered in that month. ``source``: only customers who
    came that way (``Source``)."""
    this = _today(store, today).replace(day=1)
    start = shift(this, -(months - 1))
    rows = BuyerMonth.objects.filter(store=store, cohort__gte=start, month__lte=this)
    if source:
        rows = rows.filter(customer_id__in=Buyer.objects.filter(store=store, source=source).values("customer_id"))
    grouped = rows.values("cohort", "month").annotate(n=Count("customer_id"))
    counts = {(r["cohort"], r["month"]): r["n"] for r in grouped}
    out = []
    for n in range(months):
        month = shift(start, n)
        size = counts.get((month, month), 0)
        later = [shift(month, k) for k in range(1, months_between(month, this) + 1)]
        out.append(Cohort(month, size, [counts.get((month, m), 0) / size if size else 0.0 for m in later]))
    return out


# --- Segments: recency, frequency, value ---------------------------------------------------


class Segment:
    """Named by what a store does about them. Recency is in whole months since the month of
    the last order; frequency is orders so far."""

    NEW = "new"
    ONE_TIME = "one_time"
    RETURNING = "returning"
    REGULAR = "regular"
    AT_RISK = "at_risk"
    LOST = "lost"
    ORDER = (NEW, ONE_TIME, RETURNING, REGULAR, AT_RISK, LOST)
    LABELS = {
        NEW: _("New: one order, in the last 3 months"),
        ONE_TIME: _("One-time: one order, 3-11 months ago"),
        RETURNING: _("Returning: two orders, the last within 6 months"),
        REGULAR: _("Regulars: three orders or more, the last within 6 months"),
        AT_RISK: _("At risk: two orders or more, the last 6-11 months ago"),
        LOST: _("Lost: no order for a year or more"),
    }


def segment_of(orders: int, months_since: int) -> str:
    if months_since >= 12:
        return Segment.LOST
    if orders == 1:
        return Segment.NEW if months_since < 3 else Segment.ONE_TIME
    if months_since >= 6:
        return Segment.AT_RISK
    return Segment.REGULAR if orders >= 3 else Segment.RETURNING


@dataclass(frozen=True)
class SegmentSize:
    segment: str
    customers: int
    spent: Decimal  # all they have spent, net of refunds, up to the month's end


@dataclass(frozen=True)
class Segments:
    month: date
    sizes: list[SegmentSize]
    moves: dict[tuple[str, str], int]  # (last month's segment or "", this month's) -> customers


def _standing(store: Store, at: date, before: date) -> QuerySet[Any, dict[str, Any]]:
    """Per customer: orders, spend and last month up to ``at``'s month, and the same up to
    ``before``'s (the month before)."""
    upto, prior = Q(month__lte=at), Q(month__lte=before)
    return (
        BuyerMonth.objects.filter(store=store, cohort__lte=at)
        .values("customer_id")
        .annotate(
            n=Sum("orders", filter=upto),
            last=Max("month", filter=upto),
            spent=Sum("spent", filter=upto),
            n0=Sum("orders", filter=prior),
            last0=Max("month", filter=prior),
        )
    )


def segments(*, store: Store, today: date | None = None) -> Segments:
    """Each segment's size and spend at today, and who moved between segments since the end
    of last month ("one-time buyers → regulars"). The database groups the customers by what
    decides their segment (orders capped at 3, the month of the last order, now and at the
    end of last month), so a few hundred rows come back however many customers there are."""
    this = _today(store, today).replace(day=1)
    before = shift(this, -1)
    inner, params = _standing(store, this, before).query.sql_with_params()
    # The inner query is the ORM's own, its values passed as parameters.
    columns = 'CASE WHEN s.n > 3 THEN 3 ELSE s.n END, s."last", CASE WHEN s.n0 > 3 THEN 3 ELSE s.n0 END, s."last0"'
    query = f"SELECT {columns}, COUNT(*), SUM(s.spent) FROM ({inner}) s GROUP BY 1, 2, 3, 4"  # noqa: S608
    customers: Counter[str] = Counter()
    spent: dict[str, Decimal] = {}
    moves: Counter[tuple[str, str]] = Counter()
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        groups = cursor.fetchall()
    for n, last, n0, last0, people, total in groups:
        now = segment_of(n, months_between(_day(last), this))
        was = segment_of(n0, months_between(_day(last0), before)) if n0 else ""
        customers[now] += people
        spent[now] = spent.get(now, Decimal(0)) + Decimal(str(total))
        if was != now:
            moves[(was, now)] += people
    cents = Decimal("0.01")
    sizes = [SegmentSize(s, customers[s], spent.get(s, Decimal(0)).quantize(cents)) for s in Segment.ORDER]
    return Segments(this, sizes, dict(moves))


def _day(value: date | str) -> date:
    """A date from a raw query (SQLite gives its text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def segment_members(*, store: Store, segment: str, today: date | None = None) -> list[int]:
    """The ids of the customers in ``segment``, most valuable first."""
    found = segment_buyers(store=store, segment=segment, today=today)
    return list(found.order_by("-spent", "-customer_id").values_list("customer_id", flat=True))


def segment_buyers(*, store: Store, segment: str, today: date | None = None) -> QuerySet[Buyer]:
    """The buyers in ``segment``: the segment's rules as conditions on the buyers' summary
    (its index on the last order), counting every order so far. ``today`` sets the calendar
    the months are counted in."""
    this = _today(store, today).replace(day=1)

    def since(months_back: int) -> datetime:  # the start of the month ``months_back`` before this one
        return _start_of(store, shift(this, -months_back))

    rules = {
        Segment.LOST: Q(last_order_at__lt=since(11)),
        Segment.NEW: Q(orders=1, last_order_at__gte=since(2)),
        Segment.ONE_TIME: Q(orders=1, last_order_at__gte=since(11), last_order_at__lt=since(2)),
        Segment.AT_RISK: Q(orders__gte=2, last_order_at__gte=since(11), last_order_at__lt=since(5)),
        Segment.RETURNING: Q(orders=2, last_order_at__gte=since(5)),
        Segment.REGULAR: Q(orders__gte=3, last_order_at__gte=since(5)),
    }
    return Buyer.objects.filter(rules[segment], store=store, first_order_at__lt=since(-1))


def rfm_audience(store: Store, rule: dict[str, Any]) -> QuerySet[Any]:
    """A campaign's audience by segment (``flows.segments``): ``{"kind": "rfm", "segment":
    "at_risk"}``, the customers the segment's page lists."""
    name = rule.get("segment")
    if name not in Segment.ORDER:
        raise InvalidInput(f"segment.segment: one of {', '.join(Segment.ORDER)}", code="invalid_segment")
    return segment_buyers(store=store, segment=name).values("customer_id")


# --- The seed's claim: gift-card recipients' first order ----------------------------------


@dataclass(frozen=True)
class FirstOrders:
    buyers: int
    average: Decimal | None
    recipients: int
    recipients_average: Decimal | None

    @property
    def ratio(self) -> float | None:
        """Recipients' average first order over everyone's (the article says about 1.2)."""
        if not self.average or self.recipients_average is None:
            return None
        return float(self.recipients_average / self.average)


def first_orders(*, store: Store) -> FirstOrders:
    found = Buyer.objects.filter(store=store).aggregate(
        n=Count("pk"),
        avg=Avg("first_value"),
        gifts=Count("pk", filter=Q(source=Source.GIFT)),
        gifts_avg=Avg("first_value", filter=Q(source=Source.GIFT)),
    )

    def money(value: Decimal | float | None) -> Decimal | None:
        return None if value is None else Decimal(value).quantize(Decimal("0.01"))

    return FirstOrders(found["n"], money(found["avg"]), found["gifts"], money(found["gifts_avg"]))


# --- Orders a day, and ahead ----------------------------------------------------------------


def daily_orders(*, store: Store, days: int = 182, today: date | None = None) -> dict[date, float]:
    """Orders placed each day of the store's calendar (cancelled ones left out) over the last
    ``days`` up to yesterday: the series the forecast learns from (one grouped query)."""
    end = _today(store, today)
    rows = (
        Order.objects.filter(
            store=store,
            cancelled_at__isnull=True,
            placed_at__gte=_start_of(store, end - timedelta(days=days)),
            placed_at__lt=_start_of(store, end),
        )
        .annotate(day=TruncDate("placed_at", tzinfo=store.zone))
        .values("day")
        .annotate(n=Count("id"))
    )
    return {row["day"]: float(row["n"]) for row in rows}


def orders_ahead(*, store: Store, days: int = 28, today: date | None = None) -> Forecast | None:
    """The next ``days`` of orders, by the model whose backtests on the store's last three
    periods erred least; None until there are 20 weeks of orders to learn and test on."""
    day = _today(store, today)
    key = f"insights:ahead:{store.pk}:{day.isoformat()}:{days}"
    # Learned from the days up to yesterday: the same all day, so worked out once a day (the
    # backtests fit a dozen models: 0.3-0.8 s on a 1,000,000-order store, ADR 0019).
    found: Forecast | str | None = caches["insights"].get(key)
    if found is None:
        series = daily_orders(store=store, today=today)
        enough = bool(series) and (max(series) - min(series)).days >= 20 * 7
        found = forecast(series, day - timedelta(days=1), days) if enough else "too little history"
        caches["insights"].set(key, found, 24 * 3600)
    return found if isinstance(found, Forecast) else None
