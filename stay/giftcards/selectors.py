"""Reads for gift cards: balances, activity, and the reports a finance team asks for."""

from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery, Sum
from django.utils.translation import gettext as _

from stay.core.errors import NotFound
from stay.core.models import Store
from stay.customers.models import Customer
from stay.orders.models import Order

from .models import ACTIVITY_LABELS, Account, GiftCard, Kind, LedgerEntry
from .recipients import RECIPIENT_TAG

ZERO = Decimal("0.00")


def card_get(*, store: Store, card_id: int) -> GiftCard:
    card = GiftCard.objects.filter(store=store, pk=card_id).first()
    if card is None:
        raise NotFound(f"no gift card {card_id}", code="card_not_found")
    return card


def _by_currency(rows: QuerySet[Any], *keys: str) -> dict[str, Any]:
    out: dict[str, Any] = defaultdict(dict)
    for row in rows:
        if keys:
            out[row["currency"]][row[keys[0]]] = row["total"] or ZERO
        else:
            out[row["currency"]] = row["total"] or ZERO
    return dict(out)


def liability_at(*, store: Store, at: datetime) -> dict[str, dict[str, Decimal]]:
    """What the store owes on cards and store credit at ``at``: ``{currency: {kind: amount}}``."""
    rows = (
        LedgerEntry.objects.filter(store=store, account=Account.CARD, created_at__lte=at)
        .values("currency", "card__kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    out: dict[str, dict[str, Decimal]] = defaultdict(lambda: {Kind.GIFT_CARD: ZERO, Kind.STORE_CREDIT: ZERO})
    for row in rows:
        out[row["currency"]][row["card__kind"]] = row["total"] or ZERO
    return {currency: {**kinds, "total": sum(kinds.values(), ZERO)} for currency, kinds in out.items()}


def account_totals(*, store: Store, start: datetime | None = None, end: datetime | None = None) -> dict[str, Any]:
    """Each account's movement in the period, by currency (breakage is what expired unused)."""
    entries = LedgerEntry.objects.filter(store=store)
    if start:
        entries = entries.filter(created_at__gte=start)
    if end:
        entries = entries.filter(created_at__lt=end)
    rows = entries.values("currency", "account").annotate(total=Sum("amount")).order_by()
    return _by_currency(rows, "account")


def breakage(*, store: Store, start: datetime | None = None, end: datetime | None = None) -> dict[str, Decimal]:
    totals = account_totals(store=store, start=start, end=end)
    return {currency: accounts.get(Account.BREAKAGE, ZERO) for currency, accounts in totals.items()}


def card_activity(*, card: GiftCard) -> list[dict[str, Any]]:
    """The card's entries, oldest first, with the balance after each."""
    running, out = ZERO, []
    for entry in card.entries.select_related("transaction").order_by("created_at", "id"):
        running += entry.amount
        out.append(
            {
                "transaction_id": entry.transaction_id,
                "kind": entry.transaction.kind,
                "label": str(ACTIVITY_LABELS.get(entry.transaction.kind, _("Other"))),
                "amount": entry.amount,
                "balance": running,
                "at": entry.created_at,
                "reference": entry.transaction.reference,
                "memo": entry.transaction.memo,
            }
        )
    return out


def cards_of_customer(*, customer: Customer) -> QuerySet[GiftCard]:
    return GiftCard.objects.filter(Q(customer=customer) | Q(buyer=customer)).order_by("-created_at", "-id")


def store_credit_of(*, customer: Customer) -> list[GiftCard]:
    return list(GiftCard.objects.filter(customer=customer, kind=Kind.STORE_CREDIT).order_by("currency"))


def recipient_insight(*, store: Store) -> dict[str, Any]:
    """Do gift card recipients become customers? Their first order's value against the store's
    average first order, and the share of recipients who order, and who order again."""
    first_total = Subquery(
        Order.objects.filter(customer=OuterRef("pk"), cancelled_at__isnull=True)
        .order_by("placed_at", "id")
        .values("total")[:1]
    )
    customers = Customer.objects.filter(store=store, merged_into__isnull=True)
    # The tags are a JSON list; its text holds the tag in quotes on both databases.
    recipients = customers.filter(tags__icontains=f'"{RECIPIENT_TAG}"')

    def first_orders(queryset: QuerySet[Customer]) -> list[Decimal]:
        return [
            row
            for row in queryset.filter(orders_count__gt=0).annotate(v=first_total).values_list("v", flat=True)
            if row is not None
        ]

    theirs, everyone = first_orders(recipients), first_orders(customers)
    counts = recipients.aggregate(
        total=Count("pk"),
        ordered=Count("pk", filter=Q(orders_count__gte=1)),
        again=Count("pk", filter=Q(orders_count__gte=2)),
    )

    def mean(values: list[Decimal]) -> Decimal | None:
        return (sum(values, ZERO) / len(values)).quantize(Decimal("0.01")) if values else None

    return {
        "recipients": counts["total"],
        "recipients_who_ordered": counts["ordered"],
        "recipients_who_came_back": counts["again"],
        "share_who_ordered": round(counts["ordered"] / counts["total"], 3) if counts["total"] else None,
        "share_who_came_back": round(counts["again"] / counts["ordered"], 3) if counts["ordered"] else None,
        "recipient_first_order_average": mean(theirs),
        "store_first_order_average": mean(everyone),
    }


def credit_given_by(*, store: Store, actors: list[str], since: datetime) -> Decimal:
    """Store credit that ``actors`` put on customers' cards since ``since`` (bonuses included)."""
    total = LedgerEntry.objects.filter(
        store=store,
        account=Account.CARD,
        transaction__kind="credit",
        transaction__actor__in=actors,
        transaction__created_at__gte=since,
    ).aggregate(total=Sum("amount"))["total"]
    return Decimal(total or 0)
