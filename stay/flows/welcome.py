"""The welcome: when a sign-up is confirmed, the gift (once per person) and the welcome flow
(issue 20).

The gift is what the store chose in its outreach settings: a single-use discount code made on
the platform through the platform port (Shopify's price rule and discount code), or store
credit on the gift cards' ledger. "Once per person" reads addresses as their provider does
(:func:`~stay.customers.identities.mailbox_of`: Gmail's dots and +tags), so WELCOME10 cannot be
farmed with ``m.i.n.a+1@gmail.com``. The welcome flow's first message waits for the code to
exist on the platform; the series stops the moment an order arrives.
"""

import logging
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from stay.customers.identities import people_of
from stay.customers.models import ConsentChannel, Customer, IdentityKind
from stay.giftcards.models import Source
from stay.giftcards.services import Caller, store_credit_grant
from stay.orders.platform import CREATE_DISCOUNT, platform_request

from .engine import Enrol, enrol, flows_of
from .models import OutreachSettings, Trigger, WelcomeGift
from .services import outreach_prepare

log = logging.getLogger(__name__)


def welcome_start(customer_id: int, channel: str) -> int:
    """``consent.confirmed`` (durable): give the gift once per person and enrol the shopper in
    the welcome flows (once per customer). Returns how many enrolments were made."""
    customer = Customer.objects.select_related("store").filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None or channel not in ConsentChannel.values:
        return 0
    settings = outreach_prepare(store=customer.store)
    flows = flows_of(customer.store, Trigger.SIGNUP)
    if not flows:
        return 0
    with transaction.atomic():
        gift = _gift(customer, settings)
        context: dict[str, object] = {"channel": channel}
        if gift is not None:
            context.update(gift=gift.pk, code=gift.code)
        return sum(enrol(flow=flow, people=[Enrol(customer.pk, f"signup:{customer.pk}", context)]) for flow in flows)


def _gift(customer: Customer, settings: OutreachSettings) -> WelcomeGift | None:
    people = people_of(customer)
    if not settings.welcome_gift or not people:
        return None
    store = customer.store
    if WelcomeGift.objects.filter(Q(customer=customer) | Q(person__in=people), store=store).exists():
        return None
    code = f"WELCOME-{secrets.token_hex(4).upper()}" if settings.welcome_gift != "credit" else ""
    try:
        with transaction.atomic():
            gift = WelcomeGift.objects.create(
                store=store,
                customer=customer,
                person=people[0],
                kind=settings.welcome_gift,
                value=settings.welcome_value,
                code=code,
            )
    except IntegrityError:  # the same person, at the same moment, from another request
        return None
    if settings.welcome_gift == "credit":
        store_credit_grant(
            customer=customer,
            amount=settings.welcome_value,
            reason="Welcome gift",
            caller=Caller("flows", "welcome"),
            idempotency_key=f"welcome:{gift.pk}",
            source=Source.PROMOTION,
        )
        return gift
    now = timezone.now()
    platform_id = customer.identities.filter(kind=IdentityKind.PLATFORM).values_list("value", flat=True).first()
    params = {
        "code": code,
        "value_type": "percentage" if settings.welcome_gift == "percent" else "fixed_amount",
        "value": str(settings.welcome_value),
        "minimum": str(settings.welcome_minimum) if settings.welcome_minimum else "",
        "starts_at": now.isoformat(timespec="seconds"),
        "ends_at": (now + timedelta(days=settings.welcome_days)).isoformat(timespec="seconds"),
        "customer_id": platform_id or "",
        "title": f"Welcome gift {code}",
    }
    requested = platform_request(
        store=store,
        action=CREATE_DISCOUNT,
        params=params,
        idempotency_key=f"welcome:{gift.pk}",
        requested_by="welcome gift",
    )
    gift.request_id = requested.id
    gift.save(update_fields=["request_id"])
    return gift
