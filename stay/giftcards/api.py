"""``/api/v1/giftcards`` (the storefront's checkout calls these) and
the store credit that ``/api/v1/customers/{id}/credit`` (conversations.api) answers with.
Every mutating call needs an ``Idempotency-Key`` header."""

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Header, Router, Schema

from stay.core.api import Day, When, permission_required, request_store
from stay.core.http import client_ip
from stay.customers.selectors import customer_get

from . import selectors, services
from .codes import code_display, code_from_nonce
from .delivery import page_url
from .models import GiftCard, Source
from .services import Caller, Contact, Recipient, Tender

router = Router(tags=["gift cards"])

IdempotencyKey = Header(
    ..., alias="Idempotency-Key", description="Any unique string per operation; a repeat returns the first result."
)


def caller_of(request: HttpRequest) -> Caller:
    # The storefront passes on the shopper's address, so limits count per shopper; without
    # it, a token's calls count per token, never per the server's address that many share.
    shopper = request.headers.get("X-Shopper-IP", "").strip()[:64]
    token = getattr(request, "auth", None)
    client = shopper or (f"token:{token.pk}" if token is not None else client_ip(request))
    return Caller(actor=f"api:{request.user.get_username()}", client=client)


class CardOut(Schema):
    card_id: int
    kind: str
    last4: str
    currency: str
    initial_value: Decimal
    balance: Decimal
    available: Decimal
    status: str
    expires_at: datetime | None
    customer_id: int | None


class IssuedOut(CardOut):
    code: str
    page_url: str
    transaction_id: int
    deliver_at: datetime | None


class RecipientIn(Schema):
    name: str = ""
    email: str = ""
    phone: str = ""
    locale: str = ""
    timezone: str = ""
    channel: Literal["", "email", "whatsapp", "sms"] = ""
    message: str = ""
    sender_name: str = ""
    send_on: Day | None = None
    send_at: When | None = None


class IssueIn(Schema):
    amount: Decimal
    currency: str = ""
    source: Literal["manual", "promotion"] = "manual"
    reference: str = ""
    customer_id: int | None = None
    recipient: RecipientIn | None = None
    expires_at: When | None = None
    note: str = ""


class ReloadIn(Schema):
    code: str
    amount: Decimal
    reference: str = ""


class TenderIn(Schema):
    code: str = ""
    customer_id: int | None = None
    amount: Decimal | None = None


class ContactIn(Schema):
    email: str = ""
    phone: str = ""
    name: str = ""
    locale: str = ""


class AuthorizeIn(Schema):
    amount: Decimal
    currency: str
    cards: list[TenderIn]
    reference: str = ""
    capture: bool = False
    buys_gift_cards: bool = False
    customer: ContactIn | None = None


class HoldOut(Schema):
    card_id: int
    kind: str
    last4: str
    amount: Decimal
    captured: Decimal
    refunded: Decimal
    balance: Decimal
    available: Decimal


class AuthorizationOut(Schema):
    authorization_id: int
    reference: str
    status: str
    currency: str
    requested: Decimal
    amount: Decimal
    captured: Decimal
    refunded: Decimal
    expires_at: datetime
    cards: list[HoldOut]


class CaptureIn(Schema):
    authorization_id: int
    amount: Decimal | None = None


class VoidIn(Schema):
    authorization_id: int


class RefundIn(Schema):
    authorization_id: int
    amount: Decimal
    reason: str = ""


class StatusIn(Schema):
    status: Literal["active", "disabled"]
    reason: str


class ReverseIn(Schema):
    transaction_id: int
    reason: str


class ReversalOut(Schema):
    transaction_id: int
    reverses: int
    cards: list[CardOut]


class ActivityOut(Schema):
    transaction_id: int
    kind: str
    amount: Decimal
    balance: Decimal
    at: datetime
    reference: str
    memo: str


class CardDetailOut(CardOut):
    source: str
    recipient_name: str
    delivery_channel: str
    deliver_at: datetime | None
    delivered_at: datetime | None
    delivery_error: str
    first_used_at: datetime | None
    activity: list[ActivityOut]


class CreditIn(Schema):
    amount: Decimal
    reason: str
    currency: str = ""
    source: Literal["goodwill", "promotion", "manual"] = "goodwill"
    reference: str = ""


class CreditOut(Schema):
    customer_id: int
    balances: list[CardOut]
    activity: list[ActivityOut]


def _issued(result: dict[str, Any]) -> dict[str, Any]:
    # The code is derived again here: no stored answer ever holds it in clear.
    card = GiftCard.objects.get(pk=result["card_id"])
    return {**result, "code": code_display(code_from_nonce(card.code_nonce)), "page_url": page_url(card)}


@router.post("", response=IssuedOut, summary="Issue a gift card")
def issue(request: HttpRequest, body: IssueIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    """A card sold outside the platform (``manual``) or given in a promotion. With a
    ``recipient`` it is sent to them by email, WhatsApp or SMS, now or at ``send_on`` (the
    store's delivery hour in the recipient's ``timezone``) or ``send_at``. The response holds
    the code: keep it safe, it is never shown again except to the recipient."""
    shop = request_store(request, store)
    if body.source == Source.PROMOTION:  # value given away, as goodwill is: a lead's decision
        permission_required(request, "give_value", "a promotion card")
    customer = customer_get(store=shop, customer_id=body.customer_id) if body.customer_id else None
    recipient = Recipient(**body.recipient.dict()) if body.recipient else None
    result = services.gift_card_issue(
        store=shop,
        amount=body.amount,
        currency=body.currency,
        source=Source(body.source),
        source_ref=body.reference,
        customer=customer,
        recipient=recipient,
        expires_at=body.expires_at,
        note=body.note,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )
    return _issued(result)


@router.post("/reload", response=CardOut, summary="Top up a card")
def reload(request: HttpRequest, body: ReloadIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    shop = request_store(request, store)
    services.card_lookup_guarded(store=shop, code=body.code, client=caller_of(request).client)
    return services.gift_card_reload(
        store=shop,
        code=body.code,
        amount=body.amount,
        source_ref=body.reference,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )


@router.post("/authorize", response=AuthorizationOut, summary="Hold money on one or more cards")
def authorize(request: HttpRequest, body: AuthorizeIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    """Holds up to ``amount`` across ``cards`` in order; the response says how much was held
    (less when the cards hold less: charge the rest another way). Refusals are 409 with a
    ``code``: ``card_disabled``, ``card_expired``, ``currency_mismatch``, ``insufficient_funds``,
    ``cards_cannot_buy_cards``; an unknown code is 404 ``card_not_found``."""
    shop = request_store(request, store)
    caller = caller_of(request)
    for tender in body.cards:
        if tender.code:
            services.card_lookup_guarded(store=shop, code=tender.code, client=caller.client, checkout=True)
    return services.gift_card_authorize(
        store=shop,
        amount=body.amount,
        currency=body.currency,
        tenders=[Tender(code=t.code, customer_id=t.customer_id, amount=t.amount) for t in body.cards],
        reference=body.reference,
        capture=body.capture,
        buys_gift_cards=body.buys_gift_cards,
        contact=Contact(**body.customer.dict()) if body.customer else None,
        caller=caller,
        idempotency_key=idempotency_key,
    )


@router.post("/capture", response=AuthorizationOut, summary="Take held money")
def capture(request: HttpRequest, body: CaptureIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    """All of the authorisation, or ``amount`` of it (the rest is released). Capturing an
    authorisation twice takes the money once."""
    return services.gift_card_capture(
        store=request_store(request, store),
        authorization_id=body.authorization_id,
        amount=body.amount,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )


@router.post("/void", response=AuthorizationOut, summary="Release held money")
def void(request: HttpRequest, body: VoidIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    return services.gift_card_void(
        store=request_store(request, store),
        authorization_id=body.authorization_id,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )


@router.post("/refund", response=AuthorizationOut, summary="Put captured money back onto the cards")
def refund(request: HttpRequest, body: RefundIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    return services.gift_card_refund(
        store=request_store(request, store),
        authorization_id=body.authorization_id,
        amount=body.amount,
        reason=body.reason,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )


@router.get("/balance", response=CardOut, summary="What is left on a card")
def balance(  # type: ignore[no-untyped-def]
    request: HttpRequest, code: str, email: str = "", phone: str = "", locale: str = "", store: str | None = None
):
    """Rate-limited per client (send the shopper's address in ``X-Shopper-IP``) and per card:
    429 with ``Retry-After`` past the limit. ``email``/``phone``: who is checking, so a
    first-time recipient is welcomed."""
    contact = Contact(email=email, phone=phone, locale=locale) if email or phone else None
    return services.gift_card_balance(
        store=request_store(request, store), code=code, contact=contact, caller=caller_of(request)
    )


@router.get("/reports/liability", summary="What the store owes on cards at a moment")
def liability(request: HttpRequest, at: When | None = None, store: str | None = None) -> dict[str, Any]:
    """``{currency: {gift_card, store_credit, total}}`` at ``at`` (default: now)."""
    return selectors.liability_at(store=request_store(request, store), at=at or timezone.now())


@router.get("/reports/accounts", summary="Each ledger account's movement in a period")
def accounts(  # type: ignore[no-untyped-def]
    request: HttpRequest, start: When | None = None, end: When | None = None, store: str | None = None
) -> dict[str, Any]:
    """``{currency: {account: amount}}``: sales, redemptions, refunds, goodwill, promotion,
    returns, breakage (what expired unused) and the cards' own change."""
    return selectors.account_totals(store=request_store(request, store), start=start, end=end)


@router.get("/reports/recipients", summary="Do gift card recipients become customers?")
def recipients(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    return selectors.recipient_insight(store=request_store(request, store))


@router.post("/reverse", response=ReversalOut, summary="Undo an issue, top-up or credit given by mistake")
def reverse(request: HttpRequest, body: ReverseIn, idempotency_key: str = IdempotencyKey, store: str | None = None):  # type: ignore[no-untyped-def]
    permission_required(request, "give_value", "reversing a ledger transaction")
    return services.ledger_reverse(
        store=request_store(request, store),
        transaction_id=body.transaction_id,
        reason=body.reason,
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )


@router.get("/{card_id}", response=CardDetailOut, summary="One card with its activity")
def get_card(request: HttpRequest, card_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    card = selectors.card_get(store=request_store(request, store), card_id=card_id)
    return {
        **services.card_summary(card),
        **{
            f: getattr(card, f)
            for f in (
                "source",
                "recipient_name",
                "delivery_channel",
                "deliver_at",
                "delivered_at",
                "delivery_error",
                "first_used_at",
            )
        },
        "activity": selectors.card_activity(card=card),
    }


@router.post("/{card_id}/status", response=CardOut, summary="Disable or enable a card")
def set_status(request: HttpRequest, card_id: int, body: StatusIn, store: str | None = None):  # type: ignore[no-untyped-def]
    card = selectors.card_get(store=request_store(request, store), card_id=card_id)
    if body.status != "disabled":  # disabling protects; enabling gives the value back
        permission_required(request, "give_value", "enabling a card")
    card = services.gift_card_set_status(card=card, status=body.status, reason=body.reason, caller=caller_of(request))
    return services.card_summary(card)


def credit_out(customer_id: int, shop: Any) -> dict[str, Any]:
    customer = customer_get(store=shop, customer_id=customer_id)
    cards = selectors.store_credit_of(customer=customer)
    activity = [row for card in cards for row in selectors.card_activity(card=card)]
    return {
        "customer_id": customer.pk,
        "balances": [services.card_summary(c) for c in cards],
        "activity": sorted(activity, key=lambda row: (row["at"], row["transaction_id"])),
    }
