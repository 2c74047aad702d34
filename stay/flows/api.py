"""``/api/v1/subscriptions``: a storefront's sign-up form (double opt-in)."""

from django.http import HttpRequest
from ninja import Router, Schema, Status

from stay.core.api import request_store
from stay.core.http import client_ip

from .subscriptions import subscription_request

router = Router(tags=["subscriptions"])


class SubscriptionIn(Schema):
    channel: str
    email: str = ""
    phone: str = ""
    wording: str
    source: str = "form"
    locale: str = ""


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
    )
    out = {"customer_id": record.customer_id, "channel": record.channel, "state": record.state}
    return Status(200 if record.state == "subscribed" else 202, out)
