"""After the purchase (issue 20): shipping news that heads off "where is my order?" (a parcel
with no carrier news for days, a delivery problem, the delivery itself: service messages, no
consent needed), the review request after delivery, and a gift-card recipient's follow-up
(flows: marketing, through the gate)."""

import calendar
import logging
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.notify import Notice, NotifyError, notify
from stay.customers.models import Customer, IdentityKind
from stay.orders.models import Fulfilment

from .engine import Enrol, enrol, flows_of
from .models import Flow, OutreachSettings, ShippingNotice, Trigger
from .services import outreach_prepare

log = logging.getLogger(__name__)

PROBLEMS = ("failure", "attempted_delivery")
# News is for what just happened: an import of last year's orders tells nobody anything.
RECENT = timedelta(days=2)
MOVING = ("", "confirmed", "label_printed", "label_purchased", "in_transit", "out_for_delivery", "ready_for_pickup")


def _channel_of(customer: Customer) -> str:
    kinds = set(customer.identities.values_list("kind", flat=True))
    for kind, channel in (
        (IdentityKind.EMAIL, "email"),
        (IdentityKind.WHATSAPP, "whatsapp"),
        (IdentityKind.PHONE, "sms"),
    ):
        if kind in kinds:
            return channel
    return ""


def _news(fulfilment: Fulfilment, kind: str, days: int = 0) -> bool:
    """Tell the shopper, once per parcel and kind, in their language."""
    order = fulfilment.order
    customer = order.customer
    if customer is None or not (channel := _channel_of(customer)):
        return False
    store = order.store
    link = fulfilment.tracking_url or ""
    with override(customer.locale or store.default_locale or "en"):
        values = {"order": order.name, "days": days, "link": link, "carrier": fulfilment.carrier or _("the carrier")}
        if kind == "delay":
            subject = _("News about your order %(order)s") % values
            text = (
                _(
                    "Your order %(order)s is taking longer than expected: %(carrier)s has had no news of it for "
                    "%(days)s days. We are keeping an eye on it. Reply to this message if you need us."
                )
                % values
            )
        elif kind == "problem":
            subject = _("A problem delivering your order %(order)s") % values
            text = (
                _("%(carrier)s could not deliver your order %(order)s. Reply to this message and we will sort it out.")
                % values
            )
        else:
            subject = _("Your order %(order)s was delivered") % values
            text = _("Your order %(order)s was delivered. Anything not right? Reply to this message.") % values
        if link:
            text += " " + _("Track it: %(link)s") % values
    try:
        with transaction.atomic():
            notice = ShippingNotice.objects.create(fulfilment=fulfilment, kind=kind)
            message_id = notify(
                Notice(
                    store_id=store.pk,
                    customer_id=customer.pk,
                    channel=channel,
                    subject=subject,
                    text=text,
                    kind=f"shipping.{kind}",
                    meta={"order_id": order.pk},
                )
            )
            ShippingNotice.objects.filter(pk=notice.pk).update(message_id=message_id)
    except IntegrityError:  # told already
        return False
    except NotifyError as exc:
        log.warning("shipping news for fulfilment %s not sent: %s", fulfilment.pk, exc)
        return False
    return True


def on_shipment(fulfilment_id: int, status: str) -> None:
    """``shipment.changed`` (durable)."""
    fulfilment = Fulfilment.objects.select_related("order__store", "order__customer").filter(pk=fulfilment_id).first()
    if fulfilment is None or fulfilment.order.customer is None:
        return
    order, customer = fulfilment.order, fulfilment.order.customer
    settings = outreach_prepare(store=order.store)
    if status in PROBLEMS and settings.shipping_news:
        _news(fulfilment, "problem")
    elif status == "delivered":
        if settings.shipping_news:
            _news(fulfilment, "delivered")
        for flow in flows_of(order.store, Trigger.DELIVERED):
            enrol(
                flow=flow,
                people=[
                    Enrol(
                        customer.pk,
                        f"delivered:{order.pk}",
                        {"order_id": order.pk, "channel": _channel_of(customer)},
                    )
                ],
            )


def shipping_delays(now: datetime | None = None) -> int:
    """Parcels with no carrier news for the store's number of days, told once (run hourly)."""
    now = now or timezone.now()
    told = 0
    late = (
        Fulfilment.objects.filter(
            delivered_at__isnull=True,
            shipment_status__in=MOVING,
            shipped_at__isnull=False,
            shipped_at__gte=now - timedelta(days=60),
            order__cancelled_at__isnull=True,
            order__customer__isnull=False,
        )
        .exclude(Q(status="cancelled") | Q(tracking_number=""))
        .annotate(last_news=Max("events__happened_at"))
        .select_related("order__store", "order__customer")
    )
    settings_of: dict[int, OutreachSettings] = {}
    for fulfilment in late:
        store = fulfilment.order.store
        settings = settings_of.setdefault(store.pk, outreach_prepare(store=store))
        days = settings.shipping_delay_days
        news: datetime | None = fulfilment.last_news or fulfilment.shipped_at  # type: ignore[attr-defined]
        if news is None or not settings.shipping_news or news > now - timedelta(days=days):
            continue
        if ShippingNotice.objects.filter(fulfilment=fulfilment, kind="delay").exists():
            continue
        told += _news(fulfilment, "delay", days=(now - news).days)
    return told


def on_gift_card_delivered(card_id: int, customer_id: int) -> None:
    """``gift_card.delivered`` (durable): the recipient may become a customer; the gift-card
    flows follow up (marketing: only with their consent)."""
    customer = Customer.objects.select_related("store").filter(pk=customer_id).first()
    if customer is None:
        return
    outreach_prepare(store=customer.store)
    for flow in flows_of(customer.store, Trigger.GIFT_CARD):
        enrol(
            flow=flow,
            people=[Enrol(customer.pk, f"gift_card:{card_id}", {"card_id": card_id, "channel": _channel_of(customer)})],
        )


def anniversaries(today: date | None = None) -> int:
    """Enrol, in the stores' anniversary flows, the customers whose first order was on this
    day of an earlier year (run daily; the key holds the year, so a day run twice enrols once).
    29 February's customers are remembered on 28 February in other years."""
    today = today or timezone.localdate()
    days = [(today.month, today.day)]
    if (today.month, today.day) == (2, 28) and not calendar.isleap(today.year):
        days.append((2, 29))
    count = 0
    for flow in Flow.objects.filter(trigger=Trigger.DATE, active=True).select_related("store"):
        for month, day in days:
            ids = Customer.objects.filter(
                store=flow.store,
                merged_into__isnull=True,
                first_order_at__month=month,
                first_order_at__day=day,
                first_order_at__year__lt=today.year,
            ).values_list("pk", flat=True)
            people = [Enrol(pk, f"date:{today.year}:{pk}", {}) for pk in ids]
            count += enrol(flow=flow, people=people)
    return count
