"""On PostgreSQL a plain redemption is one database call (``fastpath``); the Python service is
the reference. Whichever path a call takes, the answer and the books are the same."""

import inspect
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection
from django.test.utils import CaptureQueriesContext

from stay.core.errors import Conflict, InvalidInput, NotFound
from stay.core.money import from_cents
from stay.customers.models import Customer
from stay.giftcards import fastpath, services
from stay.giftcards.models import Authorization, GiftCard, Hold, LedgerEntry
from stay.giftcards.services import Contact, Tender

from .conftest import CALLER, key

pytestmark = pytest.mark.django_db
D = Decimal
POSTGRES = connection.vendor == "postgresql"


def redeem(store, amount, *tenders, capture=True, idempotency_key=None, **kwargs):
    return services.gift_card_authorize(
        store=store,
        amount=D(amount),
        currency=kwargs.pop("currency", "USD"),
        tenders=[t if isinstance(t, Tender) else Tender(code=t) for t in tenders],
        capture=capture,
        caller=CALLER,
        idempotency_key=idempotency_key or key(),
        **kwargs,
    )


@pytest.mark.django_db(transaction=True)  # as a checkout calls it: in no transaction of its own
def test_a_plain_redemption_is_one_statement_on_postgresql(store, issue):
    _, code = issue("50.00")
    with CaptureQueriesContext(connection) as queries:
        done = redeem(store, "10.00", code)
    assert done["status"] == "captured" and done["cards"][0]["balance"] == "40.00"
    # PostgreSQL: the one call, then the recipient's recognition on its own (first use).
    # SQLite: the Python service, statement by statement.
    assert (queries.captured_queries[0]["sql"].startswith("SELECT giftcards_authorize(")) is POSTGRES
    with CaptureQueriesContext(connection) as queries:
        redeem(store, "5.00", code)
    assert (len(queries) == 1) is POSTGRES


def _books(card_ids):
    """Everything a redemption writes, for the given cards, without ids or times."""
    cards = [GiftCard.objects.get(pk=pk) for pk in card_ids]
    return [
        (
            card.balance,
            card.held,
            card.first_used_at is not None,
            card.recognised_at is not None,
            [e.amount for e in LedgerEntry.objects.filter(card=card).order_by("pk")],
            [(e.kind, e.actor, e.client, e.data["amount"]) for e in card.events.order_by("pk")],
            [(h.position, h.amount, h.captured, h.released) for h in Hold.objects.filter(card=card).order_by("pk")],
        )
        for card in cards
    ]


def _without_ids(answer):
    answer = {k: v for k, v in answer.items() if k not in ("authorization_id", "expires_at")}
    answer["cards"] = [{k: v for k, v in c.items() if k not in ("card_id", "last4")} for c in answer["cards"]]
    return answer


def _scenario(store, issue, run):
    """One checkout day, from fresh cards. Returns the answers and the cards."""
    a_id, a = issue("30.00")
    b_id, b = issue("50.00")
    c_id, c = issue("5.00")
    answers = [
        redeem(store, "12.00", a, contact=Contact(email="ana@example.com", name="Ana")),  # a's first use
        redeem(store, "40.00", a, b),  # several cards, in order
        redeem(store, "7.50", b, capture=False, reference="cart"),  # a hold
        redeem(store, "20.00", Tender(code=c, amount=D("2.00")), b),  # the amount on one card, then the rest
        redeem(store, "9.00", c),  # less is held when the cards hold less
        redeem(store, "1.00", b, idempotency_key=f"same-key-{run}"),
        redeem(store, "1.00", b, idempotency_key=f"same-key-{run}"),  # a replay
    ]
    held = Authorization.objects.filter(reference="cart").latest("pk")
    captured = services.gift_card_capture(store=store, authorization_id=held.pk, caller=CALLER, idempotency_key=key())
    return [*answers, captured], [a_id, b_id, c_id]


def test_both_paths_answer_alike_and_keep_the_same_books(store, issue, monkeypatch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the recipient's recognition
        answers, cards = _scenario(store, issue, 1)
    books = _books(cards)
    assert answers[5] == answers[6]
    assert "gift-card recipient" in Customer.objects.get(identities__value="ana@example.com").tags

    monkeypatch.setattr(fastpath, "authorize", lambda **kwargs: None)  # the Python service only
    with django_capture_on_commit_callbacks(execute=True):
        python_answers, python_cards = _scenario(store, issue, 2)
    assert [_without_ids(a) for a in answers] == [_without_ids(a) for a in python_answers]
    assert books == _books(python_cards)


def test_refusals_are_the_services_whichever_path(store, kr_store, issue):
    card_id, code = issue("40.00")
    redeem(store, "1.00", code)  # used once: later calls are plain
    cases = [
        ({"currency": "EUR"}, Conflict, "currency_mismatch"),
        ({"buys_gift_cards": True}, Conflict, "cards_cannot_buy_cards"),
    ]
    for kwargs, error, code_name in cases:
        with pytest.raises(error) as refused:
            redeem(store, "10.00", code, **kwargs)
        assert refused.value.code == code_name
    with pytest.raises(Conflict) as too_much:
        redeem(store, "50.00", Tender(code=code, amount=D("45.00")))
    assert too_much.value.code == "insufficient_funds"
    with pytest.raises(NotFound):
        redeem(kr_store, "10.00", code)  # another store's card
    with pytest.raises(InvalidInput):
        redeem(store, "10.001", code)
    redeem(store, "2.00", code, idempotency_key="once")
    with pytest.raises(Conflict) as reused:
        redeem(store, "3.00", code, idempotency_key="once")
    assert reused.value.code == "idempotency_key_reused"
    card = GiftCard.objects.get(pk=card_id)
    services.gift_card_set_status(card=card, status="disabled", reason="lost", caller=CALLER)
    with pytest.raises(Conflict) as disabled:
        redeem(store, "1.00", code)
    assert disabled.value.code == "card_disabled"
    assert GiftCard.objects.get(pk=card_id).balance == D("37.00")


def test_a_refusal_recorded_under_a_key_is_replayed(store, issue):
    _, code = issue("10.00")
    redeem(store, "1.00", code)
    for _ in range(2):
        with pytest.raises(Conflict) as refused:
            redeem(store, "1.00", code, currency="EUR", idempotency_key="refused")
        assert refused.value.code == "currency_mismatch"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 12, 25, 7, 0, 0, tzinfo=UTC),
        datetime(2026, 12, 25, 7, 0, 0, 999, tzinfo=UTC),
        datetime(2026, 12, 25, 7, 0, 0, 123456, tzinfo=UTC),
        datetime(2027, 1, 2, 23, 59, 59, 999999, tzinfo=UTC),
    ],
)
def test_the_database_writes_times_and_money_as_the_json_answers_do(moment):
    if not POSTGRES:
        unused = dict.fromkeys(inspect.signature(fastpath.authorize).parameters)
        assert fastpath.authorize(**unused) is None  # SQLite: the service takes every call
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT giftcards_json_time(%s)", [moment])
        assert cursor.fetchone()[0] == DjangoJSONEncoder().default(moment)
        for cents in (-5, 0, 1, 100, 123456789):
            cursor.execute("SELECT giftcards_money(%s)", [cents])
            assert cursor.fetchone()[0] == str(from_cents(cents))
