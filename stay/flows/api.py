"""``/api/v1/subscriptions``: sign-ups (double opt-in), back-in-stock requests, unsubscribing."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status

from stay.catalog.models import Variant
from stay.core.api import request_store
from stay.core.errors import InvalidInput, NotFound
from stay.core.http import client_ip
from stay.customers.inputs import CustomerInput
from stay.customers.models import ConsentChannel
from stay.customers.services import consent_withdraw, customer_resolve

from .attribution import flow_metrics
from .campaigns import CampaignText, campaign_cancel, campaign_create
from .models import Campaign, Flow, RestockRequest
from .services import restock_request
from .subscriptions import subscription_request

router = Router(tags=["subscriptions"])


class SubscriptionIn(Schema):
    channel: str
    email: str = ""
    phone: str = ""
    wording: str
    source: str = "form"
    locale: str = ""
    night_time: bool = False


class SubscriptionOut(Schema):
    customer_id: int
    channel: str
    state: str


@router.post("", response={202: SubscriptionOut, 200: SubscriptionOut}, summary="Sign a shopper up (double opt-in)")
def subscribe(request: HttpRequest, body: SubscriptionIn, store: str | None = None):  # type: ignore[no-untyped-def]
    """Record the request with its evidence (the wording shown, the shopper's IP and user agent,
    passed on by a storefront in ``X-Shopper-IP`` / ``X-Shopper-User-Agent``) and ask the shopper
    to confirm: a link by e-mail, a reply YES by text or WhatsApp. 202 while it waits; 200 when
    they are subscribed already."""
    shop = request_store(request, store)
    record = subscription_request(
        store=shop,
        channel=body.channel,
        email=body.email,
        phone=body.phone,
        wording=body.wording,
        source=body.source,
        ip=request.headers.get("X-Shopper-IP", "").strip()[:64] or client_ip(request),
        user_agent=request.headers.get("X-Shopper-User-Agent", "") or request.headers.get("User-Agent", ""),
        locale=body.locale[:2],
        night_time=body.night_time,
    )
    out = {"customer_id": record.customer_id, "channel": record.channel, "state": record.state}
    return Status(200 if record.state == "subscribed" else 202, out)


class RestockIn(Schema):
    variant_id: str
    channel: str = "email"
    email: str = ""
    phone: str = ""
    locale: str = ""
    source: str = "form"
    wording: str = ""


class RestockOut(Schema):
    request_id: int
    customer_id: int
    variant_id: str
    channel: str
    waiting_before: int


@router.post(
    "/back-in-stock",
    response={201: RestockOut, 200: RestockOut},
    summary="Tell a shopper when a variant is back in stock",
)
def back_in_stock(request: HttpRequest, body: RestockIn, store: str | None = None):  # type: ignore[no-untyped-def]
    """``variant_id`` is the platform's variant id. The shopper is told once it is back, first
    come first told, on ``channel``; 201 for a new request, 200 when they were waiting already,
    409 ``in_stock`` when it can be ordered now, 409 ``opted_out`` after an opt-out."""
    shop = request_store(request, store)
    variant = Variant.objects.filter(store=shop, platform_id=body.variant_id.strip()).first()
    if variant is None:
        raise InvalidInput(f"variant_id: no variant {body.variant_id[:64]!r} in this store", code="unknown_variant")
    if body.channel == ConsentChannel.EMAIL and not body.email.strip():
        raise InvalidInput("email: an e-mail address is needed for e-mail alerts", code="email_required")
    if body.channel in (ConsentChannel.SMS, ConsentChannel.WHATSAPP) and not body.phone.strip():
        raise InvalidInput("phone: a phone number is needed for SMS or WhatsApp alerts", code="phone_required")
    customer = customer_resolve(
        store=shop,
        data=CustomerInput(email=body.email.strip(), phone=body.phone.strip(), locale=body.locale[:2]),
        actor=f"back-in-stock:{body.source[:30]}",
    )
    evidence = {
        "wording": body.wording.strip()[:2000],
        "ip": request.headers.get("X-Shopper-IP", "").strip()[:64] or client_ip(request),
        "user_agent": (request.headers.get("X-Shopper-User-Agent", "") or request.headers.get("User-Agent", ""))[:300],
    }
    asked, new = restock_request(
        customer=customer, variant=variant, channel=body.channel, source=body.source, evidence=evidence
    )
    before = RestockRequest.objects.filter(variant=variant, released_at__isnull=True, id__lt=asked.pk).count()
    out = {
        "request_id": asked.pk,
        "customer_id": customer.pk,
        "variant_id": variant.platform_id,
        "channel": asked.channel,
        "waiting_before": before,
    }
    return Status(201 if new else 200, out)


class UnsubscribeIn(Schema):
    channels: list[str] = ["email", "sms", "whatsapp"]
    email: str = ""
    phone: str = ""


class UnsubscribeOut(Schema):
    customer_id: int
    unsubscribed: list[str]


@router.post("/unsubscribe", response=UnsubscribeOut, summary="Stop marketing to a shopper")
def unsubscribe(request: HttpRequest, body: UnsubscribeIn, store: str | None = None):  # type: ignore[no-untyped-def]
    """At once, on the channels named (all by default); nothing queued before is sent after."""
    shop = request_store(request, store)
    wrong = [channel for channel in body.channels if channel not in ConsentChannel.values]
    if wrong or not body.channels:
        raise InvalidInput("channels: each must be one of email, sms, whatsapp", code="invalid_channel")
    if not body.email.strip() and not body.phone.strip():
        raise InvalidInput("email or phone: say whom to unsubscribe", code="contact_required")
    customer = customer_resolve(
        store=shop, data=CustomerInput(email=body.email.strip(), phone=body.phone.strip()), actor="api:unsubscribe"
    )
    consent_withdraw(
        customer=customer,
        channels=list(dict.fromkeys(body.channels)),
        source="api",
        evidence={"ip": request.headers.get("X-Shopper-IP", "").strip()[:64] or client_ip(request)},
    )
    return {"customer_id": customer.pk, "unsubscribed": list(dict.fromkeys(body.channels))}


flows_router = Router(tags=["flows"])


class LiftOut(Schema):
    messaged: int
    messaged_converted: int
    messaged_rate: float
    holdout: int
    holdout_converted: int
    holdout_rate: float
    lift: float
    lift_low: float | None
    lift_high: float | None


class FlowOut(Schema):
    id: int
    name: str
    trigger: str
    active: bool
    enrolled: int
    sent: int
    delivered: int
    clicked: int
    converted: int
    revenue: Decimal
    opt_outs: int
    lift: LiftOut


def _flow_out(flow: Flow) -> dict[str, Any]:
    metrics = flow_metrics(flow)
    lift = metrics.lift
    low, high = lift.interval or (None, None)
    return {
        "id": flow.pk,
        "name": flow.name,
        "trigger": flow.trigger,
        "active": flow.active,
        **{name: getattr(metrics, name) for name in ("enrolled", "sent", "delivered", "clicked", "converted")},
        "revenue": metrics.revenue,
        "opt_outs": metrics.opt_outs,
        "lift": {
            "messaged": lift.messaged,
            "messaged_converted": lift.messaged_converted,
            "messaged_rate": lift.messaged_rate,
            "holdout": lift.holdout,
            "holdout_converted": lift.holdout_converted,
            "holdout_rate": lift.holdout_rate,
            "lift": lift.lift,
            "lift_low": low,
            "lift_high": high,
        },
    }


@flows_router.get("", response=list[FlowOut], summary="The store's flows with what they did")
def flow_list(request: HttpRequest, store: str | None = None):  # type: ignore[no-untyped-def]
    """Per flow: enrolled, sent, delivered, clicked, converted and revenue (last touch: a click
    within the click window, else a message within the message window), opt-outs after its
    messages, and the honest lift: the messaged group's conversion less the holdout's, with a
    95% confidence interval."""
    shop = request_store(request, store)
    return [_flow_out(flow) for flow in Flow.objects.filter(store=shop).select_related("store").order_by("id")]


@flows_router.get("/{flow_id}", response=FlowOut, summary="One flow with what it did")
def flow_get(request: HttpRequest, flow_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    shop = request_store(request, store)
    flow = Flow.objects.filter(store=shop, pk=flow_id).select_related("store").first()
    if flow is None:
        raise NotFound(f"no flow {flow_id} in this store")
    return _flow_out(flow)


campaigns_router = Router(tags=["campaigns"])


class CampaignMessageIn(Schema):
    subject: str = ""
    body: str


class CampaignIn(Schema):
    name: str
    segment: dict[str, Any]
    channel: str
    messages: dict[str, CampaignMessageIn]
    send_at: datetime | None = None
    whatsapp_template: str = ""


class CampaignOut(Schema):
    id: int
    name: str
    state: str
    channel: str
    segment: dict[str, Any]
    send_at: datetime
    audience: int
    flow: FlowOut


def _campaign_out(campaign: Campaign) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "state": campaign.state,
        "channel": campaign.channel,
        "segment": campaign.segment,
        "send_at": campaign.send_at,
        "audience": campaign.audience,
        "flow": _flow_out(campaign.flow),
    }


@campaigns_router.post("", response={201: CampaignOut}, summary="Create a campaign (leads): now or at send_at")
def campaign_new(request: HttpRequest, body: CampaignIn, store: str | None = None):  # type: ignore[no-untyped-def]
    """``channel``: email, sms, whatsapp, or ``best`` (each shopper on the channel they agreed
    to: WhatsApp, then SMS, then e-mail; then ``whatsapp_template`` is used outside WhatsApp's
    window). ``segment``: ``{"kind": "all" | "bought" (product_id) | "one_order" (min_days, max_days) |
    "spent_over" (amount) | "gift_recipients"}``. ``messages``: per language, ``subject`` (e-mail)
    and ``body`` with ``{name}``, ``{store}``, ``{products}`` (the store's best sellers for now).
    The audience is fixed now; every message still passes the gate when it is due."""
    shop = request_store(request, store)
    campaign = campaign_create(
        store=shop,
        name=body.name,
        segment=body.segment,
        channel=body.channel,
        texts=[CampaignText(language, m.subject, m.body) for language, m in body.messages.items()],
        send_at=body.send_at,
        whatsapp_template=body.whatsapp_template,
        user=request.user,  # type: ignore[arg-type]
        created_by=f"api:{request.user.get_username()}",
    )
    return Status(201, _campaign_out(campaign))


@campaigns_router.get("", response=list[CampaignOut], summary="The store's campaigns with what they did")
def campaign_list(request: HttpRequest, store: str | None = None):  # type: ignore[no-untyped-def]
    shop = request_store(request, store)
    return [_campaign_out(c) for c in Campaign.objects.filter(store=shop).select_related("flow__store")[:100]]


def _campaign(request: HttpRequest, campaign_id: int, store: str | None) -> Campaign:
    shop = request_store(request, store)
    campaign = Campaign.objects.filter(store=shop, pk=campaign_id).select_related("flow__store").first()
    if campaign is None:
        raise NotFound(f"no campaign {campaign_id} in this store")
    return campaign


@campaigns_router.get("/{campaign_id}", response=CampaignOut, summary="One campaign with what it did")
def campaign_get(request: HttpRequest, campaign_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return _campaign_out(_campaign(request, campaign_id, store))


@campaigns_router.post("/{campaign_id}/cancel", response=CampaignOut, summary="Cancel what has not gone yet")
def campaign_stop(request: HttpRequest, campaign_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    campaign = _campaign(request, campaign_id, store)
    return _campaign_out(campaign_cancel(campaign=campaign, user=request.user))  # type: ignore[arg-type]
