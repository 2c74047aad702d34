"""Writes for outreach: the built-in flows, back-in-stock requests and their release, and
forgotten checkouts (issue 20)."""

import math
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import CharField, Max, Value
from django.db.models.functions import Cast, Concat, JSONObject
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.catalog.models import Variant
from stay.core.errors import Conflict, InvalidInput
from stay.core.models import Store
from stay.customers.models import ConsentChannel, ConsentState, Customer
from stay.customers.selectors import consents_on
from stay.orders.models import Checkout

from .engine import Enrol, enrol, enrol_query, flows_of
from .models import Condition, Flow, FlowStep, Outreach, OutreachSettings, RestockRequest, StepText, Trigger


@dataclass(frozen=True)
class _Text:
    subject: str
    body: str


# The built-in flows, in English and Korean. Stores edit them in the admin.
_DEFAULTS: dict[str, list[tuple[timedelta, str, dict[str, _Text]]]] = {
    Trigger.SIGNUP: [
        (
            timedelta(0),
            Condition.ALWAYS,
            {
                "en": _Text(
                    "Welcome to {store}",
                    "Welcome, {name}! Thank you for signing up for news from {store}. A welcome gift for you: {gift}.",
                ),
                "ko": _Text(
                    "{store}에 오신 것을 환영합니다",
                    "{name}님, {store} 소식 받기에 가입해 주셔서 감사합니다. 환영 선물을 드립니다: {gift}.",
                ),
            },
        ),
        (
            timedelta(days=3),
            Condition.GIFT_UNUSED,
            {
                "en": _Text(
                    "Your welcome gift is waiting",
                    "{name}, your welcome gift from {store} is still waiting for you: {gift}.",
                ),
                "ko": _Text(
                    "환영 선물이 기다리고 있어요",
                    "{name}님, {store}의 환영 선물을 아직 사용하지 않으셨어요: {gift}.",
                ),
            },
        ),
    ],
    Trigger.RESTOCK: [
        (
            timedelta(0),
            Condition.IN_STOCK,
            {
                "en": _Text(
                    "{product} is back",
                    "Good news, {name}: {product} is back in stock at {store}. Get it before it is gone: {link}",
                ),
                "ko": _Text(
                    "{product} 재입고 알림",
                    "{name}님, 기다리시던 {product} 상품이 {store}에 다시 들어왔습니다. 품절 전에 확인하세요: {link}",
                ),
            },
        )
    ],
    Trigger.CHECKOUT: [
        (
            timedelta(hours=1),
            Condition.ALWAYS,
            {
                "en": _Text(
                    "You left something in your cart",
                    "Hi {name}, your cart at {store} is saved for you:\n{lines}\nPick up where you left off: {link}",
                ),
                "ko": _Text(
                    "장바구니에 담아 두신 상품이 있어요",
                    "{name}님, {store} 장바구니를 저장해 두었습니다:\n{lines}\n이어서 주문하기: {link}",
                ),
            },
        ),
        (
            timedelta(hours=23),
            Condition.ALWAYS,
            {
                "en": _Text(
                    "Your cart is still waiting",
                    "{name}, the items in your cart at {store} are still there, but stock is limited:\n{lines}\n{link}",
                ),
                "ko": _Text(
                    "장바구니 상품이 아직 기다리고 있어요",
                    "{name}님, {store} 장바구니 상품의 재고가 한정되어 있습니다:\n{lines}\n{link}",
                ),
            },
        ),
    ],
}
_DEFAULTS[Trigger.DELIVERED] = [
    (
        timedelta(days=3),
        Condition.ALWAYS,
        {
            "en": _Text(
                "How is your {product}?",
                "Hi {name}, your {product} from {store} arrived a few days ago. "
                "Would you tell other shoppers what you think? {link}",
            ),
            "ko": _Text(
                "{product}, 마음에 드시나요?",
                "{name}님, {store}에서 주문하신 {product} 상품이 도착했습니다. "
                "다른 고객을 위해 후기를 남겨 주시겠어요? {link}",
            ),
        },
    )
]
_DEFAULTS[Trigger.GIFT_CARD] = [
    (
        timedelta(days=7),
        Condition.NO_ORDER,
        {
            "en": _Text(
                "Your gift card is waiting",
                "Hi {name}, {sender} gave you a {store} gift card: {balance} is waiting for you. "
                "Find something you like: {link}",
            ),
            "ko": _Text(
                "기프트 카드가 기다리고 있어요",
                "{name}님, {sender}님이 보내 주신 {store} 기프트 카드 잔액 {balance}이 남아 있습니다. "
                "마음에 드는 상품을 찾아보세요: {link}",
            ),
        },
    )
]
_DEFAULTS[Trigger.POINTS] = [
    (
        timedelta(0),
        Condition.ALWAYS,
        {
            "en": _Text(
                "Your {points} points expire on {date}",
                "Hi {name}, you have {points} points at {store}. They expire on {date} unless you order before "
                "then: any purchase keeps them. See them and the rewards they buy: {link}",
            ),
            "ko": _Text(
                "{points} 포인트가 {date}에 소멸됩니다",
                "{name}님, {store}에 적립된 {points} 포인트가 {date}에 소멸될 예정입니다. 그 전에 주문하시면 "
                "포인트가 유지됩니다. 포인트로 받을 수 있는 혜택 보기: {link}",
            ),
        },
    )
]
_DEFAULTS[Trigger.POINTS_LAST] = [
    (
        timedelta(0),
        Condition.ALWAYS,
        {
            "en": _Text(
                "Last chance: your {points} points expire on {date}",
                "{name}, this is the last reminder: your {points} points at {store} expire on {date}. "
                "Any order before then keeps them: {link}",
            ),
            "ko": _Text(
                "마지막 안내: {points} 포인트가 {date}에 소멸됩니다",
                "{name}님, 마지막 안내입니다. {store}의 {points} 포인트가 {date}에 소멸됩니다. "
                "그 전에 주문하시면 포인트가 유지됩니다: {link}",
            ),
        },
    )
]
_NAMES: dict[str, str] = {
    Trigger.POINTS: "Points expiring",
    Trigger.POINTS_LAST: "Points: last chance",
    Trigger.DELIVERED: "Review request",
    Trigger.GIFT_CARD: "Gift card follow-up",
    Trigger.RESTOCK: "Back in stock",
    Trigger.CHECKOUT: "Forgotten cart",
    Trigger.SIGNUP: "Welcome",
}


def outreach_prepare(*, store: Store) -> OutreachSettings:
    """The store's outreach settings, and once per store each built-in flow."""
    settings = OutreachSettings.objects.filter(store=store).first()
    if settings is not None and set(settings.defaults) >= set(_DEFAULTS):
        return settings
    with transaction.atomic():
        settings, _created = OutreachSettings.objects.select_for_update().get_or_create(store=store)
        for trigger, steps in _DEFAULTS.items():
            if trigger in settings.defaults:
                continue
            flow = Flow.objects.create(
                store=store, trigger=trigger, name=_NAMES[trigger], exit_on_order=trigger != Trigger.RESTOCK
            )
            for position, (wait, condition, texts) in enumerate(steps, start=1):
                step = FlowStep.objects.create(flow=flow, position=position, wait=wait, condition=condition)
                StepText.objects.bulk_create(
                    StepText(step=step, language=language, subject=text.subject, body=text.body)
                    for language, text in texts.items()
                )
            settings.defaults = [*settings.defaults, str(trigger)]
        settings.save(update_fields=["defaults"])
    return settings


def restock_request(
    *, customer: Customer, variant: Variant, channel: str, source: str, evidence: dict[str, Any]
) -> tuple[RestockRequest, bool]:
    """Ask to be told when ``variant`` is back (first come, first told). Returns the request
    and whether it is new; asking twice keeps the first place in the line."""
    if channel not in ConsentChannel.values:
        raise InvalidInput(_("channel must be one of email, sms, whatsapp"), code="invalid_channel")
    if variant.store_id != customer.store_id or variant.deleted_at is not None:
        raise InvalidInput(_("No such variant in this store."), code="unknown_variant")
    if variant.inventory_quantity > 0 or not variant.inventory_tracked:
        raise Conflict(_("This variant is in stock: it can be ordered now."), code="in_stock")
    current = consents_on(customer_ids=[customer.pk], channel=channel).get(customer.pk)
    if current is not None and current.state == ConsentState.UNSUBSCRIBED:
        raise Conflict(
            _("This shopper opted out of %(channel)s: ask them to sign up again first.") % {"channel": channel},
            code="opted_out",
        )
    outreach_prepare(store=customer.store)
    with transaction.atomic():
        waiting = RestockRequest.objects.filter(customer=customer, variant=variant, released_at__isnull=True).first()
        if waiting is not None:
            return waiting, False
        request = RestockRequest.objects.create(
            store_id=customer.store_id,
            customer=customer,
            variant=variant,
            channel=channel,
            source=source[:40],
            evidence=evidence,
        )
    return request, True


def restock_release(*, variant_id: int, first: bool = False) -> int:
    """Tell the next batch of shoppers waiting for ``variant_id``: as many as the store's ratio
    times the units in stock (checked now, under the variant's lock), oldest requests first,
    and not those who bought it meanwhile (the flow stops them). ``first``: the restock itself;
    otherwise only once ``restock_interval`` has passed since the last batch. Returns how many
    were released."""
    with transaction.atomic():
        variant = Variant.objects.select_for_update().select_related("store").filter(pk=variant_id).first()
        if variant is None or variant.deleted_at is not None:
            return 0
        settings = outreach_prepare(store=variant.store)
        waiting = RestockRequest.objects.filter(variant=variant, released_at__isnull=True)
        now = timezone.now()
        if not first:
            last = RestockRequest.objects.filter(variant=variant).aggregate(last=Max("released_at"))["last"]
            if last is None or last > now - settings.restock_interval:
                return 0
        if variant.inventory_tracked:
            if variant.inventory_quantity <= 0:
                return 0
            size = math.ceil(settings.restock_batch_ratio * variant.inventory_quantity)
            waiting = waiting.filter(pk__in=waiting.order_by("id").values("pk")[:size])
        flows = flows_of(variant.store, Trigger.RESTOCK)
        if not flows:
            return 0
        # Written by the database (a subquery, not a list of ids through Python): the variant
        # stays locked for as short a time as the batch allows.
        source = waiting.annotate(
            key=Concat(Value("restock:"), Cast("pk", CharField())),
            context=JSONObject(variant_id=Value(variant.pk), channel="channel", since="created_at"),
        )
        for flow in flows:
            enrol_query(flow=flow, source=source, now=now)
        return waiting.update(released_at=now)


def restock_due() -> int:
    """The next batches of every variant whose release is under way (run every minute)."""
    variants = (
        RestockRequest.objects.filter(released_at__isnull=True)
        .filter(variant__inventory_quantity__gt=0)
        .values_list("variant_id", flat=True)
        .distinct()
    )
    return sum(restock_release(variant_id=variant_id) for variant_id in list(variants))


# Each shopper on the channel they agreed to, WhatsApp first, then SMS, then e-mail.
BEST = "best"
_PREFERRED = (ConsentChannel.WHATSAPP, ConsentChannel.SMS, ConsentChannel.EMAIL)


def best_channels(customer_ids: list[int]) -> dict[int, str]:
    """The channel each customer is subscribed on, by preference (none: left out, and the
    engine's e-mail default meets the gate's "no consent")."""
    chosen: dict[int, str] = {}
    for channel in _PREFERRED:
        for pk, record in consents_on(customer_ids=customer_ids, channel=channel).items():
            if record.state == ConsentState.SUBSCRIBED:
                chosen.setdefault(pk, str(channel))
    return chosen


def checkout_enrol(*, checkout_id: int) -> int:
    """A checkout was started or changed: enrol its shopper in the forgotten-cart flows, on the
    channel they agreed to (WhatsApp, then SMS, then e-mail). A change restarts the first
    wait: a cart is forgotten only once it has been left alone."""
    checkout = Checkout.objects.select_related("store").filter(pk=checkout_id).first()
    if checkout is None or checkout.customer_id is None or checkout.completed_at is not None:
        return 0
    touched = checkout.platform_updated_at or checkout.started_at
    if touched is None or touched < timezone.now() - timedelta(days=1):
        return 0  # an old cart (an import): nobody is reminded of last month's basket
    outreach_prepare(store=checkout.store)
    channel = best_channels([checkout.customer_id]).get(checkout.customer_id, ConsentChannel.EMAIL)
    now = timezone.now()
    count = 0
    with transaction.atomic():
        for flow in flows_of(checkout.store, Trigger.CHECKOUT):
            key = f"checkout:{checkout.pk}"
            first = flow.steps.order_by("position").first()
            if first is not None:
                flow.enrolments.filter(key=key, state="active", position=first.position).update(
                    next_at=now + first.wait
                )
            count += enrol(
                flow=flow,
                people=[Enrol(checkout.customer_id, key, {"checkout_id": checkout.pk, "channel": channel})],
                now=now,
            )
    return count


def outreach_clicked(*, enrolment_id: int, position: int) -> bool:
    """The first click on a step's link (later ones change nothing)."""
    return bool(
        Outreach.objects.filter(enrolment_id=enrolment_id, position=position, clicked_at__isnull=True).update(
            clicked_at=timezone.now()
        )
    )
