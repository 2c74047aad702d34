"""``/api/v1/returns``: ask for a return and get the decision with the rule that made it, then
move it along (approve, reject, ship, receive, resolve, cancel), its label, and reports."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Header, Router, Schema
from ninja import Status as Reply

from stay.conversations.selectors import may_override_rules
from stay.core.api import When, request_store
from stay.core.errors import Conflict, InvalidInput, NotAllowed
from stay.orders.selectors import order_get

from . import selectors, services
from .labels import label_response
from .messages import label_url, status_url, why_text
from .models import Outcome, Reason, Return
from .receipts import receipt_code
from .services import Pick, Received, Requester

router = Router(tags=["returns"])


class PickIn(Schema):
    line_id: int
    quantity: int = 1
    reason: str = Field(..., description="One of: " + ", ".join(Reason.values))
    outcome: str = Field("", description="One of: " + ", ".join(Outcome.values))
    exchange_variant_id: int | None = None
    comment: str = ""


class RecipientIn(Schema):
    name: str = ""
    email: str = ""
    phone: str = ""
    locale: str = ""


class ReturnIn(Schema):
    order_id: int
    lines: list[PickIn]
    preferred_outcome: str = Field("", description="One of: " + ", ".join(Outcome.values))
    gift: bool = False
    recipient: RecipientIn | None = None
    channel: Literal["email", "sms", "whatsapp"] = "email"
    override: bool = Field(
        False, description="Approve even what the rules refuse; only a lead's or an admin's token may (else 403)."
    )
    note: str = ""


class PreviewIn(Schema):
    order_id: int
    lines: list[PickIn]
    gift: bool = False


class OptionOut(Schema):
    outcome: str
    value: Decimal
    bonus: Decimal
    fee: Decimal


class DecisionOut(Schema):
    line_id: int
    title: str
    quantity: int
    reason: str
    decision: str
    rule: str
    code: str
    explanation: str
    deadline: date | None
    keep_item: bool
    replace_now: bool
    require_photos: bool
    allowed_outcomes: list[OptionOut]
    exchange_variants: list[dict[str, Any]]
    set_by: dict[str, str]


class LineOut(Schema):
    id: int
    line_id: int
    title: str
    quantity: int
    reason: str
    decision: str
    rule: str
    explanation: str
    deadline: date | None
    allowed_outcomes: list[OptionOut]
    outcome: str
    exchange_variant_id: int | None
    keep_item: bool
    received_quantity: int
    condition: str
    restocked: int


class TransitionOut(Schema):
    kind: str
    from_status: str
    to_status: str
    actor: str
    at: datetime
    data: dict[str, Any]


class ReturnOut(Schema):
    id: int
    number: str
    status: str
    decision: str
    rule: str
    why: str
    order_id: int
    order_name: str
    customer_id: int
    is_gift: bool
    needs_return: bool
    lines: list[LineOut]
    resolution: list[dict[str, Any]]
    label_url: str | None
    status_url: str
    transitions: list[TransitionOut]
    created_at: datetime
    resolved_at: datetime | None


def _option(o: services.Option) -> dict[str, Any]:
    return {"outcome": o.outcome, "value": o.value, "bonus": o.bonus, "fee": o.fee}


def return_out(ret: Return) -> dict[str, Any]:
    lines = list(ret.lines.select_related("order_line"))
    return {
        "id": ret.pk,
        "number": ret.number,
        "status": ret.status,
        "decision": ret.verdict,
        "rule": ret.rule,
        "why": why_text(ret),
        "order_id": ret.order_id,
        "order_name": ret.order.name,
        "customer_id": ret.customer_id,
        "is_gift": ret.is_gift,
        "needs_return": ret.needs_return,
        "lines": [
            {
                "id": ln.pk,
                "line_id": ln.order_line_id,
                "title": ln.order_line.title,
                "quantity": ln.quantity,
                "reason": ln.reason,
                "decision": ln.verdict,
                "rule": ln.rule,
                "explanation": ln.why.get("explanation", ""),
                "deadline": ln.deadline,
                "allowed_outcomes": [_option(o) for o in selectors.line_options(ln)],
                "outcome": ln.outcome,
                "exchange_variant_id": ln.exchange_variant_id,
                "keep_item": ln.keep_item,
                "received_quantity": ln.received_quantity,
                "condition": ln.condition,
                "restocked": ln.restocked,
            }
            for ln in lines
        ],
        "resolution": ret.resolution,
        "label_url": label_url(ret) if ret.has_label else None,
        "status_url": status_url(ret),
        "transitions": [
            {
                "kind": t.kind,
                "from_status": t.from_status,
                "to_status": t.to_status,
                "actor": t.actor,
                "at": t.created_at,
                "data": t.data,
            }
            for t in ret.transitions.all()
        ],
        "created_at": ret.created_at,
        "resolved_at": ret.resolved_at,
    }


def _actor(request: HttpRequest) -> str:
    return f"api:{request.user.get_username()}"


def _picks(lines: list[PickIn], preferred: str = "") -> list[Pick]:
    return [
        Pick(
            line_id=p.line_id,
            quantity=p.quantity,
            reason=p.reason,
            outcome=p.outcome or preferred,
            exchange_variant_id=p.exchange_variant_id,
            comment=p.comment,
        )
        for p in lines
    ]


@router.post("", response={201: ReturnOut, 200: ReturnOut}, summary="Ask for a return")
def create(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    body: ReturnIn,
    idempotency_key: str = Header("", alias="Idempotency-Key"),
    store: str | None = None,
):
    """Decide a return of some of an order's lines under the store's rules. The answer holds
    the decision (``allowed``: approved at once, label issued; ``review``: an agent decides;
    ``refused``), the rule that made it, and each line's allowed outcomes with their value.
    ``gift: true`` is a gift's recipient asking (give ``recipient``): no refund to the buyer.
    The same ``Idempotency-Key`` returns the first return."""
    shop = request_store(request, store)
    if body.override and not may_override_rules(request.user):  # type: ignore[arg-type]
        raise NotAllowed("override needs the token of a lead or an admin", code="override_not_allowed")
    order = order_get(store=shop, order_id=body.order_id)
    who = body.recipient or RecipientIn()
    ret, created = services.return_request(
        order=order,
        picks=_picks(body.lines, body.preferred_outcome),
        requester=Requester(
            actor=_actor(request),
            gift=body.gift,
            name=who.name,
            email=who.email,
            phone=who.phone,
            locale=who.locale,
            channel=body.channel,
        ),
        idempotency_key=idempotency_key,
        override=body.override,
        note=body.note,
    )
    return Reply(201 if created else 200, return_out(ret))


@router.post("/preview", response=list[DecisionOut], summary="What the rules would decide, without asking")
def preview(request: HttpRequest, body: PreviewIn, store: str | None = None):  # type: ignore[no-untyped-def]
    shop = request_store(request, store)
    order = order_get(store=shop, order_id=body.order_id)
    return [
        {
            "line_id": p.line.pk,
            "title": p.line.title,
            "quantity": p.pick.quantity,
            "reason": p.pick.reason,
            "decision": p.decision.verdict,
            "rule": p.decision.rule,
            "code": p.decision.code,
            "explanation": p.decision.explanation,
            "deadline": p.decision.deadline,
            "keep_item": p.decision.keep_item,
            "replace_now": p.decision.replace_now,
            "require_photos": p.decision.require_photos,
            "allowed_outcomes": [_option(o) for o in p.options],
            "exchange_variants": [
                {
                    "id": v.pk,
                    "title": v.title,
                    "options": v.options,
                    "price": str(v.price),
                    "in_stock": v.inventory_quantity,
                }
                for v in p.variants
            ],
            "set_by": p.decision.why,
        }
        for p in services.return_preview(order=order, picks=_picks(body.lines), gift=body.gift)
    ]


@router.get("", response=list[ReturnOut], summary="Returns, newest first")
def list_returns(  # type: ignore[no-untyped-def]
    request: HttpRequest, status: str = "", order_id: int | None = None, limit: int = 50, store: str | None = None
):
    shop = request_store(request, store)
    rows = selectors.return_list(store=shop, status=status, order_id=order_id)[: max(1, min(limit, 200))]
    return [return_out(r) for r in rows]


@router.get("/reports", summary="Return rate, reasons, outcomes, revenue kept, time to resolve")
def report(  # type: ignore[no-untyped-def]
    request: HttpRequest, since: When | None = None, until: When | None = None, store: str | None = None
) -> dict[str, Any]:
    shop = request_store(request, store)
    until = until or timezone.now()
    return selectors.returns_report(store=shop, since=since or until - timedelta(days=90), until=until)


@router.get("/gift-receipt", summary="The gift-receipt code of an order, for its recipient")
def gift_receipt(request: HttpRequest, order_id: int, store: str | None = None) -> dict[str, Any]:
    """Print it on the gift receipt: the recipient enters it in the returns portal."""
    shop = request_store(request, store)
    order = order_get(store=shop, order_id=order_id)
    return {
        "order_id": order.pk,
        "code": receipt_code(order),
        "portal_url": settings.PUBLIC_URL + reverse("returns:portal", args=[shop.slug]),
    }


@router.get("/{return_id}", response=ReturnOut, summary="One return with its decision and history")
def get_return(request: HttpRequest, return_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return return_out(services.return_get(store=request_store(request, store), return_id=return_id))


@router.get("/{return_id}/label.pdf", summary="The return label and packing slip (PDF)")
def label(request: HttpRequest, return_id: int, store: str | None = None) -> HttpResponse:
    ret = services.return_get(store=request_store(request, store), return_id=return_id)
    if not ret.has_label:
        raise Conflict(f"return {ret.number} is {ret.status}: a label exists once it is approved and until it arrives")
    return label_response(ret, ret.locale or ret.store.default_locale)


class ReasonIn(Schema):
    reason: str = ""


class ShipIn(Schema):
    tracking: str = ""


class ReceivedIn(Schema):
    line_id: int  # the return line's id
    quantity: int
    condition: Literal["resellable", "damaged"] = "resellable"


class ReceiveIn(Schema):
    items: list[ReceivedIn]
    resolve: bool = True


class LineChangeIn(Schema):
    outcome: str = Field(..., description="One of: " + ", ".join(Outcome.values))
    exchange_variant_id: int | None = None


def _act(
    request: HttpRequest, return_id: int, store: str | None, action: Any, pays: bool = False, **kwargs: Any
) -> dict[str, Any]:
    """Do ``action`` on the return; one that ``pays`` pays out as the token's user, within their
    limits (the returns service checks them, as for the console)."""
    ret = services.return_get(store=request_store(request, store), return_id=return_id)
    if pays:
        kwargs["user"] = request.user
    return return_out(action(ret=ret.pk, actor=_actor(request), **kwargs))


@router.post("/{return_id}/approve", response=ReturnOut, summary="Approve a return waiting for a person")
def approve(request: HttpRequest, return_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return _act(request, return_id, store, services.return_approve, pays=True)


@router.post("/{return_id}/reject", response=ReturnOut, summary="Reject a return (the shopper is told why)")
def reject(request: HttpRequest, return_id: int, body: ReasonIn, store: str | None = None):  # type: ignore[no-untyped-def]
    return _act(request, return_id, store, services.return_reject, reason=body.reason)


@router.post("/{return_id}/cancel", response=ReturnOut, summary="Cancel a return")
def cancel(request: HttpRequest, return_id: int, body: ReasonIn, store: str | None = None):  # type: ignore[no-untyped-def]
    return _act(request, return_id, store, services.return_cancel, reason=body.reason)


@router.post("/{return_id}/ship", response=ReturnOut, summary="The parcel is on its way back")
def ship(request: HttpRequest, return_id: int, body: ShipIn, store: str | None = None):  # type: ignore[no-untyped-def]
    return _act(request, return_id, store, services.return_in_transit, tracking=body.tracking)


@router.post("/{return_id}/receive", response=ReturnOut, summary="The warehouse received items, in these conditions")
def receive(request: HttpRequest, return_id: int, body: ReceiveIn, store: str | None = None):  # type: ignore[no-untyped-def]
    items = [Received(i.line_id, i.quantity, i.condition) for i in body.items]
    action = services.return_receive
    return _act(request, return_id, store, action, pays=body.resolve, items=items, resolve=body.resolve)


@router.post("/{return_id}/resolve", response=ReturnOut, summary="Refund, credit or complete the exchange")
def resolve(request: HttpRequest, return_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return _act(request, return_id, store, services.return_resolve, pays=True)


@router.post("/{return_id}/lines/{line_id}", response=ReturnOut, summary="Change what a line gets (before approval)")
def change_line(  # type: ignore[no-untyped-def]
    request: HttpRequest, return_id: int, line_id: int, body: LineChangeIn, store: str | None = None
):
    if body.outcome == Outcome.EXCHANGE and body.exchange_variant_id is None:
        raise InvalidInput("exchange_variant_id is required for an exchange")
    return _act(
        request,
        return_id,
        store,
        services.return_line_change,
        line_id=line_id,
        outcome=body.outcome,
        exchange_variant_id=body.exchange_variant_id,
    )
