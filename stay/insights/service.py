"""The service figures (issue 23): is the service holding up? First response and resolution
per channel (median and p90), satisfaction, SLA breaches, the assistant's share answered
without a person, the backlog by age, contacts by hour of the day and by intent, returns and
gift cards. Each reads the conversations (or returns, or cards) of one period with one or two
queries; filters: period, channel, agent."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.db.models import Case, Count, Exists, F, OuterRef, Q, QuerySet, When
from django.db.models.functions import ExtractHour
from django.utils import timezone

from stay.assistant.models import Outcome, Turn
from stay.conversations.models import AuthorKind, Channel, Conversation, Direction, Message, Status
from stay.core.models import Store
from stay.giftcards.models import Kind
from stay.giftcards.selectors import breakage, liability_at
from stay.orders.models import Order
from stay.returns.models import Outcome as ReturnOutcome
from stay.returns.models import Return, ReturnLine

from .selectors import Seconds


@dataclass(frozen=True)
class Period:
    store: Store
    start: datetime
    end: datetime
    channel: str = ""
    agent_id: int | None = None

    def conversations(self) -> QuerySet[Conversation]:
        found = Conversation.objects.filter(
            store=self.store, created_at__gte=self.start, created_at__lt=self.end, merged_into__isnull=True
        )
        if self.channel:
            found = found.filter(channel=self.channel)
        if self.agent_id:
            found = found.filter(assignee_id=self.agent_id)
        return found


def last_days(store: Store, days: int, *, channel: str = "", agent_id: int | None = None) -> Period:
    now = timezone.now()
    return Period(store, now - timedelta(days=days), now, channel, agent_id)


def _percentiles(values: list[float]) -> tuple[float | None, float | None]:
    if not values:
        return None, None
    median, p90 = np.percentile(values, [50, 90])
    return float(median), float(p90)


@dataclass(frozen=True)
class ChannelRow:
    channel: str  # "" for all channels together
    conversations: int
    first_response_minutes: tuple[float | None, float | None]  # median, p90
    resolution_hours: tuple[float | None, float | None]
    csat: float | None  # the mean score, 1-5
    csat_answers: int
    breaches: int  # first responses later than due, or still owed past due
    by_assistant: int  # answered by the assistant, with no person writing


def channels(period: Period) -> list[ChannelRow]:
    """One row per channel with conversations in the period, then all of them together (one
    query: each conversation's times, score, and whether only the assistant answered it)."""
    now = timezone.now()
    person = Message.objects.filter(conversation=OuterRef("pk"), author_kind=AuthorKind.AGENT, direction=Direction.OUT)
    bot = Message.objects.filter(conversation=OuterRef("pk"), author_kind=AuthorKind.BOT, direction=Direction.OUT)
    late = Q(first_response_due_at__isnull=False) & (
        Q(first_response_at__gt=F("first_response_due_at"))
        | Q(first_response_at__isnull=True, first_response_due_at__lt=now)
    )
    rows = (
        period.conversations()
        .annotate(
            first=Seconds(F("first_response_at"), F("created_at")),
            solved=Seconds(F("resolved_at"), F("created_at")),
            late=Case(When(late, then=True), default=False),
            alone=Exists(bot) & ~Exists(person),
        )
        .values_list("channel", "first", "solved", "csat_score", "late", "alone")
        .order_by()
    )  # numbers and flags from the database: nothing to parse per row
    grouped: dict[str, list[tuple[Any, ...]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    out = []
    for channel in [c for c in Channel.values if c in grouped] + [""]:
        found = [r for rs in grouped.values() for r in rs] if channel == "" else grouped[channel]
        scores = [r[3] for r in found if r[3]]
        out.append(
            ChannelRow(
                channel=channel,
                conversations=len(found),
                first_response_minutes=_percentiles([r[1] / 60 for r in found if r[1] is not None]),
                resolution_hours=_percentiles([r[2] / 3600 for r in found if r[2] is not None]),
                csat=sum(scores) / len(scores) if scores else None,
                csat_answers=len(scores),
                breaches=sum(1 for r in found if r[4]),
                by_assistant=sum(1 for r in found if r[5]),
            )
        )
    return out


BACKLOG_AGES = ((1, "< 1 h"), (4, "1-4 h"), (24, "4-24 h"), (72, "1-3 d"), (None, "> 3 d"))


def backlog(store: Store, *, channel: str = "", agent_id: int | None = None) -> list[tuple[str, int]]:
    """Conversations waiting on the team (open or pending), by how long ago they were opened."""
    now = timezone.now()
    waiting = Conversation.objects.filter(
        store=store, status__in=[Status.OPEN, Status.PENDING], merged_into__isnull=True
    )
    if channel:
        waiting = waiting.filter(channel=channel)
    if agent_id:
        waiting = waiting.filter(assignee_id=agent_id)
    buckets, low = {}, None
    for n, (hours, _label) in enumerate(BACKLOG_AGES):
        q = Q()
        if hours is not None:
            q &= Q(created_at__gt=now - timedelta(hours=hours))
        if low is not None:
            q &= Q(created_at__lte=now - timedelta(hours=low))
        buckets[f"b{n}"] = Count("pk", filter=q)
        low = hours
    counts = waiting.aggregate(**buckets)
    return [(label, counts[f"b{n}"]) for n, (_hours, label) in enumerate(BACKLOG_AGES)]


def contacts_by_hour(period: Period) -> dict[str, list[int]]:
    """Messages from shoppers by hour of the store's day (0-23), per channel."""
    found = Message.objects.filter(
        store=period.store,
        direction=Direction.IN,
        created_at__gte=period.start,
        created_at__lt=period.end,
    )
    if period.channel:
        found = found.filter(channel=period.channel)
    if period.agent_id:
        found = found.filter(conversation__assignee_id=period.agent_id)
    grid: dict[str, list[int]] = {}
    rows = found.annotate(hour=ExtractHour("created_at", tzinfo=period.store.zone)).values("channel", "hour")
    for row in rows.annotate(n=Count("pk")):
        grid.setdefault(row["channel"], [0] * 24)[row["hour"]] += row["n"]
    return grid


def intents(period: Period, top: int = 10) -> list[tuple[str, int, int]]:
    """The commonest intents the assistant read, each with how often it handed them over."""
    turns = Turn.objects.filter(store=period.store, created_at__gte=period.start, created_at__lt=period.end)
    if period.channel:
        turns = turns.filter(channel=period.channel)
    rows = (
        turns.values("intent")
        .annotate(n=Count("pk"), handed=Count("pk", filter=Q(outcome=Outcome.HANDED_OFF)))
        .order_by("-n", "intent")[:top]
    )
    return [(row["intent"], row["n"], row["handed"]) for row in rows]


@dataclass(frozen=True)
class Returns:
    orders: int
    returns: int
    reasons: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    kept: int  # lines ending in an exchange, shop-now credit or store credit: the sale kept

    @property
    def rate(self) -> float:
        return self.returns / self.orders if self.orders else 0.0


def returns(period: Period) -> Returns:
    """Returns asked for in the period, against orders placed in it."""
    asked = Return.objects.filter(store=period.store, created_at__gte=period.start, created_at__lt=period.end)
    lines = ReturnLine.objects.filter(ret__in=asked)
    reasons = list(lines.values_list("reason").annotate(n=Count("pk")).order_by("-n"))
    outcomes = list(lines.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")).order_by("-n"))
    keeping = {ReturnOutcome.EXCHANGE, ReturnOutcome.SHOP_NOW, ReturnOutcome.STORE_CREDIT}
    return Returns(
        orders=Order.objects.filter(store=period.store, placed_at__gte=period.start, placed_at__lt=period.end).count(),
        returns=asked.count(),
        reasons=reasons,
        outcomes=outcomes,
        kept=sum(n for outcome, n in outcomes if outcome in keeping),
    )


@dataclass(frozen=True)
class Cards:
    currency: str
    gift_cards: Decimal  # what active gift cards still owe
    credit: Decimal  # what store credit still owes
    breakage: Decimal  # what expired unused in the period


def gift_cards(period: Period) -> list[Cards]:
    """What the store owed on cards at the period's end, and the breakage of the period, per
    currency (the gift cards' own ledger selectors)."""
    owed = liability_at(store=period.store, at=period.end)
    expired = breakage(store=period.store, start=period.start, end=period.end)
    return [
        Cards(currency, kinds[Kind.GIFT_CARD], kinds[Kind.STORE_CREDIT], expired.get(currency, Decimal("0.00")))
        for currency, kinds in sorted(owed.items())
    ]
