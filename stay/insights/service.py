"""The service figures (issue 23): is the service holding up? First response and resolution
per channel (median and p90), satisfaction, SLA breaches, the assistant's share answered
without a person, the backlog by age, contacts by hour of the day and by intent, returns and
gift cards. Each reads the conversations (or returns, or cards) of one period with one or two
queries; filters: period, channel, agent."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
from django.db.models import Case, Count, Exists, F, Model, OuterRef, Q, QuerySet, Sum, When
from django.db.models.functions import ExtractHour
from django.utils import timezone

from stay.assistant.models import Outcome, Turn
from stay.conversations.models import AuthorKind, Channel, Conversation, Delivery, Direction, Message, Status
from stay.core.models import Store
from stay.customers.models import ConsentRecord, ConsentState
from stay.flows.models import Conversion
from stay.flows.models import Outreach as FlowOutreach
from stay.flows.models import Verdict as OutreachVerdict
from stay.giftcards.models import Kind
from stay.giftcards.selectors import breakage, liability_at
from stay.loyalty.models import LoyaltySettings
from stay.loyalty.selectors import programme_report
from stay.orders.models import Order
from stay.returns.models import Outcome as ReturnOutcome
from stay.returns.models import Return, ReturnLine

from .selectors import Seconds

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Period:
    store: Store
    start: datetime
    end: datetime
    channel: str = ""
    agent_id: int | None = None

    def within(self, found: QuerySet[M], at: str = "created_at") -> QuerySet[M]:
        """``found`` narrowed to the period by its ``at`` field, and to the period's channel."""
        found = found.filter(**{f"{at}__gte": self.start, f"{at}__lt": self.end})
        return found.filter(channel=self.channel) if self.channel else found

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
    found = period.within(Message.objects.filter(store=period.store, direction=Direction.IN))
    if period.agent_id:
        found = found.filter(conversation__assignee_id=period.agent_id)
    grid: dict[str, list[int]] = {}
    rows = found.annotate(hour=ExtractHour("created_at", tzinfo=period.store.zone)).values("channel", "hour")
    for row in rows.annotate(n=Count("pk")):
        grid.setdefault(row["channel"], [0] * 24)[row["hour"]] += row["n"]
    return grid


def intents(period: Period, top: int = 10) -> list[tuple[str, int, int]]:
    """The commonest intents the assistant read, each with how often it handed them over."""
    turns = period.within(Turn.objects.filter(store=period.store))
    rows = (
        turns.values("intent")
        .annotate(n=Count("pk"), handed=Count("pk", filter=Q(outcome=Outcome.HANDED_OFF)))
        .order_by("-n", "intent")[:top]
    )
    return [(row["intent"], row["n"], row["handed"]) for row in rows]


def intents_by_hour(period: Period, intents: list[str]) -> dict[str, list[int]]:
    """How many messages of each of ``intents`` the assistant read at each hour of the store's
    day (0-23)."""
    turns = period.within(Turn.objects.filter(store=period.store, intent__in=intents))
    grid = {intent: [0] * 24 for intent in intents}
    rows = turns.annotate(hour=ExtractHour("created_at", tzinfo=period.store.zone)).values("intent", "hour")
    for row in rows.annotate(n=Count("pk")).order_by():
        grid[row["intent"]][row["hour"]] += row["n"]
    return grid


@dataclass(frozen=True)
class Returns:
    orders: int
    returns: int
    reasons: list[tuple[str, int]]
    outcomes: list[tuple[str, int]]
    kept: int  # lines ending in an exchange, shop-now credit or store credit: the sale kept
    kept_value: dict[str, Decimal]  # what those lines sold for, per currency: the revenue kept

    @property
    def rate(self) -> float:
        return self.returns / self.orders if self.orders else 0.0

    @property
    def exchange_share(self) -> float:
        """The share of lines with an outcome that ended in an exchange."""
        decided = sum(n for _outcome, n in self.outcomes)
        exchanged = sum(n for outcome, n in self.outcomes if outcome == ReturnOutcome.EXCHANGE)
        return exchanged / decided if decided else 0.0


def returns(period: Period) -> Returns:
    """Returns asked for in the period, against orders placed in it."""
    asked = Return.objects.filter(store=period.store, created_at__gte=period.start, created_at__lt=period.end)
    lines = ReturnLine.objects.filter(ret__in=asked)
    reasons = list(lines.values_list("reason").annotate(n=Count("pk")).order_by("-n"))
    outcomes = list(lines.exclude(outcome="").values_list("outcome").annotate(n=Count("pk")).order_by("-n"))
    keeping = {ReturnOutcome.EXCHANGE, ReturnOutcome.SHOP_NOW, ReturnOutcome.STORE_CREDIT}
    value = (
        lines.filter(outcome__in=keeping)
        .values_list("ret__order__currency")
        .annotate(v=Sum(F("quantity") * F("order_line__unit_price")))
        .order_by()
    )
    return Returns(
        orders=Order.objects.filter(store=period.store, placed_at__gte=period.start, placed_at__lt=period.end).count(),
        returns=asked.count(),
        reasons=reasons,
        outcomes=outcomes,
        kept=sum(n for outcome, n in outcomes if outcome in keeping),
        kept_value={currency: Decimal(v).quantize(Decimal("0.01")) for currency, v in value},
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


LIVE_CHANNELS = (Channel.WEBCHAT, Channel.WHATSAPP, Channel.SMS)  # answered as they come; e-mail is a backlog
WORKING_GAP = timedelta(minutes=30)  # an agent's replies this close together: one stretch of work
SITTING_GAP = timedelta(minutes=15)  # a live chat whose messages are this close: one sitting
SAMPLE = 20_000  # the most recent replies read
LIVE_SAMPLE = 5_000  # the live conversations among them whose sittings are read


@dataclass(frozen=True)
class Handling:
    """What a channel's contacts ask of people, measured on the most recent replies."""

    channel: str
    conversations: int  # with a person's reply, in the sample
    replies: float  # a person's replies per such conversation
    reply_minutes: float | None  # a person's time on one reply
    minutes: float | None  # a person's time on one contact (live: how long the chat ran, side by side)
    by_assistant: float  # the share of the channel's conversations answered by the assistant alone


def handling(store: Store, *, days: int = 30) -> dict[str, Handling]:
    """Handling time per channel over the last ``days``, from the agents' replies (Stay has no
    timer on an agent's screen):

    - one reply's time: the gap since the same agent's reply before, when under 30 minutes
      (a stretch of work; the first reply of a stretch tells nothing);
    - an e-mail's time: its replies times one reply's;
    - a live chat's time: from a person's first reply to the last message of that sitting
      (messages under 15 minutes apart), plus one reply's time, which came before it. Chats
      run side by side, so this is the time a chat holds one of an agent's places.

    With the share of conversations the assistant answered alone (``channels``)."""
    period = last_days(store, days)
    replies = list(
        Message.objects.filter(
            store=store,
            author_kind=AuthorKind.AGENT,
            direction=Direction.OUT,
            created_at__gte=period.start,
            created_at__lt=period.end,
        )
        .order_by("-created_at")
        .values_list("author_id", "created_at", "channel", "conversation_id")[:SAMPLE]
    )
    replies.sort(key=lambda r: (r[0] or 0, r[1]))
    gaps: defaultdict[str, list[float]] = defaultdict(list)
    per_conversation: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for n, (author, at, channel, conversation) in enumerate(replies):
        per_conversation[channel][conversation] += 1
        before = replies[n - 1] if n else None
        if before is not None and before[0] == author and at - before[1] <= WORKING_GAP:
            gaps[channel].append((at - before[1]).total_seconds() / 60)
    live = [c for ch in LIVE_CHANNELS for c in per_conversation[ch]]
    sittings = _sittings(live[:LIVE_SAMPLE])
    alone = {row.channel: row.by_assistant / row.conversations for row in channels(period) if row.conversations}
    out = {}
    for channel in Channel.values:
        counted = per_conversation[channel]
        reply = float(np.mean(gaps[channel])) if gaps[channel] else None
        each = sum(counted.values()) / len(counted) if counted else 0.0
        if reply is None:
            minutes = None
        elif channel in LIVE_CHANNELS:
            spans = [sittings[c] for c in counted if c in sittings]
            minutes = float(np.mean(spans)) + reply if spans else None
        else:
            minutes = each * reply
        out[channel] = Handling(channel, len(counted), each, reply, minutes, alone.get(channel, 0.0))
    return out


def _sittings(conversations: list[int]) -> dict[int, float]:
    """Per live conversation, the minutes from a person's first reply to the last message of
    that sitting."""
    spans: dict[int, float] = {}
    rows = (
        Message.objects.filter(conversation_id__in=conversations)
        .exclude(direction=Direction.NOTE)
        .order_by("conversation_id", "created_at")
        .values_list("conversation_id", "created_at", "author_kind")
    )
    started: dict[int, tuple[datetime, datetime]] = {}  # conversation: (first reply, last in the sitting)
    for conversation, at, author in rows.iterator(chunk_size=5000):
        if conversation in spans:
            continue  # the sitting is over
        if conversation not in started:
            if author == AuthorKind.AGENT:
                started[conversation] = (at, at)
            continue
        first, last = started[conversation]
        if at - last > SITTING_GAP:
            spans[conversation] = (last - first).total_seconds() / 60
        else:
            started[conversation] = (first, at)
    for conversation, (first, last) in started.items():
        spans.setdefault(conversation, (last - first).total_seconds() / 60)
    return spans


@dataclass(frozen=True)
class OutreachRow:
    channel: str
    sent: int  # marketing messages the gate let through
    delivered: int
    clicked: int


@dataclass(frozen=True)
class OutreachFigures:
    channels: list[OutreachRow]
    orders: int  # orders credited to a message of the period's (flows.attribution)
    revenue: Decimal
    opt_outs: int  # shoppers who withdrew consent to marketing in the period


def outreach(period: Period) -> OutreachFigures:
    """The flows' messages decided in the period, per channel; the orders credited to them and
    their revenue; and the opt-outs of the period (one grouped query each)."""
    sent = period.within(FlowOutreach.objects.filter(store=period.store, verdict=OutreachVerdict.SENT), "decided_at")
    rows = (
        sent.values("channel")
        .annotate(
            n=Count("pk"),
            delivered=Count("pk", filter=Q(message__delivery__in=[Delivery.SENT, Delivery.DELIVERED, Delivery.READ])),
            clicked=Count("pk", filter=Q(clicked_at__isnull=False)),
        )
        .order_by("channel")
    )
    credited = Conversion.objects.filter(store=period.store, outreach__in=sent).aggregate(
        n=Count("pk"), revenue=Sum("revenue")
    )
    left = period.within(
        ConsentRecord.objects.filter(customer__store=period.store, state=ConsentState.UNSUBSCRIBED), "occurred_at"
    )
    return OutreachFigures(
        [OutreachRow(r["channel"], r["n"], r["delivered"], r["clicked"]) for r in rows],
        credited["n"],
        (credited["revenue"] or Decimal("0")).quantize(Decimal("0.01")),
        left.values("customer").distinct().count(),
    )


def loyalty(store: Store) -> dict[str, Any] | None:
    """The loyalty programme's report (members, points, members' repeat rate against everyone
    else's), or None when the store runs no programme."""
    if not LoyaltySettings.objects.filter(store=store, enabled=True).exists():
        return None
    return programme_report(store)
