"""Reads for returns: finding an order in the portal, what a stored line may get, and reports."""

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import batched, hot_cursor, in_lists
from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.core.ratelimit import rate_hit
from stay.orders.models import Order, OrderLine
from stay.orders.selectors import numbered
from stay.recommendations.serving import Pick, fits_too, size_of

from .models import OPEN_STATUSES, Outcome, Reason, Return, ReturnLine, Status, Verdict
from .policy import Decision, decide, policy_for
from .receipts import order_of_receipt
from .services import (
    History,
    Option,
    delivered_on,
    facts_for,
    options_for,
    returnable_quantities,
    returned_quantities,
)

ZERO = Decimal("0.00")
# A client may try this many look-ups in 10 minutes, and one order number this many in an hour.
LOOKUPS_PER_CLIENT = 10
LOOKUPS_PER_ORDER = 10


def _postcode(value: str) -> str:
    return "".join(ch for ch in value.upper() if ch.isalnum())


def _matches(order: Order, secret: str) -> bool:
    secret = secret.strip()
    if not secret:
        return False
    if "@" in secret:
        return bool(order.email) and order.email.lower() == secret.lower()
    wanted = _postcode(secret)
    for address in (order.shipping_address, order.billing_address):
        if address and wanted and _postcode(str(address.get("zip") or "")) == wanted:
            return True
    return False


def order_lookup(*, store: Store, number: str, secret: str) -> Order | None:
    """The order numbered ``number`` whose email or postcode is ``secret``, or ``None`` (the
    same answer whether the order is missing or the secret wrong)."""
    number = number.strip().lstrip("#")
    if not number:
        return None
    candidates = numbered(Order.objects.filter(store=store), number)
    return next((o for o in candidates[:5] if _matches(o, secret)), None)


def portal_lookup(*, store: Store, client: str, number: str = "", secret: str = "", receipt: str = "") -> Order | None:
    """The portal's look-up, rate-limited per client and per order number. Raises
    :class:`RateLimited` past the limits and :class:`InvalidInput` for a code with a typo."""
    rate_hit(f"returns:lookup:{store.pk}:{client}", limit=LOOKUPS_PER_CLIENT, per_seconds=600)
    if receipt.strip():
        return order_of_receipt(store=store, raw=receipt)
    if not number.strip() or not secret.strip():
        raise InvalidInput(_("Enter the order number and the email or postcode it was sent to."))
    rate_hit(f"returns:order:{store.pk}:{number.strip().lstrip('#')}", limit=LOOKUPS_PER_ORDER, per_seconds=3600)
    return order_lookup(store=store, number=number, secret=secret)


def line_options(line: ReturnLine) -> list[Option]:
    """What a stored line may get, valued as when it was decided."""
    decision = Decision(
        verdict=line.verdict,
        rule=line.rule,
        code=line.why.get("code", ""),
        allowed=list(line.allowed),
        deadline=line.deadline,
        bonus_percent=line.bonus_percent,
        fee_percent=line.fee_percent,
    )
    return options_for(line.order_line, line.quantity, decision)


def returns_of_order(order: Order) -> QuerySet[Return]:
    return Return.objects.filter(order=order).prefetch_related("lines__order_line").order_by("-created_at")


def returns_of_customer(*, customer_id: int, limit: int = 10) -> list[Return]:
    return list(
        Return.objects.filter(Q(customer_id=customer_id) | Q(order__customer_id=customer_id))
        .select_related("order")
        .prefetch_related("lines__order_line", "lines__exchange_variant")
        .order_by("-created_at")[:limit]
    )


def return_list(*, store: Store, status: str = "", order_id: int | None = None) -> QuerySet[Return]:
    returns = Return.objects.filter(store=store).select_related("order", "customer")
    if status:
        if status not in Status.values:
            raise InvalidInput(_("Status must be one of: %(values)s.") % {"values": ", ".join(Status.values)})
        returns = returns.filter(status=status)
    if order_id is not None:
        returns = returns.filter(order_id=order_id)
    return returns.order_by("-created_at", "-id")


def _share(counts: dict[str, int]) -> dict[str, dict[str, Any]]:
    total = sum(counts.values())
    return {k: {"count": v, "share": round(v / total, 4) if total else 0.0} for k, v in counts.items()}


def returns_report(*, store: Store, since: datetime, until: datetime) -> dict[str, Any]:
    """Return rate by product and variant (units returned / units sold in orders placed in the
    period), reasons, the share of each outcome, revenue kept (exchanges and credit instead of
    refunds) and the average time from request to resolution."""
    if until <= since:
        raise InvalidInput(_("'until' must be after 'since'."))
    sold = (
        OrderLine.objects.filter(
            order__store=store,
            order__placed_at__gte=since,
            order__placed_at__lt=until,
            order__cancelled_at__isnull=True,
        )
        .exclude(is_gift_card=True)
        .values("product_platform_id", "variant_platform_id", "title", "variant_title")
        .annotate(sold=Sum("quantity"))
    )
    lines = ReturnLine.objects.filter(
        ret__store=store,
        ret__status__in=OPEN_STATUSES,
        order_line__order__placed_at__gte=since,
        order_line__order__placed_at__lt=until,
    ).exclude(verdict=Verdict.REFUSED)
    returned = {
        r["order_line__variant_platform_id"]: r["n"]
        for r in lines.values("order_line__variant_platform_id").annotate(n=Sum("quantity"))
    }
    by_variant = []
    by_product: dict[str, dict[str, Any]] = {}
    for row in sold:
        back = returned.get(row["variant_platform_id"], 0)
        by_variant.append(
            {
                "product": row["title"],
                "variant": row["variant_title"],
                "variant_id": row["variant_platform_id"],
                "sold": row["sold"],
                "returned": back,
                "rate": round(back / row["sold"], 4) if row["sold"] else 0.0,
            }
        )
        product = by_product.setdefault(
            row["product_platform_id"] or row["title"], {"product": row["title"], "sold": 0, "returned": 0}
        )
        product["sold"] += row["sold"]
        product["returned"] += back
    for product in by_product.values():
        product["rate"] = round(product["returned"] / product["sold"], 4) if product["sold"] else 0.0
    reasons = {r["reason"]: r["n"] for r in lines.values("reason").annotate(n=Sum("quantity"))}
    outcomes = {r["outcome"]: r["n"] for r in lines.exclude(outcome="").values("outcome").annotate(n=Count("id"))}
    kept_outcomes = (Outcome.EXCHANGE, Outcome.SHOP_NOW, Outcome.STORE_CREDIT)
    kept = lines.filter(outcome__in=kept_outcomes).aggregate(v=Sum("value"))["v"] or ZERO
    refunded = lines.filter(outcome=Outcome.REFUND).aggregate(v=Sum("value"))["v"] or ZERO
    resolved = Return.objects.filter(
        store=store, status=Status.RESOLVED, created_at__gte=since, created_at__lt=until, resolved_at__isnull=False
    ).aggregate(
        n=Count("id"),
        avg=Avg(ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())),
    )
    average: timedelta | None = resolved["avg"]
    return {
        "since": since,
        "until": until,
        "by_product": sorted(by_product.values(), key=lambda r: (-r["returned"], r["product"])),
        "by_variant": sorted(by_variant, key=lambda r: (-r["returned"], r["product"], r["variant"])),
        "reasons": _share(reasons),
        "outcomes": _share(outcomes),
        "revenue_kept": kept,
        "refunded": refunded,
        "resolved": resolved["n"],
        "average_hours_to_resolution": round(average.total_seconds() / 3600, 2) if average is not None else None,
    }


def panel_returns(*, customer_id: int, orders: list[Order]) -> dict[str, Any]:
    """What an agent's order panel shows about returns: each order's returns with what can
    still be returned, and the customer's own (a gift's recipient returns orders not theirs)."""
    mine = returns_of_customer(customer_id=customer_id)
    taken = returned_quantities(*orders)  # one query for every order shown
    by_order: dict[int, list[Return]] = {}
    for ret in mine:
        by_order.setdefault(ret.order_id, []).append(ret)
    return {
        "by_order": by_order,
        "mine": [r for r in mine if r.order_id not in {o.pk for o in orders}],
        "left": {o.pk: returnable_quantities(o, taken=taken) for o in orders},
    }


def customers_returning(customer_ids: list[int]) -> set[int]:
    """Which of these customers have a return in progress (no marketing meanwhile: issue 20)."""
    found: set[int] = set()
    for ids in batched(customer_ids, 900):
        found.update(
            Return.objects.filter(customer_id__in=ids, status__in=OPEN_STATUSES)
            .exclude(status=Status.RESOLVED)
            .values_list("customer_id", flat=True)
        )
    return found


def return_windows_close(orders: list[Order]) -> dict[int, datetime | None]:
    """When the last line of each order may no longer be returned for an ordinary reason (a
    change of mind; the store's own faults may have longer), by the store's rules, holiday
    windows included: the end of that day in the store's time zone. None until the order has
    shipped, since the window runs from delivery. Loyalty releases an order's points then."""
    shipped = set(
        Order.objects.filter(pk__in=[o.pk for o in orders], fulfilments__isnull=False).values_list("pk", flat=True)
    )
    return {order.pk: return_window_closes(order) if order.pk in shipped else None for order in orders}


def return_window_closes(order: Order) -> datetime | None:
    """:func:`return_windows_close` for one order."""
    if delivered_on(order) is None:
        return None
    policy = policy_for(order.store)
    history = History(0, 0, 0)
    today = timezone.localdate(timezone.now(), order.store.zone)
    deadlines = [
        decide(
            policy, facts_for(order, line, Reason.CHANGED_MIND, gift=order.is_gift, history=history, today=today)
        ).deadline
        for line in order.lines.select_related("variant__product")
        if not line.is_gift_card
    ]
    last = max((d for d in deadlines if d is not None), default=None)
    if last is None:
        return None
    return datetime.combine(last + timedelta(days=1), time.min, tzinfo=order.store.zone)


def returned_as_faulty(customer_ids: list[int]) -> dict[int, set[str]]:
    """The products each customer sent back as defective or not as described: recommendations
    don't offer them again (registered with ``recommendations.serving``). Every list a shopper
    is shown asks this, so it is one plain statement."""
    found: dict[int, set[str]] = {}
    lines, returns, ordered = ReturnLine._meta.db_table, Return._meta.db_table, OrderLine._meta.db_table
    with hot_cursor() as cursor:
        for among, params in in_lists("r.customer_id", customer_ids):
            cursor.execute(
                f"SELECT r.customer_id, o.product_platform_id FROM {lines} l JOIN {returns} r ON r.id = l.ret_id "  # noqa: S608 (names from the models, values as parameters)
                f"JOIN {ordered} o ON o.id = l.order_line_id WHERE {among} "
                "AND l.reason IN (%s, %s) AND o.product_platform_id <> ''",
                [*params, Reason.DEFECTIVE, Reason.NOT_AS_DESCRIBED],
            )
            for customer_id, product in cursor.fetchall():
                found.setdefault(customer_id, set()).add(product)
    return found


def exchange_fits(store: Store, customer_id: int | None, lines: Iterable[ReturnLine], limit: int = 3) -> list[Pick]:
    """After a size exchange among a shopper's return ``lines`` (the newest first): products
    bought with the new item that they can buy in the same size ("these fit you too", issue 22)."""
    for line in lines:
        if line.exchange_variant is not None and size_of(line.exchange_variant):
            return fits_too(store=store, variant=line.exchange_variant, customer_id=customer_id, limit=limit)
    return []


def order_exchange_fits(order: Order, limit: int = 3) -> list[Pick]:
    """``exchange_fits`` for the newest size exchange of any live return of ``order``."""
    lines = (
        ReturnLine.objects.filter(ret__order=order, exchange_variant__isnull=False)
        .exclude(ret__status=Status.CANCELLED)
        .select_related("exchange_variant")
        .order_by("-id")
    )
    return exchange_fits(order.store, order.customer_id, lines, limit=limit)
