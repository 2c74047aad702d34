"""32 checkouts at once on one card: never more captured than the card holds, to the cent.
Real threads, each with its own database connection, on SQLite and on PostgreSQL."""

import threading
from decimal import Decimal

import pytest
from django.db import connections

from stay.core.errors import StayError
from stay.giftcards import services
from stay.giftcards.models import GiftCard, LedgerEntry
from stay.giftcards.services import Caller, Tender

from .conftest import code_of

pytestmark = pytest.mark.django_db(transaction=True)
THREADS = 32


def run_all(work):
    start = threading.Barrier(THREADS)
    results: list = [None] * THREADS

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except StayError as exc:
            results[i] = exc.code
        except Exception as exc:  # anything else is a failure of the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_32_threads_redeeming_one_card_never_overspend(store):
    issued = services.gift_card_issue(store=store, amount=Decimal("100.00"), caller=Caller("t"), idempotency_key="i")
    code = code_of(issued["card_id"])

    def redeem(i: int):
        return services.gift_card_authorize(
            store=store,
            amount=Decimal("7.00"),
            currency="USD",
            tenders=[Tender(code=code, amount=Decimal("7.00"))],
            capture=True,
            caller=Caller(f"checkout-{i}"),
            idempotency_key=f"checkout-{i}",
        )

    results = run_all(redeem)
    done = [r for r in results if isinstance(r, dict)]
    assert all(isinstance(r, dict) or r == "insufficient_funds" for r in results), results
    captured = sum((Decimal(r["captured"]) for r in done), Decimal("0"))
    card = GiftCard.objects.get(pk=issued["card_id"])
    assert captured == Decimal("98.00") and len(done) == 14
    assert card.balance == Decimal("2.00") == Decimal("100.00") - captured
    assert card.held == 0
    assert sum((e.amount for e in LedgerEntry.objects.filter(card=card)), Decimal("0")) == card.balance


def test_one_key_sent_by_32_threads_captures_once(store):
    issued = services.gift_card_issue(store=store, amount=Decimal("50.00"), caller=Caller("t"), idempotency_key="i")
    code = code_of(issued["card_id"])

    def redeem(i: int):
        return services.gift_card_authorize(
            store=store,
            amount=Decimal("20.00"),
            currency="USD",
            tenders=[Tender(code=code)],
            capture=True,
            caller=Caller("retrying-checkout"),
            idempotency_key="the-same-key",
        )

    results = run_all(redeem)
    assert all(isinstance(r, dict) for r in results), results
    assert len({r["authorization_id"] for r in results}) == 1
    assert GiftCard.objects.get(pk=issued["card_id"]).balance == Decimal("30.00")
