"""Writes for returns: a request decided by the store's rules, and every step after it.

One unit of work per call, with the return's row locked, so a double click, a retried API
call or two agents at once cannot approve, receive or pay a return twice. Money leaves only
through the connector's durable, idempotent calls (refunds, exchange and replacement orders)
and the gift-card ledger (store credit, gift cards for recipients), each keyed by the return,
so a repeat does it once.
"""

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.catalog.models import Variant
from stay.catalog.services import inventory_reserve, inventory_return
from stay.core.errors import Conflict, InvalidInput, NotFound
from stay.core.events import publish
from stay.customers.inputs import CustomerInput
from stay.customers.models import Customer
from stay.customers.services import customer_resolve, customer_tag
from stay.giftcards.services import Caller, Recipient, gift_card_issue, store_credit_grant
from stay.loyalty.services import order_points_credited
from stay.orders.models import Order, OrderEvent, OrderLine
from stay.orders.platform import platform_request, refund_check, refund_request
from stay.orders.selectors import line_paid

from . import messages
from .models import (
    OPEN_STATUSES,
    STORE_FAULT,
    TRANSITIONS,
    Condition,
    Outcome,
    Reason,
    Return,
    ReturnLine,
    ReturnPhoto,
    ReturnTransition,
    Status,
    Verdict,
)
from .policy import Decision, Facts, Policy, decide, policy_for

log = logging.getLogger(__name__)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
PHOTO_MAX_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Photo:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Pick:
    """One line of a request: which order line, how many, why, and what the shopper wants."""

    line_id: int
    quantity: int
    reason: str
    outcome: str = ""
    exchange_variant_id: int | None = None
    comment: str = ""
    photos: tuple[Photo, ...] = ()


@dataclass(frozen=True)
class Requester:
    """Who asks. A gift's recipient gives their own name and contact; the buyer is the order's customer."""

    actor: str
    gift: bool = False
    name: str = ""
    email: str = ""
    phone: str = ""
    locale: str = ""
    channel: str = "email"


@dataclass
class Option:
    outcome: str
    value: Decimal  # what the shopper gets (refund, credit) or pays (exchange difference), for the quantity
    bonus: Decimal = ZERO
    fee: Decimal = ZERO


@dataclass
class LinePreview:
    line: OrderLine
    pick: Pick
    decision: Decision
    options: list[Option] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)  # what an exchange can be for, in stock


# --- reading an order for a return --------------------------------------------------------


def shipped_quantities(order: Order) -> dict[int, int]:
    """Units of each line that left the warehouse (what can come back)."""
    shipped: dict[int, int] = {}
    prefetch_related_objects([order], "fulfilments__lines")  # nothing again when already fetched
    for fulfilment in order.fulfilments.all():
        if fulfilment.status in ("cancelled", "failure", "error"):
            continue
        for item in fulfilment.lines.all():
            shipped[item.line_id] = shipped.get(item.line_id, 0) + item.quantity
    if not shipped and order.fulfillment_status == "fulfilled":
        # Some platforms' fulfilments carry no lines: a fulfilled order shipped everything.
        shipped = {line.pk: line.quantity for line in order.lines.all()}
    return shipped


def returned_quantities(*orders: Order, exclude: Return | None = None) -> dict[int, int]:
    """Units of each line of these orders already in a return that is not rejected or
    cancelled (line ids are unique across orders, so one mapping serves them all)."""
    rows = ReturnLine.objects.filter(ret__order__in=orders, ret__status__in=OPEN_STATUSES)
    if exclude is not None:
        rows = rows.exclude(ret=exclude)
    return {r["order_line_id"]: r["n"] for r in rows.values("order_line_id").annotate(n=Sum("quantity"))}


def returnable_quantities(order: Order, *, taken: dict[int, int] | None = None) -> dict[int, int]:
    """Units of each line that can still come back: shipped, less what open returns hold
    (``taken``, when the caller read it for several orders at once)."""
    shipped = shipped_quantities(order)
    taken = returned_quantities(order) if taken is None else taken
    return {line_id: max(0, n - taken.get(line_id, 0)) for line_id, n in shipped.items()}


def delivered_on(order: Order) -> date | None:
    days = [d for f in order.fulfilments.all() if (d := f.delivered_at or f.shipped_at) is not None]
    return timezone.localdate(max(days), order.store.zone) if days else None


@dataclass(frozen=True)
class History:
    orders: int
    returns: int
    no_return_used: int


def customer_history(customer: Customer | None, today: date) -> History:
    if customer is None:
        return History(0, 0, 0)
    year_ago = timezone.now() - timedelta(days=365)
    returns = Return.objects.filter(customer=customer, created_at__gte=year_ago, status__in=OPEN_STATUSES)
    no_return = ReturnLine.objects.filter(ret__in=returns, keep_item=True).exclude(reason=Reason.LOST)
    customer.refresh_from_db(fields=["orders_count"])  # the caller's copy may predate its latest order
    return History(customer.orders_count, returns.count(), no_return.values("ret_id").distinct().count())


def facts_for(order: Order, line: OrderLine, reason: str, *, gift: bool, history: History, today: date) -> Facts:
    product = line.variant.product if line.variant_id and line.variant else None
    return Facts(
        reason=reason,
        unit_value=line_paid(line, 1),
        placed_on=timezone.localdate(order.placed_at, order.store.zone),
        delivered_on=delivered_on(order),
        today=today,
        gift=gift,
        product_tags=frozenset(t.lower() for t in (product.tags if product else [])),
        product_type=product.product_type if product else "",
        sku=line.sku,
        customer_orders=history.orders,
        customer_returns=history.returns,
        no_return_used=history.no_return_used,
    )


def exchange_variants(line: OrderLine) -> list[Variant]:
    """Other sizes and colours of the line's product that are in stock now."""
    if line.variant is None:
        return []
    return list(
        Variant.objects.filter(product_id=line.variant.product_id, deleted_at__isnull=True)
        .exclude(pk=line.variant.pk)
        .filter(Q(inventory_tracked=False) | Q(inventory_quantity__gt=0))
        .order_by("position", "id")
    )


def _percent(amount: Decimal, percent: Decimal) -> Decimal:
    return (amount * percent / 100).quantize(CENT, ROUND_HALF_UP)


def options_for(line: OrderLine, quantity: int, decision: Decision) -> list[Option]:
    paid = line_paid(line, quantity)
    options = []
    for outcome in decision.allowed:
        if outcome == Outcome.REFUND:
            fee = _percent(paid, decision.fee_percent)
            options.append(Option(outcome, paid - fee, fee=fee))
        elif outcome in (Outcome.STORE_CREDIT, Outcome.SHOP_NOW):
            bonus = _percent(paid, decision.bonus_percent)
            options.append(Option(outcome, paid + bonus, bonus=bonus))
        else:  # exchange, replacement: nothing to pay for an even swap
            options.append(Option(outcome, ZERO))
    return options


def _lines_of(order: Order, picks: list[Pick]) -> dict[int, OrderLine]:
    lines = {
        line.pk: line
        for line in OrderLine.objects.filter(order=order, pk__in=[p.line_id for p in picks]).select_related(
            "variant__product"
        )
    }
    for pick in picks:
        if pick.line_id not in lines:
            raise InvalidInput(_("Line %(id)s is not on order %(order)s.") % {"id": pick.line_id, "order": order.name})
    return lines


def _check_picks(order: Order, picks: list[Pick], lines: dict[int, OrderLine], exclude: Return | None = None) -> None:
    if not picks:
        raise InvalidInput(_("Choose at least one item to return."), code="no_items")
    if len({p.line_id for p in picks}) != len(picks):
        raise InvalidInput(_("Each item may be listed once."), code="duplicate_line")
    shipped, taken = shipped_quantities(order), returned_quantities(order, exclude=exclude)
    for pick in picks:
        line = lines[pick.line_id]
        if pick.reason not in Reason.values:
            raise InvalidInput(
                _("Reason must be one of: %(reasons)s.") % {"reasons": ", ".join(Reason.values)}, code="invalid_reason"
            )
        if line.is_gift_card:
            raise InvalidInput(_("Gift cards cannot be returned."), code="not_returnable")
        # What shipped can come back (or, for a lost parcel, be claimed), less other returns.
        left = shipped.get(line.pk, 0) - taken.get(line.pk, 0)
        if pick.quantity < 1 or pick.quantity > left:
            raise InvalidInput(
                _("%(title)s: you can return between 1 and %(max)s.") % {"title": line.title, "max": max(left, 0)}
                if left > 0
                else _("%(title)s has not shipped or is already being returned.") % {"title": line.title},
                code="invalid_quantity",
            )


class ReturnRefused(Conflict):
    """The store's rules refuse every line asked for: nothing was created."""

    def __init__(self, message: str):
        super().__init__(message, code="return_refused")


def refusal_text(decision: Decision) -> str:
    """Why the rules refuse a line, in the shopper's words (never the rule's internal name)."""
    reason = messages.reason_text(explanation=decision.explanation, code=decision.code, deadline=decision.deadline)
    return reason or _("This item cannot be returned.")


def return_preview(
    *, order: Order, picks: list[Pick], gift: bool, customer: Customer | None = None, today: date | None = None
) -> list[LinePreview]:
    """What each picked line may get under the store's rules, with values; writes nothing."""
    today = today or timezone.localdate(timezone.now(), order.store.zone)
    lines = _lines_of(order, picks)
    _check_picks(order, picks, lines)
    policy = policy_for(order.store)
    history = customer_history(customer or order.customer, today)
    return [_preview_line(policy, order, lines[p.line_id], p, gift, history, today) for p in picks]


def _preview_line(
    policy: Policy, order: Order, line: OrderLine, pick: Pick, gift: bool, history: History, today: date
) -> LinePreview:
    decision = decide(policy, facts_for(order, line, pick.reason, gift=gift, history=history, today=today))
    variants = exchange_variants(line) if Outcome.EXCHANGE in decision.allowed else []
    if not variants and Outcome.EXCHANGE in decision.allowed:
        decision.allowed.remove(Outcome.EXCHANGE)  # nothing else in stock to swap for
    return LinePreview(line, pick, decision, options_for(line, pick.quantity, decision), variants)


# --- the request --------------------------------------------------------------------------


def _requester_customer(order: Order, who: Requester) -> Customer:
    if not who.gift:
        if order.customer is None:
            raise InvalidInput(_("This order has no customer to return it."), code="no_customer")
        return order.customer
    if not (who.email or who.phone):
        raise InvalidInput(
            _("As the gift's recipient, give your email or phone so we can send your label and credit."),
            code="contact_required",
        )
    customer = customer_resolve(
        store=order.store,
        data=CustomerInput(email=who.email, phone=who.phone, name=who.name, locale=who.locale),
        actor=who.actor,
    )
    if order.customer_id and customer.pk == order.customer_id:
        return customer  # the buyer using the gift receipt themselves
    customer_tag(customer=customer, tag="gift recipient", actor=who.actor)
    return customer


def _chosen_outcome(preview: LinePreview, override: bool, gift: bool) -> str:
    pick, decision = preview.pick, preview.decision
    outcome = pick.outcome or (Outcome.REPLACEMENT if decision.replace_now else "")
    if not outcome:
        outcome = decision.allowed[0] if decision.allowed else ""
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Outcome must be one of: %(outcomes)s.") % {"outcomes": ", ".join(Outcome.values)}, code="invalid_outcome"
        )
    if decision.verdict != Verdict.REFUSED and outcome not in decision.allowed and not override:
        raise InvalidInput(
            _("%(title)s: %(outcome)s is not offered; choose one of %(allowed)s.")
            % {"title": preview.line.title, "outcome": outcome, "allowed": ", ".join(decision.allowed) or "—"},
            code="outcome_not_allowed",
        )
    if outcome == Outcome.REFUND and gift:
        raise InvalidInput(_("A gift's recipient gets store credit or an exchange, not a refund."), code="gift_refund")
    return outcome


def _exchange_variant(preview: LinePreview, outcome: str) -> Variant | None:
    if outcome != Outcome.EXCHANGE:
        return None
    line, wanted = preview.line, preview.pick.exchange_variant_id
    if wanted is None:
        raise InvalidInput(
            _("%(title)s: choose the size or colour to exchange for.") % {"title": line.title}, code="variant_required"
        )
    variant = Variant.objects.filter(pk=wanted, deleted_at__isnull=True).first()
    if (
        variant is None
        or line.variant is None
        or variant.product_id != line.variant.product_id
        or variant.pk == line.variant_id
    ):
        raise InvalidInput(
            _("%(title)s can be exchanged only for another size or colour of the same product.")
            % {"title": line.title},
            code="invalid_variant",
        )
    return variant


def _photos(pick: Pick, required: bool, title: str) -> None:
    if required and not pick.photos:
        raise InvalidInput(_("%(title)s: add a photo of the problem.") % {"title": title}, code="photos_required")
    for photo in pick.photos:
        if photo.content_type not in PHOTO_TYPES:
            raise InvalidInput(_("Photos must be JPEG, PNG, WebP or HEIC images."), code="invalid_photo")
        if len(photo.content) > PHOTO_MAX_BYTES:
            raise InvalidInput(_("Each photo may be at most 8 MB."), code="invalid_photo")


def return_request(
    *,
    order: Order,
    picks: list[Pick],
    requester: Requester,
    idempotency_key: str = "",
    override: bool = False,
    note: str = "",
    today: date | None = None,
    user: AbstractBaseUser | None = None,
) -> tuple[Return, bool]:
    """Ask to return ``picks`` of ``order``. The store's rules decide each line; a request
    they allow is approved at once (its label issued, exchanges and replacements ordered);
    one they leave to an agent waits as requested; one they refuse is kept as rejected, with
    the rule that refused it. ``override`` (agents only) sets the rules aside. ``user``: the
    agent asking, whose refund limits an approval at once must respect (None: the shopper).
    Returns ``(return, created)``: the same ``idempotency_key`` returns the first return."""
    if idempotency_key:
        found = Return.objects.filter(store=order.store, idempotency_key=idempotency_key).first()
        if found is not None:
            return found, False
    try:
        with transaction.atomic():
            return _request(order, picks, requester, idempotency_key, override, note, today, user), True
    except IntegrityError:
        found = (
            Return.objects.filter(store=order.store, idempotency_key=idempotency_key).first()
            if idempotency_key
            else None
        )
        if found is None:
            raise
        return found, False


def _request(
    order: Order,
    picks: list[Pick],
    requester: Requester,
    key: str,
    override: bool,
    note: str,
    today: date | None,
    user: AbstractBaseUser | None,
) -> Return:
    order = (
        Order.objects.select_for_update(of=("self",)).select_related("store", "customer").get(pk=order.pk)
    )  # one return at a time
    customer = _requester_customer(order, requester)
    previews = return_preview(order=order, picks=picks, gift=requester.gift, customer=customer, today=today)
    if not override:
        # What the rules refuse is not created: the shopper and the agent saw the decision in
        # the preview; only an agent with the right overrides it, and the return says so.
        refused = [p for p in previews if p.decision.verdict == Verdict.REFUSED]
        if len(refused) == len(previews):
            raise ReturnRefused(" ".join(f"{p.line.title}: {refusal_text(p.decision)}" for p in refused))
        previews = [p for p in previews if p.decision.verdict != Verdict.REFUSED]
    verdicts = {p.decision.verdict for p in previews}
    verdict = Verdict.REVIEW if not override and Verdict.REVIEW in verdicts else Verdict.ALLOWED
    deciding = next((p for p in previews if p.decision.verdict == verdict), previews[0])
    ret = Return.objects.create(
        store=order.store,
        order=order,
        customer=customer,
        verdict=verdict,
        rule=(_("overridden by %(actor)s") % {"actor": requester.actor}) if override else deciding.decision.rule,
        is_gift=requester.gift,
        channel=requester.channel or "email",
        locale=requester.locale or customer.locale or order.locale or order.store.default_locale,
        overridden_by=requester.actor if override else "",
        idempotency_key=key or None,
        requested_by=requester.actor,
        note=note,
    )
    ret.number = f"R{100000 + ret.pk}"
    for preview in previews:
        decision = preview.decision
        outcome = _chosen_outcome(preview, override, requester.gift)
        variant = _exchange_variant(preview, outcome)
        _photos(preview.pick, decision.require_photos and not override, preview.line.title)
        line = ReturnLine.objects.create(
            ret=ret,
            order_line=preview.line,
            quantity=preview.pick.quantity,
            reason=preview.pick.reason,
            comment=preview.pick.comment[:500],
            verdict=Verdict.ALLOWED if override else decision.verdict,
            rule=decision.rule,
            why={**decision.why, "code": decision.code, "explanation": decision.explanation},
            allowed=list(decision.allowed),
            outcome=outcome,
            exchange_variant=variant,
            value=line_paid(preview.line, preview.pick.quantity),
            bonus_percent=decision.bonus_percent,
            fee_percent=decision.fee_percent,
            keep_item=decision.keep_item or (outcome == Outcome.REPLACEMENT and decision.replace_now),
            deadline=decision.deadline,
        )
        for photo in preview.pick.photos:
            stored = ReturnPhoto(line=line, content_type=photo.content_type, size=len(photo.content))
            stored.file.save(photo.filename[:100] or "photo", ContentFile(photo.content), save=False)
            stored.save()
        if variant is not None:
            if not inventory_reserve(
                variant=variant, quantity=line.quantity, reason=f"exchange {ret.number}", actor=requester.actor
            ):
                raise Conflict(
                    _("%(variant)s has just sold out: choose another size or colour.") % {"variant": variant},
                    code="out_of_stock",
                )
            line.reserved = line.quantity
            line.save(update_fields=["reserved"])
    ret.save(update_fields=["number"])
    _record(ret, "", Status.REQUESTED, requester.actor, verdict=verdict, rule=ret.rule)
    OrderEvent.objects.create(
        order=order, kind="return_requested", actor=requester.actor, data={"return": ret.number, "verdict": verdict}
    )
    if verdict == Verdict.ALLOWED:
        _approve(ret, requester.actor, user)
    else:
        messages.tell(ret, "review")
        messages.ask_agent(ret)
    publish("return.changed", return_id=ret.pk)
    return ret


# --- the state machine --------------------------------------------------------------------


def _record(ret: Return, from_status: str, to_status: str, actor: str, **data: Any) -> None:
    ReturnTransition.objects.create(
        ret=ret, kind="status", actor=actor, from_status=from_status, to_status=to_status, data=data
    )


def _move(ret: Return, to: str, actor: str, **data: Any) -> None:
    if to not in TRANSITIONS[ret.status]:
        raise Conflict(
            _("Return %(number)s is %(status)s: it cannot become %(to)s.")
            % {"number": ret.number, "status": ret.get_status_display(), "to": Status(to).label},
            code="invalid_transition",
        )
    before = ret.status
    ret.status = to
    if to == Status.RESOLVED:
        ret.resolved_at = timezone.now()
    ret.save(update_fields=["status", "resolved_at", "updated_at"])
    _record(ret, before, to, actor, **data)


def _locked(ret: Return | int) -> Return:
    pk = ret if isinstance(ret, int) else ret.pk
    found = (
        Return.objects.select_for_update(of=("self",))
        .filter(pk=pk)
        .select_related("store", "order", "customer")
        .first()
    )
    if found is None:
        raise NotFound(_("No return %(id)s.") % {"id": pk})
    return found


def _call(ret: Return, action: str, key: str, params: dict[str, Any], actor: str, kind: str, **extra: Any) -> None:
    call = platform_request(
        store=ret.store,
        action=action,
        params=params,
        idempotency_key=f"return:{ret.pk}:{key}",
        requested_by=actor,
        order=ret.order,
        conversation_id=ret.conversation_id,
    )
    ret.resolution = [*ret.resolution, {"kind": kind, "call": call.id, **extra}]
    ret.save(update_fields=["resolution", "updated_at"])


def _order_params(ret: Return, items: list[dict[str, Any]], kind: str, pending: bool) -> dict[str, Any]:
    order = ret.order
    return {
        "line_items": items,
        "email": (_contact(ret.customer, "email") or order.email) if ret.is_gift else order.email,
        "shipping_address": order.shipping_address if not ret.is_gift else None,
        "note": _("%(kind)s for %(order)s, return %(number)s")
        % {"kind": kind, "order": order.name, "number": ret.number},
        "tags": [kind, f"return:{ret.number}", f"for:{order.name}"],
        "financial_status": "pending" if pending else "paid",
        "currency": order.currency,
    }


def _approve(ret: Return, actor: str, user: AbstractBaseUser | None = None) -> None:
    """Approved: order exchanges and replacements now, pay shop-now credit now, then issue the
    label, or resolve at once when nothing comes back. A ``user`` approving it must be allowed
    its refunds (the rules approving it: only the order's money bounds them)."""
    if user is not None:
        _refund_check(ret, user)
    _move(ret, Status.APPROVED, actor)
    lines = list(ret.lines.select_related("order_line", "exchange_variant").exclude(verdict=Verdict.REFUSED))
    exchanges = [ln for ln in lines if ln.outcome == Outcome.EXCHANGE and ln.exchange_variant]
    if exchanges:
        items, charge = [], ZERO
        for ln in exchanges:
            variant = ln.exchange_variant
            assert variant is not None
            difference = max(variant.price - ln.order_line.unit_price, ZERO)
            charge += difference * ln.quantity
            items.append({"variant_id": variant.platform_id, "quantity": ln.quantity, "price": str(difference)})
        _call(
            ret,
            "create_order",
            "exchange",
            _order_params(ret, items, "exchange", charge > 0),
            actor,
            "exchange_order",
            charge=str(charge),
        )
        OrderEvent.objects.create(order=ret.order, kind="exchange_requested", actor=actor, data={"return": ret.number})
    replacements = [ln for ln in lines if ln.outcome == Outcome.REPLACEMENT]
    if replacements:
        items = [
            {"variant_id": ln.order_line.variant_platform_id, "quantity": ln.quantity, "price": "0.00"}
            for ln in replacements
            if ln.order_line.variant_platform_id
        ]
        if not items:
            raise Conflict(_("The items are no longer sold: choose another outcome."), code="not_replaceable")
        reasons = sorted({ln.get_reason_display() for ln in replacements})
        params = _order_params(ret, items, "replacement", False)
        params["note"] = f"{params['note']}: {', '.join(str(r) for r in reasons)}"
        _call(
            ret,
            "create_order",
            "replacement",
            params,
            actor,
            "replacement_order",
            reason=", ".join(str(r) for r in reasons),
        )
        OrderEvent.objects.create(
            order=ret.order,
            kind="replacement_requested",
            actor=actor,
            data={"return": ret.number, "reason": ", ".join(str(r) for r in reasons)},
        )
    # Shop-now credit is given before anything comes back, so the shopper can buy at once.
    value, bonus = _value([ln for ln in lines if ln.outcome == Outcome.SHOP_NOW], lambda ln: ln.quantity)
    _credit(ret, value, bonus, "shopnow", actor, _reason(ret))
    if ret.needs_return:
        _move(ret, Status.LABEL_ISSUED, actor)
        messages.tell(ret, "label")
    else:
        _resolve(ret, actor, user)


def _counted(ln: ReturnLine) -> int:
    """Units a line is paid for at resolution: all of a kept item, else what arrived."""
    return ln.quantity if ln.keep_item else ln.received_quantity


def _value(lines: list[ReturnLine], units: Any) -> tuple[Decimal, Decimal]:
    """What ``units(line)`` of each line were paid, and the credit bonus on that."""
    value = bonus = ZERO
    for ln in lines:
        paid = line_paid(ln.order_line, units(ln))
        value += paid
        bonus += _percent(paid, ln.bonus_percent)
    return value, bonus


def _contact(customer: Customer, kind: str) -> str:
    return customer.identities.filter(kind=kind).values_list("value", flat=True).first() or ""


def _credit(ret: Return, value: Decimal, bonus: Decimal, key: str, actor: str, reason: str) -> None:
    """Give ``value`` plus ``bonus``: store credit to the buyer, a gift card in a gift's
    recipient's name (sent to them; the buyer's money never goes back to the buyer's card)."""
    if value <= 0:
        return
    caller = Caller(actor, "returns")
    if ret.is_gift:
        email, phone = _contact(ret.customer, "email"), _contact(ret.customer, "phone")
        result = gift_card_issue(
            store=ret.store,
            amount=value + bonus,
            paid=value,
            caller=caller,
            idempotency_key=f"return:{ret.pk}:{key}",
            currency=ret.order.currency,
            source="return",
            source_ref=ret.number or "",
            customer=ret.customer,
            recipient=Recipient(
                name=ret.customer.name,
                email=email,
                phone=phone,
                locale=ret.locale,
                channel=ret.channel if (email or phone) else "",
                sender_name=ret.store.name,
                message=reason,
            ),
            note=reason,
        )
        kind = "gift_card"
    else:
        result = store_credit_grant(
            customer=ret.customer,
            amount=value,
            bonus=bonus,
            reason=reason,
            caller=caller,
            idempotency_key=f"return:{ret.pk}:{key}",
            source="return",
            currency=ret.order.currency,
            reference=ret.number or "",
        )
        kind = "store_credit"
    ret.resolution = [
        *ret.resolution,
        {"kind": kind, "card": result["card_id"], "amount": str(value), "bonus": str(bonus), "key": key},
    ]
    ret.save(update_fields=["resolution", "updated_at"])
    # Money given back as credit takes its share of the order's loyalty points, as a refund does.
    order_points_credited(order_id=ret.order_id, amount=value, key=f"return:{ret.pk}:{key}")


def _reason(ret: Return) -> str:
    return _("Return %(number)s of order %(order)s") % {"number": ret.number, "order": ret.order.name}


def _resolve(ret: Return, actor: str, user: AbstractBaseUser | None = None) -> None:
    """Pay what is owed for the lines that came back (or were kept): refunds through the
    connector, credit and gift cards on the ledger, an exchange's price difference."""
    lines = [
        ln
        for ln in ret.lines.select_related("order_line", "exchange_variant").exclude(verdict=Verdict.REFUSED)
        if _counted(ln)
    ]
    refund_items, refund_total = [], ZERO
    for ln in lines:
        if ln.outcome == Outcome.REFUND:
            paid = line_paid(ln.order_line, _counted(ln))
            refund_total += paid - _percent(paid, ln.fee_percent)
            refund_items.append(
                {"line_item_id": ln.order_line.platform_id, "quantity": _counted(ln), "restock_type": "no_restock"}
            )
    # An exchange for something cheaper gives the difference back.
    owed_back = sum(
        (
            max(ln.order_line.unit_price - ln.exchange_variant.price, ZERO) * _counted(ln)
            for ln in lines
            if ln.outcome == Outcome.EXCHANGE and ln.exchange_variant
        ),
        ZERO,
    )
    if ret.is_gift:  # a gift's recipient gets the difference on a card, never the buyer's money
        _credit(ret, owed_back, ZERO, "difference", actor, _reason(ret))
    else:
        refund_total += owed_back
    if refund_total > 0:
        # Checked against what is left on the order (other refunds requested included) and,
        # when a person resolves it, their limits; it counts toward their day's refunds.
        call = refund_request(
            order=ret.order,
            amount=refund_total,
            line_items=refund_items,
            note=_("Return %(number)s") % {"number": ret.number},
            idempotency_key=f"return:{ret.pk}:refund",
            requested_by=actor,
            user=user,
            conversation_id=ret.conversation_id,
        )
        ret.resolution = [*ret.resolution, {"kind": "refund", "call": call.id, "amount": str(refund_total)}]
        ret.save(update_fields=["resolution", "updated_at"])
    value, bonus = _value([ln for ln in lines if ln.outcome == Outcome.STORE_CREDIT], _counted)
    _credit(ret, value, bonus, "credit", actor, _reason(ret))
    _move(ret, Status.RESOLVED, actor)
    OrderEvent.objects.create(
        order=ret.order, kind="return_resolved", actor=actor, data={"return": ret.number, "resolution": ret.resolution}
    )
    messages.tell(ret, "resolved")


def _release(ret: Return, actor: str) -> None:
    """Put back what the return's exchanges had reserved."""
    for ln in ret.lines.select_related("exchange_variant").filter(reserved__gt=0):
        assert ln.exchange_variant is not None
        inventory_return(
            variant=ln.exchange_variant, quantity=ln.reserved, reason=f"released {ret.number}", actor=actor
        )
        ln.reserved = 0
        ln.save(update_fields=["reserved"])


def _refund_check(ret: Return, user: AbstractBaseUser) -> None:
    """Raise unless ``user`` may approve ``ret``'s refunds: the refund check every path makes
    (what is left on the order, the agent's limits at once, per order, per day)."""
    owed = sum(
        (ln.value for ln in ret.lines.all() if ln.outcome == Outcome.REFUND and ln.verdict != Verdict.REFUSED),
        ZERO,
    )
    if owed > 0:
        refund_check(order=ret.order, amount=owed, user=user)


@transaction.atomic
def return_approve(*, ret: Return | int, actor: str, user: AbstractBaseUser | None = None) -> Return:
    locked = _locked(ret)
    if locked.status != Status.REQUESTED:
        _move(locked, Status.APPROVED, actor)  # raises the clear error
    _approve(locked, actor, user)
    publish("return.changed", return_id=locked.pk)
    return locked


@transaction.atomic
def return_reject(*, ret: Return | int, actor: str, reason: str) -> Return:
    if not reason.strip():
        raise InvalidInput(_("Say why the return is rejected: the shopper is told."), code="reason_required")
    locked = _locked(ret)
    _move(locked, Status.REJECTED, actor, note=reason)
    _release(locked, actor)
    locked.note = reason
    locked.save(update_fields=["note", "updated_at"])
    messages.tell(locked, "rejected")
    publish("return.changed", return_id=locked.pk)
    return locked


@transaction.atomic
def return_cancel(*, ret: Return | int, actor: str, reason: str = "") -> Return:
    locked = _locked(ret)
    ordered = any(r["kind"] in ("exchange_order", "replacement_order") for r in locked.resolution)
    _move(locked, Status.CANCELLED, actor, note=reason)
    if not ordered:
        _release(locked, actor)
    messages.tell(locked, "cancelled")
    publish("return.changed", return_id=locked.pk)
    return locked


@transaction.atomic
def return_in_transit(*, ret: Return | int, actor: str, tracking: str = "") -> Return:
    locked = _locked(ret)
    _move(locked, Status.IN_TRANSIT, actor, tracking=tracking)
    return locked


@dataclass(frozen=True)
class Received:
    line_id: int
    quantity: int
    condition: str


@transaction.atomic
def return_receive(
    *,
    ret: Return | int,
    items: list[Received],
    actor: str,
    resolve: bool = True,
    user: AbstractBaseUser | None = None,
) -> Return:
    """The warehouse opened the parcel: ``items`` came back in these conditions. Good items go
    back to stock (here and on the platform); the return is inspected, then resolved unless an
    item came back damaged for a reason that is not the store's fault (an agent decides)."""
    locked = _locked(ret)
    if locked.status not in (Status.APPROVED, Status.LABEL_ISSUED, Status.IN_TRANSIT):
        _move(locked, Status.RECEIVED, actor)  # raises the clear error
    lines = {ln.pk: ln for ln in locked.lines.select_related("order_line__variant").exclude(verdict=Verdict.REFUSED)}
    if not items:
        raise InvalidInput(_("Say which items arrived."), code="no_items")
    for item in items:
        ln = lines.get(item.line_id)
        if ln is None:
            raise InvalidInput(_("Line %(id)s is not on this return.") % {"id": item.line_id}, code="invalid_line")
        if item.condition not in Condition.values:
            raise InvalidInput(
                _("Condition must be one of: %(values)s.") % {"values": ", ".join(Condition.values)},
                code="invalid_condition",
            )
        if not 0 <= item.quantity <= ln.quantity - ln.received_quantity:
            raise InvalidInput(
                _("%(title)s: between 0 and %(max)s can arrive.")
                % {"title": ln.order_line.title, "max": ln.quantity - ln.received_quantity},
                code="invalid_quantity",
            )
        ln.received_quantity += item.quantity
        ln.condition = item.condition
        if item.condition == Condition.RESELLABLE and item.quantity and ln.order_line.variant:
            variant = ln.order_line.variant
            inventory_return(variant=variant, quantity=item.quantity, reason=f"return {locked.number}", actor=actor)
            ln.restocked += item.quantity
            level = variant.levels.order_by("id").first()
            if level is not None and variant.inventory_item_id:
                _call(
                    locked,
                    "adjust_inventory",
                    f"restock:{ln.pk}:{ln.restocked}",
                    {
                        "inventory_item_id": variant.inventory_item_id,
                        "location_id": level.location_id,
                        "delta": item.quantity,
                    },
                    actor,
                    "restock",
                    line=ln.pk,
                    quantity=item.quantity,
                )
        ln.save(update_fields=["received_quantity", "condition", "restocked"])
    _move(locked, Status.RECEIVED, actor, items=[[i.line_id, i.quantity, i.condition] for i in items])
    _move(locked, Status.INSPECTED, actor)
    messages.tell(locked, "received")
    doubtful = any(ln.condition == Condition.DAMAGED and ln.reason not in STORE_FAULT for ln in lines.values())
    if resolve and not doubtful:
        _resolve(locked, actor, user)
    elif doubtful:
        messages.ask_agent(locked, _("An item came back damaged: decide the resolution."))
    publish("return.changed", return_id=locked.pk)
    return locked


@transaction.atomic
def return_resolve(*, ret: Return | int, actor: str, user: AbstractBaseUser | None = None) -> Return:
    locked = _locked(ret)
    if locked.status != Status.INSPECTED and not (locked.status == Status.APPROVED and not locked.needs_return):
        _move(locked, Status.RESOLVED, actor)  # raises the clear error
    _resolve(locked, actor, user)
    publish("return.changed", return_id=locked.pk)
    return locked


@transaction.atomic
def return_line_change(
    *, ret: Return | int, line_id: int, outcome: str, actor: str, exchange_variant_id: int | None = None
) -> Return:
    """An agent changes what a line gets, before the return is approved (overriding the rules)."""
    locked = _locked(ret)
    if locked.status != Status.REQUESTED:
        raise Conflict(
            _("Return %(number)s is %(status)s: outcomes can be changed only before it is approved.")
            % {"number": locked.number, "status": locked.get_status_display()},
            code="invalid_transition",
        )
    line = locked.lines.select_related("order_line__variant", "exchange_variant").filter(pk=line_id).first()
    if line is None:
        raise InvalidInput(_("Line %(id)s is not on this return.") % {"id": line_id}, code="invalid_line")
    if outcome not in Outcome.values:
        raise InvalidInput(
            _("Outcome must be one of: %(outcomes)s.") % {"outcomes": ", ".join(Outcome.values)}, code="invalid_outcome"
        )
    if locked.is_gift and outcome == Outcome.REFUND:
        raise InvalidInput(_("A gift's recipient gets store credit or an exchange, not a refund."), code="gift_refund")
    before = (line.outcome, line.exchange_variant_id)
    if line.reserved and line.exchange_variant:
        inventory_return(
            variant=line.exchange_variant, quantity=line.reserved, reason=f"changed {locked.number}", actor=actor
        )
        line.reserved = 0
    preview = LinePreview(
        line.order_line,
        Pick(line.order_line_id, line.quantity, line.reason, outcome, exchange_variant_id),
        Decision(verdict=Verdict.ALLOWED, rule="", code="ok", allowed=list(Outcome.values), deadline=None),
    )
    variant = _exchange_variant(preview, outcome)
    if variant is not None:
        if not inventory_reserve(
            variant=variant, quantity=line.quantity, reason=f"exchange {locked.number}", actor=actor
        ):
            raise Conflict(_("%(variant)s is out of stock.") % {"variant": variant}, code="out_of_stock")
        line.reserved = line.quantity
    line.outcome, line.exchange_variant, line.verdict = outcome, variant, Verdict.ALLOWED
    line.keep_item = line.keep_item and outcome != Outcome.EXCHANGE
    line.save(update_fields=["outcome", "exchange_variant", "reserved", "verdict", "keep_item"])
    locked.overridden_by = actor
    locked.save(update_fields=["overridden_by", "updated_at"])
    ReturnTransition.objects.create(
        ret=locked,
        kind="outcome_changed",
        actor=actor,
        data={"line": line.pk, "from": list(before), "to": [outcome, exchange_variant_id]},
    )
    return locked


def return_get(*, store: Any, return_id: int) -> Return:
    found = Return.objects.filter(store=store, pk=return_id).select_related("order", "customer", "store").first()
    if found is None:
        raise NotFound(_("No return %(id)s.") % {"id": return_id})
    return found


def return_by_number(*, store: Any, number: str) -> Return:
    cleaned = number.strip().upper()
    found = Return.objects.filter(store=store, number=cleaned).select_related("order", "customer", "store").first()
    if found is None:
        raise NotFound(_("No return numbered %(number)s.") % {"number": cleaned or "—"})
    return found
