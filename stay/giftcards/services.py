"""Writes for gift cards and store credit: issue, top up, hold, capture, void, refund,
expire, reverse. Each is one transaction that locks the rows it changes (authorisations
first, then cards, each in primary-key order) and posts balanced ledger transactions.

The storefront-facing operations take an idempotency key (:mod:`.idempotency`) and return a
plain ``dict``: the same dict, to the byte, when the key is repeated.
"""

import hmac
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.errors import Conflict, InvalidInput, NotFound
from stay.core.models import Store
from stay.core.money import AMOUNT_CEILING, CENT, amount_check, to_cents
from stay.core.ratelimit import rate_check, rate_hit
from stay.core.tasks import enqueue_on_commit
from stay.customers.identities import normalise_email, normalise_phone
from stay.customers.models import Customer
from stay.orders.models import Order

from . import fastpath, recipients
from .codes import code_hash, code_new, code_normalise
from .idempotency import answer, fingerprint, idempotent
from .ledger import Leg, lock_cards, move_held, post
from .models import (
    Account,
    Authorization,
    AuthorizationStatus,
    CardStatus,
    DeliveryChannel,
    GiftCard,
    GiftCardEvent,
    GiftCardSettings,
    Hold,
    Kind,
    LedgerTransaction,
    Source,
)
from .tasks import deliver_gift_card

log = logging.getLogger(__name__)

ZERO = Decimal("0.00")
REVERSIBLE = ("issue", "reload", "credit")
# An order older than this when it reaches Stay is history: its cards are not sent.
HISTORY = timedelta(days=2)
# Where the money on a new card comes from, by source.
_FUNDING = {
    Source.ORDER: Account.SALES,
    Source.MANUAL: Account.SALES,
    Source.GOODWILL: Account.GOODWILL,
    Source.PROMOTION: Account.PROMOTION,
    Source.RETURN: Account.RETURNS,
}


@dataclass(frozen=True)
class Caller:
    """Who asks, and from where: every operation is audited with both."""

    actor: str
    client: str = ""


@dataclass(frozen=True)
class Recipient:
    name: str = ""
    email: str = ""
    phone: str = ""
    locale: str = ""
    timezone: str = ""
    channel: str = ""  # email | whatsapp | sms; blank: email when there is an address
    message: str = ""
    sender_name: str = ""
    send_on: date | None = None  # delivered at the store's delivery hour, recipient's time
    send_at: datetime | None = None


@dataclass(frozen=True)
class Tender:
    """One card on a payment: a code, or a customer's store credit; ``amount`` blank takes
    what the card has, up to what is still to pay."""

    code: str = ""
    customer_id: int | None = None
    amount: Decimal | None = None


@dataclass(frozen=True)
class Contact:
    """Who is redeeming or checking, when the storefront knows (to welcome a recipient)."""

    email: str = ""
    phone: str = ""
    name: str = ""
    locale: str = ""


@dataclass
class _Allocation:
    card: GiftCard
    amount: Decimal
    tender: Tender = field(default_factory=Tender)


def settings_for(store: Store) -> GiftCardSettings:
    return GiftCardSettings.objects.get_or_create(store=store)[0]


def _currency(store: Store, currency: str) -> str:
    currency = (currency or settings_for(store).currency or store.currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        raise InvalidInput(_("The currency must be a 3-letter code such as USD or KRW."), code="invalid_currency")
    return currency


def _positive(value: object, what: str, store: Store | None) -> Decimal:
    """An amount of money above zero in whole cents; never rounded (10.001 is an error); at
    most the store's largest amount (``store`` None: bounded by what the caller checks next)."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput(
            _("The %(what)s must be a number, e.g. 25 or 12.50.") % {"what": what}, code="invalid_amount"
        ) from None
    if not amount.is_finite() or amount <= 0:
        raise InvalidInput(_("The %(what)s must be more than zero.") % {"what": what}, code="invalid_amount")
    amount_check(amount, limit=store.amount_max if store is not None else AMOUNT_CEILING, what=what)
    if amount != amount.quantize(CENT):
        raise InvalidInput(_("The %(what)s has a fraction of a cent.") % {"what": what}, code="invalid_amount")
    return amount.quantize(CENT)


def _audit(store: Store, card: GiftCard | None, kind: str, caller: Caller, **data: Any) -> None:
    GiftCardEvent.objects.create(
        store=store,
        card=card,
        kind=kind,
        actor=caller.actor[:120],
        client=caller.client[:120],
        data={k: str(v) if isinstance(v, Decimal | datetime) else v for k, v in data.items()},
    )


def card_by_code(*, store: Store, code: str) -> GiftCard:
    """The store's card with this code; compared in constant time on its keyed hash."""
    digest = code_hash(code_normalise(code))
    card = GiftCard.objects.filter(code_hash=digest).first()
    if card is None or card.store_id != store.pk or not hmac.compare_digest(card.code_hash or "", digest):
        raise NotFound(_("No gift card has that code."), code="card_not_found")
    return card


def card_summary(card: GiftCard) -> dict[str, Any]:
    return {
        "card_id": card.pk,
        "kind": card.kind,
        "last4": card.last4,
        "currency": card.currency,
        "initial_value": card.initial_value,
        "balance": card.balance,
        "available": card.available,
        "status": _status_now(card),
        "expires_at": card.expires_at,
        "customer_id": card.customer_id,
    }


def _status_now(card: GiftCard) -> str:
    if card.status == CardStatus.ACTIVE and card.expires_at and card.expires_at <= timezone.now():
        return CardStatus.EXPIRED
    return card.status


# --- issuing -----------------------------------------------------------------------------


def _delivery_time(store: Store, recipient: Recipient, hour: int) -> datetime | None:
    if recipient.send_at is not None:
        if timezone.is_naive(recipient.send_at):
            raise InvalidInput(_("The send time needs a time zone, e.g. 2026-12-25T08:00:00+09:00."))
        return recipient.send_at
    if recipient.send_on is not None:
        try:
            zone = ZoneInfo(recipient.timezone or store.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InvalidInput(
                _("%(zone)s is not a time zone (e.g. Asia/Seoul).") % {"zone": recipient.timezone},
                code="invalid_timezone",
            ) from None
        return datetime.combine(recipient.send_on, time(hour), tzinfo=zone)
    return None


def _clean_recipient(store: Store, recipient: Recipient) -> Recipient:
    email = normalise_email(recipient.email) if recipient.email else ""
    phone = normalise_phone(recipient.phone, region=store.country) if recipient.phone else ""
    channel = recipient.channel or (DeliveryChannel.EMAIL if email else DeliveryChannel.SMS if phone else "")
    if channel and channel not in DeliveryChannel.values:
        raise InvalidInput(_("Send a card by email, whatsapp or sms."), code="invalid_channel")
    if channel == DeliveryChannel.EMAIL and not email:
        raise InvalidInput(_("A card sent by email needs the recipient's email address."), code="invalid_recipient")
    if channel in (DeliveryChannel.SMS, DeliveryChannel.WHATSAPP) and not phone:
        raise InvalidInput(_("A card sent by text needs the recipient's phone number."), code="invalid_recipient")
    if len(recipient.message) > 2000:
        raise InvalidInput(_("The gift message is longer than 2,000 characters."), code="invalid_message")
    return Recipient(
        name=recipient.name.strip()[:200],
        email=email,
        phone=phone,
        locale=recipient.locale[:10],
        timezone=recipient.timezone,
        channel=channel,
        message=recipient.message.strip(),
        sender_name=recipient.sender_name.strip()[:200],
        send_on=recipient.send_on,
        send_at=recipient.send_at,
    )


def _new_card(store: Store, **values: Any) -> GiftCard:
    code, nonce = code_new()
    return GiftCard.objects.create(store=store, code_hash=code_hash(code), code_nonce=nonce, last4=code[-4:], **values)


def gift_card_issue(
    *,
    store: Store,
    amount: Decimal | str,
    caller: Caller,
    idempotency_key: str,
    currency: str = "",
    source: str = Source.MANUAL,
    source_ref: str = "",
    paid: Decimal | None = None,
    recipient: Recipient | None = None,
    buyer: Customer | None = None,
    customer: Customer | None = None,
    expires_at: datetime | None = None,
    note: str = "",
) -> dict[str, Any]:
    """A new gift card worth ``amount``. ``paid`` (for a card bought in an order) is what the
    buyer paid for it; a discount on it is the store's promotion expense."""
    recipient = recipient or Recipient()
    params = {
        "amount": amount,
        "currency": currency,
        "source": source,
        "source_ref": source_ref,
        "paid": paid,
        "recipient": recipient.__dict__,
        "buyer": buyer.pk if buyer else None,
        "customer": customer.pk if customer else None,
        "expires_at": expires_at,
        "note": note,
    }

    def work() -> dict[str, Any]:
        value = _positive(amount, _("amount"), store)
        rules = settings_for(store)
        money = _currency(store, currency)
        if source not in _FUNDING:
            raise InvalidInput(_("Unknown source %(source)s.") % {"source": source}, code="invalid_source")
        if source != Source.ORDER and value > rules.max_value:
            # A card the platform already sold is honoured whatever its value.
            raise InvalidInput(
                _("A card can hold at most %(max)s %(currency)s.") % {"max": rules.max_value, "currency": money},
                code="over_max_value",
            )
        cost = value if paid is None else min(_positive(paid, _("paid amount"), store), value)
        who = _clean_recipient(store, recipient)
        now = timezone.now()
        expiry = expires_at
        if expiry is None and rules.expiry_months:
            expiry = now + timedelta(days=round(rules.expiry_months * 365.25 / 12))
        deliver_at = _delivery_time(store, who, rules.delivery_hour) if who.channel else None
        if who.channel and deliver_at is None:
            deliver_at = now
        card = _new_card(
            store,
            kind=Kind.GIFT_CARD,
            currency=money,
            initial_value=value,
            expires_at=expiry,
            source=source,
            source_ref=source_ref[:100],
            customer=customer,
            buyer=buyer,
            recipient_name=who.name,
            recipient_email=who.email,
            recipient_phone=who.phone,
            recipient_locale=who.locale,
            sender_name=who.sender_name,
            message=who.message,
            delivery_channel=who.channel,
            deliver_at=deliver_at,
            note=note,
        )
        legs = [Leg(Account.CARD, value, card), Leg(_FUNDING[Source(source)], -cost)]
        if cost != value:
            # What the card holds beyond what was paid: a discount, or a return's bonus.
            legs.append(Leg(Account.RETURN_BONUS if source == Source.RETURN else Account.PROMOTION, cost - value))
        txn = post(store=store, kind="issue", currency=money, legs=legs, actor=caller.actor, reference=source_ref)
        _audit(store, card, "issued", caller, amount=value, source=source, transaction=txn.pk)
        if deliver_at is not None and deliver_at <= now:
            enqueue_on_commit(deliver_gift_card, card.pk)
        return {**card_summary(card), "transaction_id": txn.pk, "deliver_at": deliver_at}

    return idempotent(store=store, key=idempotency_key, operation="issue", params=params, work=work)


def gift_card_reload(
    *, store: Store, code: str, amount: Decimal, caller: Caller, idempotency_key: str, source_ref: str = ""
) -> dict[str, Any]:
    """Top up a card (when the store allows it): the buyer paid ``amount`` for it."""

    def work() -> dict[str, Any]:
        value = _positive(amount, _("amount"), store)
        rules = settings_for(store)
        if not rules.reloadable:
            raise Conflict(_("This store's gift cards cannot be topped up."), code="not_reloadable")
        found = card_by_code(store=store, code=code)
        card = lock_cards([found.pk])[found.pk]
        _usable(card, card.currency)
        if card.kind != Kind.GIFT_CARD:
            raise Conflict(_("Store credit is not topped up this way."), code="not_reloadable")
        if card.balance + value > rules.max_value:
            raise InvalidInput(
                _("A card can hold at most %(max)s %(currency)s.")
                % {"max": rules.max_value, "currency": card.currency},
                code="over_max_value",
            )
        txn = post(
            store=store,
            kind="reload",
            currency=card.currency,
            legs=[Leg(Account.CARD, value, card), Leg(Account.SALES, -value)],
            actor=caller.actor,
            reference=source_ref,
        )
        _audit(store, card, "reloaded", caller, amount=value, transaction=txn.pk)
        return {**card_summary(card), "transaction_id": txn.pk}

    return idempotent(
        store=store,
        key=idempotency_key,
        operation="reload",
        params={"code_hash": _hash_or_raw(code), "amount": amount, "source_ref": source_ref},
        work=work,
    )


def _hash_or_raw(code: str) -> str:
    # The key's fingerprint never holds a code in clear.
    try:
        return code_hash(code_normalise(code))
    except InvalidInput:
        return code_hash(code)


# --- store credit ------------------------------------------------------------------------


def _credit_card(customer: Customer, currency: str) -> GiftCard:
    card = GiftCard.objects.filter(
        store_id=customer.store_id, customer=customer, currency=currency, kind=Kind.STORE_CREDIT
    ).first()
    if card is None:
        # A concurrent first credit for the same customer hits the unique constraint; the
        # unit of work runs again and finds this row.
        card = GiftCard.objects.create(
            store_id=customer.store_id, kind=Kind.STORE_CREDIT, customer=customer, currency=currency
        )
    return lock_cards([card.pk])[card.pk]


class OverLimit(Conflict):
    """The agent's role does not allow this much; a lead must do it."""

    code = "over_limit"


def store_credit_grant(
    *,
    customer: Customer,
    amount: Decimal,
    reason: str,
    caller: Caller,
    idempotency_key: str,
    source: str = Source.GOODWILL,
    bonus: Decimal = ZERO,
    limit: Decimal | None = None,
    currency: str = "",
    reference: str = "",
) -> dict[str, Any]:
    """Add store credit to ``customer``: goodwill from an agent (up to ``limit``, their role's),
    a return resolved as credit (``bonus`` on top, the store's cost), or a promotion."""
    store = customer.store
    params = {
        "customer": customer.pk,
        "amount": amount,
        "reason": reason,
        "source": source,
        "bonus": bonus,
        "currency": currency,
        "reference": reference,
    }

    def work() -> dict[str, Any]:
        value = _positive(amount, _("amount"), store)
        extra = _positive(bonus, _("bonus"), store) if bonus else ZERO
        if not reason.strip():
            raise InvalidInput(_("Say why the credit is given."), code="reason_required")
        if source not in (Source.GOODWILL, Source.RETURN, Source.PROMOTION, Source.MANUAL):
            raise InvalidInput(_("Unknown source %(source)s.") % {"source": source}, code="invalid_source")
        if limit is not None and value + extra > limit:
            raise OverLimit(_("Your role may give up to %(limit)s at once: ask a lead.") % {"limit": limit})
        if customer.merged_into_id:
            raise Conflict(_("This customer was merged into #%(id)s.") % {"id": customer.merged_into_id})
        money = _currency(store, currency)
        card = _credit_card(customer, money)
        bonus_account = Account.RETURN_BONUS if source == Source.RETURN else Account.GOODWILL
        txn = post(
            store=store,
            kind="credit",
            currency=money,
            legs=[
                Leg(Account.CARD, value + extra, card),
                Leg(_FUNDING[Source(source)], -value),
                Leg(bonus_account, -extra),
            ],
            actor=caller.actor,
            reference=reference,
            memo=reason,
        )
        _audit(store, card, "credited", caller, amount=value, bonus=extra, source=source, reason=reason)
        return {**card_summary(card), "transaction_id": txn.pk}

    return idempotent(store=store, key=idempotency_key, operation="credit", params=params, work=work)


# --- checkout: authorise, capture, void, refund ------------------------------------------


def _usable(card: GiftCard, currency: str) -> None:
    label = _("store credit") if card.kind == Kind.STORE_CREDIT else _("gift card …%(last4)s") % {"last4": card.last4}
    if card.status == CardStatus.DISABLED:
        raise Conflict(_("The %(card)s is disabled.") % {"card": label}, code="card_disabled")
    if _status_now(card) == CardStatus.EXPIRED:
        raise Conflict(_("The %(card)s has expired.") % {"card": label}, code="card_expired")
    if card.currency != currency:
        raise Conflict(
            _("The %(card)s is in %(card_currency)s, the payment in %(currency)s.")
            % {"card": label, "card_currency": card.currency, "currency": currency},
            code="currency_mismatch",
        )


def _card_for(store: Store, tender: Tender, currency: str) -> GiftCard:
    if tender.code and tender.customer_id:
        raise InvalidInput(_("Give a card's code or a customer's id, not both."), code="invalid_tender")
    if tender.code:
        return card_by_code(store=store, code=tender.code)
    if tender.customer_id:
        card = GiftCard.objects.filter(
            store=store, kind=Kind.STORE_CREDIT, customer_id=tender.customer_id, currency=currency
        ).first()
        if card is None:
            raise NotFound(
                _("That customer has no store credit in %(currency)s.") % {"currency": currency}, code="card_not_found"
            )
        return card
    raise InvalidInput(_("Each card needs a code (or a customer's id for store credit)."), code="invalid_tender")


def authorization_summary(auth: Authorization) -> dict[str, Any]:
    holds = list(auth.holds.select_related("card").order_by("position"))
    return {
        "authorization_id": auth.pk,
        "reference": auth.reference,
        "status": auth.status,
        "currency": auth.currency,
        "requested": auth.requested,
        "amount": auth.amount,
        "captured": auth.captured,
        "refunded": auth.refunded,
        "expires_at": auth.expires_at,
        "cards": [
            {
                "card_id": hold.card_id,
                "kind": hold.card.kind,
                "last4": hold.card.last4,
                "amount": hold.amount,
                "captured": hold.captured,
                "refunded": hold.refunded,
                "balance": hold.card.balance,
                "available": hold.card.available,
            }
            for hold in holds
        ],
    }


def gift_card_authorize(
    *,
    store: Store,
    amount: Decimal,
    currency: str,
    tenders: list[Tender],
    caller: Caller,
    idempotency_key: str,
    reference: str = "",
    capture: bool = False,
    buys_gift_cards: bool = False,
    contact: Contact | None = None,
) -> dict[str, Any]:
    """Hold up to ``amount`` on one or more cards, in the order given. Less than ``amount``
    may be held (the cards hold less): the checkout takes the rest another way. With
    ``capture`` the money is taken at once."""
    params = {
        "amount": amount,
        "currency": currency,
        "tenders": [
            {"code": _hash_or_raw(t.code) if t.code else "", "customer_id": t.customer_id, "amount": t.amount}
            for t in tenders
        ],
        "reference": reference,
        "capture": capture,
        "buys_gift_cards": buys_gift_cards,
    }

    def work() -> dict[str, Any]:
        total = _positive(amount, _("amount"), store)
        money = _currency(store, currency)
        if not tenders:
            raise InvalidInput(_("Name at least one card."), code="invalid_tender")
        if len(tenders) > 10:
            raise InvalidInput(_("At most 10 cards can pay for one checkout."), code="invalid_tender")
        found = [(_card_for(store, tender, money), tender) for tender in tenders]
        if len({card.pk for card, _t in found}) != len(found):
            raise InvalidInput(_("The same card is named twice."), code="invalid_tender")
        rules = settings_for(store)
        cards = lock_cards(card.pk for card, _t in found)
        left, allocations = total, []
        for stale, tender in found:
            card = cards[stale.pk]
            _usable(card, money)
            if buys_gift_cards and card.kind == Kind.GIFT_CARD and not rules.card_can_buy_card:
                raise Conflict(_("A gift card cannot pay for another gift card here."), code="cards_cannot_buy_cards")
            wanted = _positive(tender.amount, _("card amount"), store) if tender.amount is not None else None
            if wanted is not None and wanted > card.available:
                raise Conflict(
                    _("The card …%(last4)s has %(available)s left.")
                    % {"last4": card.last4, "available": card.available},
                    code="insufficient_funds",
                )
            take = min(wanted if wanted is not None else card.available, left)
            if take > 0:
                allocations.append(_Allocation(card, take, tender))
                left -= take
            if left == 0:
                break
        if not allocations:
            raise Conflict(_("There is nothing left on these cards."), code="insufficient_funds")
        now = timezone.now()
        auth = Authorization.objects.create(
            store=store,
            reference=reference[:120],
            currency=money,
            requested=total,
            amount=total - left,
            expires_at=now + timedelta(minutes=rules.hold_minutes),
        )
        Hold.objects.bulk_create(
            Hold(authorization=auth, card=a.card, position=i, amount=a.amount) for i, a in enumerate(allocations)
        )
        for allocation in allocations:
            move_held(allocation.card, allocation.amount)
            _audit(store, allocation.card, "authorized", caller, amount=allocation.amount, authorization=auth.pk)
            recipients.first_use(card=allocation.card, contact=contact, actor=caller.actor)
        if capture:
            _capture(store, auth, None, caller)
        return authorization_summary(auth)

    if not buys_gift_cards:
        recorded = _authorize_in_one_call(
            store, amount, currency, tenders, capture, reference, caller, contact, idempotency_key, params
        )
        if recorded is not None:
            return answer(*recorded)
    return idempotent(store=store, key=idempotency_key, operation="authorize", params=params, work=work)


def _authorize_in_one_call(
    store: Store,
    amount: Decimal,
    currency: str,
    tenders: list[Tender],
    capture: bool,
    reference: str,
    caller: Caller,
    contact: Contact | None,
    key: str,
    params: dict[str, Any],
) -> tuple[int, dict[str, Any]] | None:
    """The plain redemption as one database call where the database can do it (:mod:`.fastpath`);
    None for anything that needs the service to look closer, which it then does."""
    key = (key or "").strip()
    money = (currency or "").upper()
    if not key or len(key) > 255 or len(money) != 3 or not money.isalpha() or not 0 < len(tenders) <= 10:
        return None
    if any(not tender.code or tender.customer_id for tender in tenders):
        return None
    try:
        total = to_cents(_positive(amount, _("amount"), store))
        wanted = [None if t.amount is None else to_cents(_positive(t.amount, _("card amount"), store)) for t in tenders]
        hashes = [code_hash(code_normalise(tender.code)) for tender in tenders]
    except InvalidInput:
        return None
    if len(set(hashes)) != len(hashes):
        return None
    recorded = fastpath.authorize(
        store_id=store.pk,
        key=key,
        fingerprint=fingerprint("authorize", params),
        code_hashes=hashes,
        wanted_cents=wanted,
        total_cents=total,
        currency=money,
        capture=capture,
        reference=reference[:120],
        actor=caller.actor[:120],
        client=caller.client[:120],
        now=timezone.now(),
        contact=recipients.contact_record(contact, caller.actor),
    )
    if recorded is None:
        return None
    status, body, first_uses = recorded
    if first_uses:
        recipients.recognise_soon()
    return status, body


def _locked_authorization(store: Store, authorization_id: int) -> tuple[Authorization, list[Hold], dict[int, GiftCard]]:
    auth = Authorization.objects.select_for_update().filter(store=store, pk=authorization_id).first()
    if auth is None:
        raise NotFound(_("No authorisation %(id)s.") % {"id": authorization_id}, code="authorization_not_found")
    holds = list(auth.holds.order_by("position"))
    return auth, holds, lock_cards(h.card_id for h in holds)


def _capture(store: Store, auth: Authorization, amount: Decimal | None, caller: Caller) -> None:
    holds = list(auth.holds.order_by("position"))
    cards = lock_cards(h.card_id for h in holds)
    _capture_locked(store, auth, holds, cards, amount, caller)


def _capture_locked(
    store: Store,
    auth: Authorization,
    holds: list[Hold],
    cards: dict[int, GiftCard],
    amount: Decimal | None,
    caller: Caller,
) -> None:
    if auth.status == AuthorizationStatus.CAPTURED:
        return  # captured already: a second capture takes nothing more
    if auth.status != AuthorizationStatus.HELD:
        raise Conflict(
            _("This authorisation was %(status)s: authorise again.") % {"status": auth.get_status_display().lower()},
            code=f"authorization_{auth.status}",
        )
    total = auth.amount if amount is None else _positive(amount, _("amount"), None)
    if total > auth.amount:
        raise InvalidInput(
            _("Only %(amount)s was authorised.") % {"amount": auth.amount}, code="amount_over_authorized"
        )
    left = total
    for hold in holds:
        card = cards[hold.card_id]
        take = min(hold.amount, left)
        left -= take
        move_held(card, -hold.amount)
        if take:
            post(
                store=store,
                kind="capture",
                currency=auth.currency,
                legs=[Leg(Account.CARD, -take, card), Leg(Account.REDEMPTIONS, take)],
                actor=caller.actor,
                reference=f"authorization:{auth.pk}",
            )
        hold.captured, hold.released = take, True
        hold.save(update_fields=["captured", "released"])
        _audit(store, card, "captured", caller, amount=take, authorization=auth.pk)
    auth.status, auth.captured = AuthorizationStatus.CAPTURED, total
    auth.save(update_fields=["status", "captured", "updated_at"])


def gift_card_capture(
    *, store: Store, authorization_id: int, caller: Caller, idempotency_key: str, amount: Decimal | None = None
) -> dict[str, Any]:
    """Take the held money (or less: the rest is released). Capturing twice takes it once."""

    def work() -> dict[str, Any]:
        auth, holds, cards = _locked_authorization(store, authorization_id)
        _capture_locked(store, auth, holds, cards, amount, caller)
        return authorization_summary(auth)

    return idempotent(
        store=store,
        key=idempotency_key,
        operation="capture",
        params={"authorization_id": authorization_id, "amount": amount},
        work=work,
    )


def _release(
    store: Store, auth: Authorization, holds: list[Hold], cards: dict[int, GiftCard], status: str, caller: Caller
) -> None:
    for hold in holds:
        if not hold.released:
            move_held(cards[hold.card_id], -hold.amount)
            hold.released = True
            hold.save(update_fields=["released"])
            _audit(store, cards[hold.card_id], status, caller, amount=hold.amount, authorization=auth.pk)
    auth.status = status
    auth.save(update_fields=["status", "updated_at"])


def gift_card_void(*, store: Store, authorization_id: int, caller: Caller, idempotency_key: str) -> dict[str, Any]:
    """Release every hold of an authorisation that was not captured."""

    def work() -> dict[str, Any]:
        auth, holds, cards = _locked_authorization(store, authorization_id)
        if auth.status == AuthorizationStatus.CAPTURED:
            raise Conflict(_("This authorisation was captured: refund it instead."), code="authorization_captured")
        if auth.status == AuthorizationStatus.HELD:
            _release(store, auth, holds, cards, AuthorizationStatus.VOIDED, caller)
        return authorization_summary(auth)

    return idempotent(
        store=store, key=idempotency_key, operation="void", params={"authorization_id": authorization_id}, work=work
    )


def gift_card_refund(
    *,
    store: Store,
    authorization_id: int,
    amount: Decimal,
    caller: Caller,
    idempotency_key: str,
    reason: str = "",
) -> dict[str, Any]:
    """Put captured money back onto the cards it came from, the last card used first."""

    def work() -> dict[str, Any]:
        value = _positive(amount, _("amount"), store)
        auth, holds, cards = _locked_authorization(store, authorization_id)
        if auth.status != AuthorizationStatus.CAPTURED:
            raise Conflict(_("Only a captured authorisation can be refunded."), code="authorization_not_captured")
        if value > auth.captured - auth.refunded:
            raise InvalidInput(
                _("At most %(left)s can still be refunded.") % {"left": auth.captured - auth.refunded},
                code="refund_over_captured",
            )
        left = value
        for hold in reversed(holds):
            room = hold.captured - hold.refunded
            take = min(room, left)
            if not take:
                continue
            card = cards[hold.card_id]
            if card.status == CardStatus.DISABLED:
                raise Conflict(
                    _("The card …%(last4)s is disabled: refund another way.") % {"last4": card.last4},
                    code="card_disabled",
                )
            if _status_now(card) == CardStatus.EXPIRED:
                raise Conflict(
                    _("The card …%(last4)s has expired: refund another way.") % {"last4": card.last4},
                    code="card_expired",
                )
            post(
                store=store,
                kind="refund",
                currency=auth.currency,
                legs=[Leg(Account.CARD, take, card), Leg(Account.REFUNDS, -take)],
                actor=caller.actor,
                reference=f"authorization:{auth.pk}",
                memo=reason,
            )
            hold.refunded += take
            hold.save(update_fields=["refunded"])
            _audit(store, card, "refunded", caller, amount=take, authorization=auth.pk, reason=reason)
            left -= take
            if not left:
                break
        auth.refunded += value
        auth.save(update_fields=["refunded", "updated_at"])
        return authorization_summary(auth)

    return idempotent(
        store=store,
        key=idempotency_key,
        operation="refund",
        params={"authorization_id": authorization_id, "amount": amount, "reason": reason},
        work=work,
    )


# --- the card's life: status, expiry, reversal -------------------------------------------


@transaction.atomic
def gift_card_set_status(*, card: GiftCard, status: str, reason: str, caller: Caller) -> GiftCard:
    """Disable a card (lost, fraud) or enable it again. An expired card stays expired."""
    if status not in (CardStatus.ACTIVE, CardStatus.DISABLED):
        raise InvalidInput(_("A card can be enabled or disabled."), code="invalid_status")
    if not reason.strip():
        raise InvalidInput(_("Say why."), code="reason_required")
    card = lock_cards([card.pk])[card.pk]
    if card.status == CardStatus.EXPIRED:
        raise Conflict(_("The card has expired."), code="card_expired")
    if card.status != status:
        card.status = status
        card.save(update_fields=["status", "updated_at"])
        _audit(card.store, card, "enabled" if status == CardStatus.ACTIVE else "disabled", caller, reason=reason)
    return card


def gift_card_expire(*, card_id: int, caller: Caller, now: datetime | None = None) -> bool:
    """Expire a card past its date: what is left on it is breakage. A card with money held
    at a checkout waits until the hold is captured or released."""
    now = now or timezone.now()
    with transaction.atomic():
        card = lock_cards([card_id]).get(card_id)
        if card is None or card.status != CardStatus.ACTIVE or not card.expires_at or card.expires_at > now:
            return False
        if card.held:
            return False
        if card.balance:
            post(
                store=card.store,
                kind="expire",
                currency=card.currency,
                legs=[Leg(Account.CARD, -card.balance, card), Leg(Account.BREAKAGE, card.balance)],
                actor=caller.actor,
                now=now,
            )
        card.status = CardStatus.EXPIRED
        card.save(update_fields=["status", "updated_at"])
        _audit(card.store, card, "expired", caller)
    return True


def authorization_expire(*, authorization_id: int, caller: Caller, now: datetime | None = None) -> bool:
    """Release a hold the checkout never captured nor voided."""
    now = now or timezone.now()
    with transaction.atomic():
        auth = Authorization.objects.select_for_update().filter(pk=authorization_id).first()
        if auth is None or auth.status != AuthorizationStatus.HELD or auth.expires_at > now:
            return False
        holds = list(auth.holds.order_by("position"))
        _release(auth.store, auth, holds, lock_cards(h.card_id for h in holds), AuthorizationStatus.EXPIRED, caller)
    return True


def ledger_reverse(
    *, store: Store, transaction_id: int, reason: str, caller: Caller, idempotency_key: str
) -> dict[str, Any]:
    """Undo an issue, a top-up or a credit given by mistake with the opposite transaction.
    Money a checkout moved is undone by void and refund instead; money already spent from
    the card cannot be taken back."""

    def work() -> dict[str, Any]:
        if not reason.strip():
            raise InvalidInput(_("Say why."), code="reason_required")
        original = LedgerTransaction.objects.select_for_update().filter(store=store, pk=transaction_id).first()
        if original is None:
            raise NotFound(_("No ledger transaction %(id)s.") % {"id": transaction_id}, code="transaction_not_found")
        if original.kind not in REVERSIBLE:
            raise Conflict(
                _("A %(kind)s is undone by a void or a refund, not a reversal.") % {"kind": original.kind},
                code="not_reversible",
            )
        if LedgerTransaction.objects.filter(reverses=original).exists():
            raise Conflict(_("That transaction was reversed already."), code="already_reversed")
        entries = list(original.entries.all())
        cards = lock_cards(e.card_id for e in entries if e.card_id)
        for entry in entries:
            if entry.card_id and cards[entry.card_id].available < entry.amount:
                raise Conflict(
                    _("The card has been spent since: only %(available)s is left on it.")
                    % {"available": cards[entry.card_id].available},
                    code="insufficient_funds",
                )
        txn = post(
            store=store,
            kind="reversal",
            currency=original.currency,
            legs=[Leg(e.account, -e.amount, cards[e.card_id] if e.card_id else None) for e in entries],
            actor=caller.actor,
            reference=original.reference,
            memo=reason,
            reverses=original,
        )
        for card in cards.values():
            _audit(store, card, "reversed", caller, transaction=original.pk, reason=reason)
        return {"transaction_id": txn.pk, "reverses": original.pk, "cards": [card_summary(c) for c in cards.values()]}

    return idempotent(
        store=store,
        key=idempotency_key,
        operation="reverse",
        params={"transaction_id": transaction_id, "reason": reason},
        work=work,
    )


# --- cards bought in an order ------------------------------------------------------------

# What Shopify's product page collects for a gift card sent to someone else.
_PROPERTY = {
    "recipient email": "email",
    "recipient name": "name",
    "recipient phone": "phone",
    "message": "message",
    "send on": "send_on",
    "recipient time zone": "timezone",
    "send by": "channel",
}


def _recipient_of(order: Order, properties: dict[str, str]) -> Recipient:
    given = {_PROPERTY[k.strip().lower()]: v.strip() for k, v in properties.items() if k.strip().lower() in _PROPERTY}
    send_on = None
    if given.get("send_on"):
        try:
            send_on = date.fromisoformat(given["send_on"][:10])
        except ValueError:
            send_on = None
    buyer_name = order.customer.name if order.customer else ""
    if given.get("email") or given.get("phone"):
        return Recipient(
            name=given.get("name", ""),
            email=given.get("email", ""),
            phone=given.get("phone", ""),
            channel=given.get("channel", "").lower(),
            message=given.get("message", "") or order.gift_message,
            sender_name=buyer_name,
            send_on=send_on,
            timezone=given.get("timezone", ""),
            locale=order.locale,
        )
    # Not sent to anyone else: the card goes to the buyer.
    return Recipient(name=buyer_name, email=order.email, phone="" if order.email else order.phone, locale=order.locale)


def order_has_gift_cards(*, gift_cards: bool = True, **_payload: Any) -> bool:
    """Whether a paid order has gift-card lines (the ``order.paid`` payload says so)."""
    return gift_cards


def gift_cards_for_order(*, order_id: int, **_payload: Any) -> list[int]:
    """Issue the cards of an order's gift-card lines (subscribed to ``order.paid``). Each
    unit has its own idempotency key, so a repeated webhook issues nothing twice."""
    order = Order.objects.select_related("store", "customer").filter(pk=order_id).first()
    if order is None:
        return []
    issued = []
    for line in order.lines.filter(is_gift_card=True).order_by("id"):
        paid_each = line.unit_price - (line.total_discount / line.quantity if line.quantity else ZERO)
        for unit in range(line.quantity):
            issue = partial(
                gift_card_issue,
                store=order.store,
                amount=line.unit_price,
                paid=max(paid_each.quantize(CENT), CENT),
                currency=order.currency,
                source=Source.ORDER,
                source_ref=f"{order.name}/{line.platform_id}/{unit + 1}"[:100],
                buyer=order.customer,
                customer=order.customer,
                caller=Caller(f"{order.store.platform}:order"),
            )
            key = f"order-line-{line.pk}-{unit + 1}"
            if order.placed_at < timezone.now() - HISTORY:
                # A backfilled order (an import, the demo): the card is on the ledger, but
                # nobody is messaged about a gift from long ago.
                issued.append(issue(idempotency_key=key, note="issued from order history: not sent")["card_id"])
                continue
            try:
                result = issue(recipient=_recipient_of(order, line.properties), idempotency_key=key)
            except InvalidInput as exc:
                # The card was paid for: issue it undelivered, and say why for an agent to fix.
                log.warning("gift card for %s line %s kept undelivered: %s", order.name, line.platform_id, exc)
                result = issue(idempotency_key=f"{key}-undelivered", note=str(exc))
            issued.append(result["card_id"])
    return issued


# --- balance checks ----------------------------------------------------------------------

# A shopper mistypes now and then; a script trying codes fails all the time.
LOOKUPS_PER_MINUTE = 30  # per client
CARD_LOOKUPS_PER_MINUTE = 10  # per card
FAILED_LOOKUPS = 10  # per client, in FAILED_WINDOW seconds
FAILED_WINDOW = 600


def card_lookup_guarded(*, store: Store, code: str, client: str, checkout: bool = False) -> GiftCard:
    """Find a card for someone outside the store (a storefront call, the public page),
    counting attempts per client and per card, and failures per client: no enumeration.
    A store's ``checkout`` (its server paying with a card a shopper typed) counts failures
    only, per shopper: its successful payments are not a shopper guessing codes, and a busy
    checkout must not be refused after 30 a minute. Call outside a transaction, so a failed
    attempt still counts."""
    failures = f"gc:fail:{store.pk}:{client}"
    rate_check(failures, limit=FAILED_LOOKUPS, per_seconds=FAILED_WINDOW)
    if not checkout:
        rate_hit(f"gc:client:{store.pk}:{client}", limit=LOOKUPS_PER_MINUTE, per_seconds=60)
    try:
        normal = code_normalise(code)
    except InvalidInput:
        rate_hit(failures, limit=FAILED_LOOKUPS, per_seconds=FAILED_WINDOW)
        raise
    if not checkout:
        rate_hit(f"gc:card:{code_hash(normal)}", limit=CARD_LOOKUPS_PER_MINUTE, per_seconds=60)
    try:
        return card_by_code(store=store, code=normal)
    except NotFound:
        rate_hit(failures, limit=FAILED_LOOKUPS, per_seconds=FAILED_WINDOW)
        GiftCardEvent.objects.create(store=store, kind="lookup_failed", actor="lookup", client=client[:120])
        raise


def gift_card_balance(*, store: Store, code: str, caller: Caller, contact: Contact | None = None) -> dict[str, Any]:
    """What is left on a card, for someone who typed its code (rate-limited)."""
    found = card_lookup_guarded(store=store, code=code, client=caller.client)
    return gift_card_viewed(card=found, caller=caller, contact=contact)


def gift_card_viewed(*, card: GiftCard, caller: Caller, contact: Contact | None = None) -> dict[str, Any]:
    """Record that the card's holder looked at it; the first look by its recipient welcomes them."""
    with transaction.atomic():
        locked = lock_cards([card.pk])[card.pk]
        recipients.first_use(card=locked, contact=contact, actor=caller.actor)
        _audit(locked.store, locked, "balance_checked", caller)
    return card_summary(locked)


# --- one person, one credit balance ------------------------------------------------------


def gift_cards_on_merge(*, survivor_id: int, merged_id: int) -> None:
    """Two customers became one (subscribed to ``customer.merged``): their cards follow the
    survivor, and store credit in one currency is moved onto the survivor's by a transfer."""
    with transaction.atomic():
        GiftCard.objects.filter(buyer_id=merged_id).update(buyer_id=survivor_id)
        GiftCard.objects.filter(customer_id=merged_id, kind=Kind.GIFT_CARD).update(customer_id=survivor_id)
        survivor = Customer.objects.select_related("store").get(pk=survivor_id)
        for credit in GiftCard.objects.filter(customer_id=merged_id, kind=Kind.STORE_CREDIT):
            target = _credit_card(survivor, credit.currency)
            cards = lock_cards([credit.pk, target.pk])
            source, target = cards[credit.pk], cards[target.pk]
            if source.held:
                # A checkout holds it: the transfer waits for the next merge-free moment.
                log.warning("store credit %s is held; not moved to customer %s", source.pk, survivor_id)
                continue
            moved = source.balance
            post(
                store=survivor.store,
                kind="transfer",
                currency=source.currency,
                legs=[Leg(Account.CARD, -moved, source), Leg(Account.CARD, moved, target)],
                actor="system:merge",
                memo=f"customer {merged_id} merged into {survivor_id}",
            )
            source.status = CardStatus.DISABLED
            source.save(update_fields=["status", "updated_at"])
            _audit(survivor.store, target, "merged", Caller("system:merge"), amount=moved, merged_card=source.pk)
