"""What outreach earned, honestly (issue 20).

*Attribution* (last touch): an order is credited to the last marketing message its shopper
clicked within ``attribution_click_days``, else the last one they were sent within
``attribution_message_days``. That is the revenue a flow *touched*.

*Lift*: every flow keeps a random holdout (enrolled, never messaged). A group's conversion
rate is the share of its enrolments followed by an order within the click window; the flow's
lift is the messaged rate less the holdout rate, with a 95% confidence interval (Wald, for a
difference of two proportions). That is what the flow *caused*: a lift whose interval
includes 0 is not shown to be any.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum

from stay.conversations.models import Delivery
from stay.core.events import publish
from stay.customers.models import ConsentRecord, ConsentState
from stay.orders.models import Order

from .gate import outreach_settings
from .models import Conversion, Enrolment, Flow, Outreach, Verdict

Z95 = 1.959964


def order_attribute(order_id: int) -> Conversion | None:
    """``order.created`` (durable): credit the order to the last touch, once."""
    order = Order.objects.select_related("store").filter(pk=order_id).first()
    if order is None or order.customer_id is None or Conversion.objects.filter(order=order).exists():
        return None
    settings = outreach_settings(order.store)
    touched = Outreach.objects.filter(customer_id=order.customer_id, verdict=Verdict.SENT)
    click = (
        touched.filter(
            clicked_at__lte=order.placed_at,
            clicked_at__gte=order.placed_at - timedelta(days=settings.attribution_click_days),
        )
        .order_by("-clicked_at")
        .first()
    )
    message = (
        touched.filter(
            decided_at__lte=order.placed_at,
            decided_at__gte=order.placed_at - timedelta(days=settings.attribution_message_days),
        )
        .order_by("-decided_at")
        .first()
    )
    last = click or message
    if last is None:
        return None
    try:
        with transaction.atomic():
            conversion = Conversion.objects.create(
                store=order.store,
                order=order,
                customer_id=order.customer_id,
                flow_id=last.flow_id,
                outreach=last,
                touch="click" if click is not None else "message",
                revenue=order.total,
            )
            publish("order.attributed", order_id=order.pk, flow_id=last.flow_id)
            return conversion
    except IntegrityError:  # credited meanwhile by another delivery of the event
        return None


@dataclass(frozen=True)
class Lift:
    messaged: int
    messaged_converted: int
    holdout: int
    holdout_converted: int

    @property
    def messaged_rate(self) -> float:
        return self.messaged_converted / self.messaged if self.messaged else 0.0

    @property
    def holdout_rate(self) -> float:
        return self.holdout_converted / self.holdout if self.holdout else 0.0

    @property
    def lift(self) -> float:
        return self.messaged_rate - self.holdout_rate

    @property
    def interval(self) -> tuple[float, float] | None:
        """95% confidence interval of the lift (None until both groups have members)."""
        if not self.messaged or not self.holdout:
            return None
        p1, p2 = self.messaged_rate, self.holdout_rate
        se = math.sqrt(p1 * (1 - p1) / self.messaged + p2 * (1 - p2) / self.holdout)
        return (self.lift - Z95 * se, self.lift + Z95 * se)


def flow_lift(flow: Flow) -> Lift:
    """Conversion of the messaged group and of the holdout: enrolments followed by an order of
    their shopper within the click window."""
    window = timedelta(days=outreach_settings(flow.store).attribution_click_days)
    groups = {True: [0, 0], False: [0, 0]}
    rows = list(Enrolment.objects.filter(flow=flow).values_list("customer_id", "created_at", "holdout"))
    orders: dict[int, list] = {}
    customer_ids = {customer_id for customer_id, _, _ in rows}
    for customer_id, placed_at in Order.objects.filter(customer_id__in=customer_ids).values_list(
        "customer_id", "placed_at"
    ):
        orders.setdefault(customer_id, []).append(placed_at)
    for customer_id, enrolled_at, holdout in rows:
        groups[holdout][0] += 1
        if any(enrolled_at <= placed <= enrolled_at + window for placed in orders.get(customer_id, ())):
            groups[holdout][1] += 1
    return Lift(groups[False][0], groups[False][1], groups[True][0], groups[True][1])


@dataclass(frozen=True)
class Metrics:
    enrolled: int
    sent: int
    delivered: int
    clicked: int
    converted: int
    revenue: Decimal
    opt_outs: int
    lift: Lift


def flow_metrics(flow: Flow) -> Metrics:
    sent = Outreach.objects.filter(flow=flow, verdict=Verdict.SENT)
    counts = sent.aggregate(
        sent=Count("id"),
        delivered=Count("id", filter=Q(message__delivery__in=[Delivery.SENT, Delivery.DELIVERED, Delivery.READ])),
        clicked=Count("id", filter=Q(clicked_at__isnull=False)),
    )
    conversions = Conversion.objects.filter(flow=flow).aggregate(n=Count("id"), revenue=Sum("revenue"))
    # Shoppers who opted out of a channel after this flow messaged them on it.
    first = {
        (customer_id, channel): when
        for customer_id, channel, when in sent.order_by("-decided_at").values_list(
            "customer_id", "channel", "decided_at"
        )
    }
    opted = {
        (customer_id, channel)
        for customer_id, channel, occurred in ConsentRecord.objects.filter(
            customer_id__in={c for c, _ in first}, state=ConsentState.UNSUBSCRIBED
        ).values_list("customer_id", "channel", "occurred_at")
        if (customer_id, channel) in first and occurred >= first[(customer_id, channel)]
    }
    return Metrics(
        enrolled=Enrolment.objects.filter(flow=flow).count(),
        sent=counts["sent"],
        delivered=counts["delivered"],
        clicked=counts["clicked"],
        converted=conversions["n"],
        revenue=conversions["revenue"] or Decimal("0"),
        opt_outs=len({customer_id for customer_id, _ in opted}),
        lift=flow_lift(flow),
    )
