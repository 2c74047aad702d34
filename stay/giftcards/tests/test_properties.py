"""Random sequences of every operation keep the ledger's invariants (hypothesis)."""

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from stay.core.errors import StayError
from stay.giftcards import services
from stay.giftcards.models import (
    Authorization,
    GiftCard,
    GiftCardSettings,
    IdempotencyKey,
    LedgerEntry,
    LedgerTransaction,
)
from stay.giftcards.services import Caller, Tender

pytestmark = pytest.mark.django_db
CALLER = Caller("hypothesis")

amounts = st.integers(min_value=1, max_value=20_000).map(lambda cents: Decimal(cents) / 100)
small = st.integers(min_value=1, max_value=2_000).map(lambda cents: Decimal(cents) / 100)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("issue"), amounts),
        st.tuples(
            st.just("authorize"),
            st.lists(st.integers(0, 4), min_size=1, max_size=3, unique=True),
            amounts,
            st.booleans(),
        ),
        st.tuples(st.just("capture"), st.integers(0, 9), st.none() | amounts),
        st.tuples(st.just("void"), st.integers(0, 9)),
        st.tuples(st.just("refund"), st.integers(0, 9), small),
        st.tuples(st.just("expire"), st.integers(0, 4)),
        st.tuples(st.just("reverse"), st.integers(0, 9)),
        st.tuples(st.just("replay"), st.integers(0, 30)),
    ),
    min_size=5,
    max_size=30,
)


def invariants() -> None:
    for txn in LedgerTransaction.objects.prefetch_related("entries"):
        assert sum((e.amount for e in txn.entries.all()), Decimal(0)) == 0, f"unbalanced {txn.kind}"
    for card in GiftCard.objects.all():
        entries = sum((e.amount for e in LedgerEntry.objects.filter(card=card)), Decimal("0.00"))
        assert card.balance == entries, "cached balance differs from the sum of entries"
        assert card.balance >= 0 and 0 <= card.held <= card.balance
        active = sum(
            (h.amount for a in Authorization.objects.filter(status="held") for h in a.holds.filter(card=card)),
            Decimal("0.00"),
        )
        assert card.held == active, "held differs from the open holds"


def state() -> list:
    cards = GiftCard.objects.order_by("pk").values_list("pk", "balance", "held", "status")
    return [*cards, LedgerEntry.objects.count()]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(opening=st.lists(amounts, min_size=2, max_size=3), ops=operations)
def test_any_sequence_keeps_the_books(store, opening, ops):
    with transaction.atomic():
        GiftCardSettings.objects.get_or_create(store=store, defaults={"expiry_months": 1})
        codes: list[str] = []
        calls: list[tuple] = []  # (function, kwargs) of every mutating call made, to replay
        for number, op in enumerate([("issue", amount) for amount in opening] + ops):
            key = f"op-{number}"
            auths = list(Authorization.objects.order_by("pk").values_list("pk", flat=True))
            call = None
            if op[0] == "issue":
                call = (services.gift_card_issue, {"store": store, "amount": op[1]})
            elif op[0] == "authorize" and codes:
                tenders = [Tender(code=codes[i % len(codes)]) for i in dict.fromkeys(i % len(codes) for i in op[1])]
                call = (
                    services.gift_card_authorize,
                    {"store": store, "amount": op[2], "currency": "USD", "tenders": tenders, "capture": op[3]},
                )
            elif op[0] in ("capture", "void", "refund") and auths:
                auth = auths[op[1] % len(auths)]
                fn = {
                    "capture": services.gift_card_capture,
                    "void": services.gift_card_void,
                    "refund": services.gift_card_refund,
                }[op[0]]
                kwargs = {"store": store, "authorization_id": auth}
                if op[0] == "capture" and op[2] is not None:
                    kwargs["amount"] = op[2]
                if op[0] == "refund":
                    kwargs["amount"] = op[2]
                call = (fn, kwargs)
            elif op[0] == "expire" and codes:
                card = services.card_by_code(store=store, code=codes[op[1] % len(codes)])
                if card.expires_at:
                    services.gift_card_expire(card_id=card.pk, caller=CALLER, now=card.expires_at)
            elif op[0] == "reverse":
                txns = list(LedgerTransaction.objects.order_by("pk").values_list("pk", flat=True))
                if txns:
                    call = (
                        services.ledger_reverse,
                        {"store": store, "transaction_id": txns[op[1] % len(txns)], "reason": "mistake"},
                    )
            elif op[0] == "replay" and calls:
                fn, kwargs, old_key, first = calls[op[1] % len(calls)]
                before = state()
                try:
                    again = fn(**kwargs, caller=CALLER, idempotency_key=old_key)
                except StayError as exc:
                    again = ("refused", type(exc).__name__, exc.code)
                assert again == first, "a replayed key gave another answer"
                assert state() == before, "a replayed key changed something"
            if call is not None:
                fn, kwargs = call
                try:
                    result = fn(**kwargs, caller=CALLER, idempotency_key=key)
                except StayError as exc:
                    result = ("refused", type(exc).__name__, exc.code)
                calls.append((fn, kwargs, key, result))
                event(f"{fn.__name__}: {result[2] if isinstance(result, tuple) else 'done'}")
                if fn is services.gift_card_issue and isinstance(result, dict):
                    card = GiftCard.objects.get(pk=result["card_id"])
                    from stay.giftcards.codes import code_from_nonce

                    codes.append(code_from_nonce(card.code_nonce))
            invariants()
        assert IdempotencyKey.objects.count() == len(calls)
        transaction.set_rollback(True)
