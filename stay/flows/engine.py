"""The flow engine: enrolments advance one step at a time, claimed by any number of workers.

Each enrolment is a row with the time its next step is due. :func:`flows_advance` locks a batch
of due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so workers take different rows; SQLite has
one writer at a time anyway) and, in the same transaction, decides each step through the gate,
queues its messages, records the decision (one ``Outreach`` row per enrolment and step: a unique
key) and moves the enrolment on. A worker killed anywhere in between rolls all of it back: the
rows are due again and nothing was queued twice or lost.
"""

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import DateTimeField, QuerySet, Value
from django.db.models.functions import Random
from django.db.models.lookups import LessThan
from django.urls import reverse
from django.utils import timezone

from stay.catalog.models import Product, Variant
from stay.conversations.models import Message, Purpose
from stay.conversations.outbound import Outbound, outbound_queue
from stay.conversations.sending import Hold
from stay.core.db import batched, update_each
from stay.core.models import Store
from stay.core.money import money_text
from stay.customers.models import ConsentChannel, Customer
from stay.giftcards.models import GiftCard
from stay.orders.models import Checkout, Order
from stay.orders.selectors import ordered_since

from .compose import click_url, compose
from .gate import REASONS, Decision, decide, outreach_settings
from .gifts import gift_state, gift_text
from .models import (
    Condition,
    Enrolment,
    EnrolmentState,
    Flow,
    FlowStep,
    Outreach,
    OutreachThread,
    Trigger,
    Verdict,
    WelcomeGift,
)
from .products import product_block

GIFT_POLL = timedelta(minutes=1)


@dataclass(frozen=True)
class Enrol:
    customer_id: int
    key: str
    context: dict[str, Any]


def _opening(flow: Flow) -> tuple[FlowStep, float] | None:
    """The flow's first step and its holdout share, or None when it enrols nobody."""
    if not flow.active:
        return None
    first = flow.steps.order_by("position").first()
    if first is None:
        return None
    return first, outreach_settings(flow.store).holdout_percent / 100


def enrol(*, flow: Flow, people: list[Enrol], now: datetime | None = None) -> int:
    """Enrol each person once per key (a redelivered event enrols nobody twice); a random
    ``holdout_percent`` of them are enrolled but never messaged. Returns how many are new."""
    opening = _opening(flow) if people else None
    if opening is None:
        return 0
    first, share = opening
    now = now or timezone.now()
    draw = random.SystemRandom()
    keys = {person.key[:120]: person for person in people}
    # The unique key (flow, key) decides; this look-up only says how many are new, through
    # that index, rather than counting the flow's enrolments.
    known: set[str] = set()
    for chunk in batched(list(keys), 900):
        known.update(Enrolment.objects.filter(flow=flow, key__in=chunk).values_list("key", flat=True))
    rows = [
        Enrolment(
            store_id=flow.store_id,
            flow=flow,
            customer_id=person.customer_id,
            key=key,
            context={"since": now.isoformat(), **person.context},
            position=first.position,
            next_at=now + first.wait,
            holdout=draw.random() < share,
        )
        for key, person in keys.items()
        if key not in known
    ]
    Enrolment.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


def enrol_query(*, flow: Flow, source: QuerySet[Any], now: datetime) -> int:
    """:func:`enrol` for everyone a query names, in one ``INSERT … SELECT``: a restock of
    100,000 waiting shoppers is written by the database, not row by row from Python. ``source``
    has the columns ``customer_id``, ``key`` and ``context`` (a JSON object with ``since``).
    Returns how many are new."""
    opening = _opening(flow)
    if opening is None:
        return 0
    first, share = opening
    rows = source.values(
        "customer_id",
        "key",
        "context",
        store_=Value(flow.store_id),
        flow_=Value(flow.pk),
        position_=Value(first.position),
        next_at_=Value(now + first.wait, output_field=DateTimeField()),
        state_=Value(EnrolmentState.ACTIVE),
        exit_reason_=Value(""),
        holdout_=LessThan(Random(), share),
        created_at_=Value(now, output_field=DateTimeField()),
    )
    columns = ["customer_id", "key", "context", "store_id", "flow_id", "position", "next_at", "state"]
    columns += ["exit_reason", "holdout", "created_at"]
    query, params = rows.query.sql_with_params()
    with connection.cursor() as cursor:
        # The unique (flow, key) enrols each once; SQLite needs the SELECT's WHERE to parse this.
        cursor.execute(
            f"INSERT INTO {Enrolment._meta.db_table} ({', '.join(columns)}) {query} "
            "ON CONFLICT (flow_id, key) DO NOTHING",
            params,
        )
        return cursor.rowcount


def flows_of(store: Store, trigger: str) -> list[Flow]:
    return list(Flow.objects.filter(store=store, trigger=trigger, active=True).select_related("store"))


def flows_advance(*, limit: int = 500, now: datetime | None = None) -> int:
    """Advance up to ``limit`` due enrolments by one step each; returns how many were taken."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Enrolment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(state=EnrolmentState.ACTIVE, next_at__lte=now)
            .order_by("next_at")[:limit]
        )
        by_flow: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in due:
            by_flow[enrolment.flow_id].append(enrolment)
        flows = Flow.objects.select_related("store").prefetch_related("steps__texts").in_bulk(list(by_flow))
        for flow_id, enrolments in by_flow.items():
            _Step(flows[flow_id], enrolments, now).run()
    return len(due)


def _at(value: str) -> datetime:
    """A time as the context keeps it (a zone-less one, as SQLite's JSON writes a database
    time, is UTC)."""
    at = datetime.fromisoformat(value)
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class _Step:
    """One batch of one flow's enrolments, each at its current step."""

    def __init__(self, flow: Flow, enrolments: list[Enrolment], now: datetime) -> None:
        self.flow, self.store, self.enrolments, self.now = flow, flow.store, enrolments, now
        self.steps = {step.position: step for step in flow.steps.all()}
        self.settings = outreach_settings(flow.store)
        # A back-in-stock alert is the message the shopper asked for (the gate's "requested").
        self.requested = flow.trigger == Trigger.RESTOCK
        self.outreach: list[Outreach] = []
        self.changed: list[Enrolment] = []
        gift_ids = {e.context["gift"] for e in enrolments if e.context.get("gift")}
        self.gifts = WelcomeGift.objects.select_related("store").in_bulk(list(gift_ids)) if gift_ids else {}

    def run(self) -> None:
        live = self._exits([e for e in self.enrolments if self._active(e)])
        by_step: dict[tuple[int, str], list[Enrolment]] = defaultdict(list)
        for enrolment in live:
            step = self.steps[enrolment.position]
            by_step[(step.position, step.channel or enrolment.context.get("channel") or "email")].append(enrolment)
        for (position, channel), group in by_step.items():
            self._send(self.steps[position], channel, group)
        self._record()

    def _active(self, enrolment: Enrolment) -> bool:
        if not self.flow.active:
            self._stop(enrolment, "flow_off")
            return False
        if enrolment.position not in self.steps:
            enrolment.state, enrolment.next_at = EnrolmentState.DONE, None
            self.changed.append(enrolment)
            return False
        return True

    def _stop(self, enrolment: Enrolment, reason: str) -> None:
        enrolment.state, enrolment.exit_reason, enrolment.next_at = EnrolmentState.EXITED, reason, None
        self.changed.append(enrolment)

    def _exits(self, enrolments: list[Enrolment]) -> list[Enrolment]:
        """Stop who ordered since (any order; for back in stock, that variant) and whose
        checkout was completed; hold a welcome until its gift's code exists on the platform."""
        stopped = set(stopped_by_order(self.flow, enrolments))
        checkouts = {e.context["checkout_id"] for e in enrolments if "checkout_id" in e.context}
        done = set(Checkout.objects.filter(pk__in=checkouts, completed_at__isnull=False).values_list("pk", flat=True))
        live = []
        for enrolment in enrolments:
            if enrolment.pk in stopped:
                self._stop(enrolment, "ordered")
            elif enrolment.context.get("checkout_id") in done:
                self._stop(enrolment, "checkout_completed")
            elif (gift := self.gifts.get(enrolment.context.get("gift", 0))) is not None and not self._gift_ready(
                enrolment, gift
            ):
                continue
            else:
                live.append(enrolment)
        return live

    def _gift_ready(self, enrolment: Enrolment, gift: WelcomeGift) -> bool:
        state = gift_state(gift)
        if state is None or state.done:
            return True
        if state.failed:
            self._stop(enrolment, "gift_failed")
        else:  # still on its way to the platform: look again in a minute
            enrolment.next_at = self.now + GIFT_POLL
            self.changed.append(enrolment)
        return False

    def _send(self, step: FlowStep, channel: str, group: list[Enrolment]) -> None:
        passed = self._condition(step, group)
        messaged = [e for e in group if e.pk in passed and not e.holdout]
        decisions = decide(
            store=self.store,
            customer_ids=[e.customer_id for e in messaged],
            channel=channel,
            now=self.now,
            template=bool(step.whatsapp_template),
            requested=self.requested,
        )
        allowed = [e for e in messaged if decisions[e.customer_id].allowed]
        queued = self._queue(step, channel, allowed, decisions)
        for enrolment in group:
            if enrolment.pk not in passed:
                self._decided(enrolment, step, channel, Decision("condition"), Verdict.SKIPPED)
            elif enrolment.holdout:
                self._decided(enrolment, step, channel, Decision("holdout"), Verdict.HOLDOUT)
            else:
                decision = decisions[enrolment.customer_id]
                if decision.allowed and enrolment.pk not in queued:
                    decision = Decision("no_address")
                self._decided(enrolment, step, channel, decision, decision.verdict, queued.get(enrolment.pk))

    def _condition(self, step: FlowStep, group: list[Enrolment]) -> set[int]:
        if step.condition == Condition.IN_STOCK:
            variants = {e.context.get("variant_id") for e in group}
            stocked = set(
                Variant.objects.filter(pk__in=variants, deleted_at__isnull=True, inventory_quantity__gt=0).values_list(
                    "pk", flat=True
                )
            )
            return {e.pk for e in group if e.context.get("variant_id") in stocked}
        if step.condition in (Condition.NO_ORDER, Condition.GIFT_UNUSED):  # a code is used by ordering
            ordered = ordered_since(customer_ids=[e.customer_id for e in group], since=min(_since(e) for e in group))
            return {e.pk for e in group if not (e.customer_id in ordered and ordered[e.customer_id] >= _since(e))}
        return {e.pk for e in group}  # CHECKOUT_OPEN: checked for every step by _exits

    def _queue(
        self, step: FlowStep, channel: str, enrolments: list[Enrolment], decisions: dict[int, Decision]
    ) -> dict[int, int]:
        if not enrolments:
            return {}
        customers = Customer.objects.in_bulk([e.customer_id for e in enrolments])
        threads = dict(
            OutreachThread.objects.filter(customer_id__in=list(customers), channel=channel).values_list(
                "customer_id", "conversation_id"
            )
        )
        values = values_of(self.store, self.settings.shop_url, enrolments)
        if any("{products}" in text.body for text in step.texts.all()):
            block = product_block(self.store, list(customers), self.settings.shop_url)
            for e in enrolments:
                values.setdefault(e.pk, {})["products"] = "\n".join(
                    f"{title}: {click_url(enrolment_id=e.pk, position=step.position, url=url)}" if url else title
                    for title, url in block.get(e.customer_id, [])
                )
        items = []
        for enrolment in enrolments:
            customer = customers[enrolment.customer_id]
            filled = dict(values.get(enrolment.pk, {}))
            language = customer.locale or self.store.default_locale or "en"
            if (gift := self.gifts.get(enrolment.context.get("gift", 0))) is not None:
                filled.update(gift=gift_text(gift, self.settings, language), code=gift.code)
            if filled.get("link"):
                filled["link"] = click_url(enrolment_id=enrolment.pk, position=step.position, url=filled["link"])
            composed = compose(
                store=self.store,
                outreach=self.settings,
                customer=customer,
                country=decisions[customer.pk].country,
                channel=channel,
                step=step,
                language=language,
                values=filled,
                meta={
                    "outreach": self.flow.pk,
                    "enrolment": enrolment.pk,
                    "step": step.position,
                    **({"requested": True} if self.requested else {}),
                },
            )
            items.append(
                Outbound(
                    customer_id=customer.pk,
                    channel=channel,
                    subject=composed.subject,
                    text=composed.text,
                    meta=composed.meta,
                    conversation_id=threads.get(customer.pk),
                )
            )
        results = outbound_queue(store_id=self.store.pk, items=items, purpose=Purpose.MARKETING)
        OutreachThread.objects.bulk_create(
            [
                OutreachThread(customer_id=e.customer_id, channel=channel, conversation_id=r.conversation_id)
                for e, r in zip(enrolments, results, strict=True)
                if r is not None and e.customer_id not in threads
            ],
            ignore_conflicts=True,
        )
        return {e.pk: r.message_id for e, r in zip(enrolments, results, strict=True) if r is not None}

    def _decided(
        self,
        enrolment: Enrolment,
        step: FlowStep,
        channel: str,
        decision: Decision,
        verdict: str,
        message_id: int | None = None,
    ) -> None:
        self.outreach.append(
            Outreach(
                store_id=self.store.pk,
                customer_id=enrolment.customer_id,
                flow=self.flow,
                enrolment=enrolment,
                position=step.position,
                channel=channel,
                verdict=verdict,
                reason=decision.reason,
                until=decision.until,
                message_id=message_id,
                decided_at=self.now,
            )
        )
        if verdict == Verdict.WAITING:
            enrolment.next_at = decision.until
        elif verdict == Verdict.WITHHELD and decision.reason != "no_consent":
            self._stop(enrolment, decision.reason)
            return
        else:
            later = sorted(position for position in self.steps if position > step.position)
            if later:
                enrolment.position, enrolment.next_at = later[0], self.now + self.steps[later[0]].wait
            else:
                enrolment.state, enrolment.next_at = EnrolmentState.DONE, None
        self.changed.append(enrolment)

    def _record(self) -> None:
        """One row per enrolment and step: a waiting decision is replaced by the next one, and a
        step decided twice (which the row lock prevents) fails on the unique key."""
        decided = {(o.enrolment_id, o.position) for o in self.outreach}
        if decided:
            earlier = Outreach.objects.filter(
                enrolment_id__in={e for e, _ in decided}, verdict=Verdict.WAITING
            ).values_list("pk", "enrolment_id", "position")
            Outreach.objects.filter(pk__in=[pk for pk, e, p in earlier if (e, p) in decided]).delete()
        Outreach.objects.bulk_create(self.outreach, batch_size=1000)
        update_each(
            Enrolment,
            {
                e.pk: {"position": e.position, "next_at": e.next_at, "state": e.state, "exit_reason": e.exit_reason}
                for e in self.changed
            },
        )


def _since(enrolment: Enrolment) -> datetime:
    return _at(enrolment.context["since"])


def stopped_by_order(flow: Flow, enrolments: list[Enrolment]) -> list[int]:
    """The enrolments an order ends: for back in stock, an order of that variant since the
    request; for the others (when the flow says so), any order since enrolling."""
    if not enrolments:
        return []
    if flow.trigger == Trigger.RESTOCK:
        out = []
        by_variant: dict[int, list[Enrolment]] = defaultdict(list)
        for enrolment in enrolments:
            by_variant[enrolment.context.get("variant_id", 0)].append(enrolment)
        for variant_id, group in by_variant.items():
            since = min(_since(e) for e in group)
            bought = ordered_since(customer_ids=[e.customer_id for e in group], since=since, variant_id=variant_id)
            out += [e.pk for e in group if e.customer_id in bought and bought[e.customer_id] >= _since(e)]
        return out
    if not flow.exit_on_order:
        return []
    since = min(_since(e) for e in enrolments)
    ordered = ordered_since(customer_ids=[e.customer_id for e in enrolments], since=since)
    return [e.pk for e in enrolments if e.customer_id in ordered and ordered[e.customer_id] >= _since(e)]


def values_of(store: Store, shop_url: str, enrolments: list[Enrolment]) -> dict[int, dict[str, str]]:
    """Each enrolment's ``{product}``, ``{link}`` and ``{lines}`` from what enrolled it."""
    out: dict[int, dict[str, str]] = {}
    variant_ids = {e.context["variant_id"] for e in enrolments if "variant_id" in e.context}
    variants = Variant.objects.select_related("product").in_bulk(list(variant_ids))
    checkout_ids = {e.context["checkout_id"] for e in enrolments if "checkout_id" in e.context}
    checkouts = Checkout.objects.prefetch_related("lines").in_bulk(list(checkout_ids))
    order_ids = {e.context["order_id"] for e in enrolments if "order_id" in e.context}
    orders = Order.objects.prefetch_related("lines").in_bulk(list(order_ids))
    wanted = {ln.product_platform_id for o in orders.values() for ln in o.lines.all()}
    handles = dict(Product.objects.filter(store=store, platform_id__in=wanted).values_list("platform_id", "handle"))
    card_ids = {e.context["card_id"] for e in enrolments if "card_id" in e.context}
    cards = GiftCard.objects.select_related("buyer").in_bulk(list(card_ids))
    base = (shop_url or "").rstrip("/")
    zone = store.zone
    for enrolment in enrolments:
        values: dict[str, str] = {}
        variant = variants.get(enrolment.context.get("variant_id", 0))
        if variant is not None:
            name = variant.product.title
            plain = not variant.title or variant.title == "Default Title"
            values["product"] = name if plain else f"{name} ({variant.title})"
            if base and variant.product.handle:
                values["link"] = f"{base}/products/{variant.product.handle}?variant={variant.platform_id}"
        order = orders.get(enrolment.context.get("order_id", 0))
        if order is not None:
            line = next((ln for ln in order.lines.all() if not ln.is_gift_card), None)
            if line is not None:
                values["product"] = line.title
                handle = handles.get(line.product_platform_id, "")
                if base and handle:
                    values["link"] = f"{base}/products/{handle}"
        card = cards.get(enrolment.context.get("card_id", 0))
        if card is not None:
            values["balance"] = money_text(card.balance, card.currency)
            values["sender"] = card.sender_name or (card.buyer.name if card.buyer else "") or store.name
            if base:
                values["link"] = base
        if "points" in enrolment.context:  # loyalty points about to expire
            values["points"] = f"{enrolment.context['points']:,}"
            ends = _at(enrolment.context["expires_at"]).astimezone(zone)
            values["date"] = ends.date().isoformat()
            values["link"] = settings.PUBLIC_URL + reverse("account:home", args=[store.slug])
        checkout = checkouts.get(enrolment.context.get("checkout_id", 0))
        if checkout is not None:
            values["link"] = checkout.recovery_url
            values["lines"] = "\n".join(f"{line.quantity} × {line.title}" for line in checkout.lines.all())
        out[enrolment.pk] = values
    return out


def exit_reason_at_send(enrolment_id: int) -> str:
    """Why a queued step of this enrolment must not go out now ('' if it may): the enrolment
    was stopped, or an order arrived since it began (asked under the customer's row lock, the
    lock an order's arrival takes too, so no reminder leaves after the order is in)."""
    enrolment = Enrolment.objects.select_related("flow").filter(pk=enrolment_id).first()
    if enrolment is None:
        return ""
    if enrolment.state == EnrolmentState.EXITED:
        return enrolment.exit_reason or "stopped"
    if stopped_by_order(enrolment.flow, [enrolment]):
        return "ordered"
    checkout_id = enrolment.context.get("checkout_id")
    if checkout_id and Checkout.objects.filter(pk=checkout_id, completed_at__isnull=False).exists():
        return "checkout_completed"
    return ""


def held_at_send(message: Message) -> Hold | None:
    """The inbox asks this before it hands a marketing message to its channel (under the
    customer's row lock): the gate again, and whether the flow has ended for this shopper."""
    conversation = message.conversation
    if message.channel not in ConsentChannel.values:
        return Hold(str(REASONS["no_consent"]))
    enrolment_id = message.meta.get("enrolment")
    if enrolment_id and (reason := exit_reason_at_send(enrolment_id)):
        return Hold(str(REASONS.get(reason, reason)))
    decision = decide(
        store=message.store,
        customer_ids=[conversation.customer_id],
        channel=message.channel,
        template=bool(message.meta.get("template")),
        at_send=True,
        requested=bool(message.meta.get("requested")),
    )[conversation.customer_id]
    if decision.allowed:
        return None
    return Hold(str(REASONS.get(decision.reason, decision.reason)), decision.until)
