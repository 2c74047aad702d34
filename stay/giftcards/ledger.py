"""Posting to the ledger. Every function here expects the caller's transaction and holds the
row locks of the cards it touches (authorisations first, then cards, each in primary-key
order, so two transactions never wait on each other in a circle)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone

from stay.core.models import Store
from stay.core.money import to_cents

from .models import Account, GiftCard, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Leg:
    account: str
    amount: Decimal  # added to the account; negative takes from it
    card: GiftCard | None = None


def lock_cards(ids: Iterable[int]) -> dict[int, GiftCard]:
    """The cards, re-read under their row locks, taken in primary-key order."""
    cards = GiftCard.objects.select_for_update().filter(pk__in=set(ids)).order_by("pk")
    return {card.pk: card for card in cards}


def post(
    *,
    store: Store,
    kind: str,
    currency: str,
    legs: list[Leg],
    actor: str,
    reference: str = "",
    memo: str = "",
    reverses: LedgerTransaction | None = None,
    now: datetime | None = None,
) -> LedgerTransaction:
    """Record one movement and move the cached balances of its cards with it.

    Precondition: the caller holds each card's row lock and has checked that no balance goes
    below what is held on it (the database CHECK refuses it otherwise)."""
    legs = [leg for leg in legs if leg.amount]
    if sum((leg.amount for leg in legs), Decimal("0")) != 0:
        raise AssertionError(f"unbalanced {kind}: {legs}")
    for leg in legs:
        if (leg.account == Account.CARD) != (leg.card is not None):
            raise AssertionError("the card account, and only it, names a card")
        if leg.card is not None and leg.card.currency != currency:
            raise AssertionError(f"card {leg.card.pk} is in {leg.card.currency}, not {currency}")
    now = now or timezone.now()
    txn = LedgerTransaction.objects.create(
        store=store,
        kind=kind,
        currency=currency,
        reference=reference[:120],
        memo=memo[:300],
        reverses=reverses,
        actor=actor[:120],
        created_at=now,
    )
    LedgerEntry.objects.bulk_create(
        LedgerEntry(
            transaction=txn,
            store=store,
            account=leg.account,
            card=leg.card,
            amount=leg.amount,
            currency=currency,
            created_at=now,
        )
        for leg in legs
    )
    moved: dict[int, Decimal] = defaultdict(Decimal)
    cards = {}
    for leg in legs:
        if leg.card is not None:
            moved[leg.card.pk] += leg.amount
            cards[leg.card.pk] = leg.card
    for pk, delta in moved.items():
        GiftCard.objects.filter(pk=pk).update(balance=F("balance") + to_cents(delta), updated_at=now)
        cards[pk].balance += delta
    return txn


def move_held(card: GiftCard, delta: Decimal) -> None:
    """Hold (positive) or release (negative) part of a locked card's balance."""
    GiftCard.objects.filter(pk=card.pk).update(held=F("held") + to_cents(delta), updated_at=timezone.now())
    card.held += delta
