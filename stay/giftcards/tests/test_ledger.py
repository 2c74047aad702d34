"""The ledger and the checkout operations, through the services."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from django.utils import timezone

from stay.core.errors import Conflict, InvalidInput, NotFound
from stay.giftcards import services
from stay.giftcards.models import Account, GiftCard, GiftCardSettings, LedgerEntry, LedgerTransaction
from stay.giftcards.services import Tender

from .conftest import CALLER, key

pytestmark = pytest.mark.django_db
D = Decimal


def balanced() -> None:
    for txn in LedgerTransaction.objects.prefetch_related("entries"):
        assert sum((e.amount for e in txn.entries.all()), D("0")) == 0, txn
    for card in GiftCard.objects.all():
        assert card.balance == sum((e.amount for e in card.entries.all()), D("0.00")), card
        assert 0 <= card.held <= card.balance


def authorize(store, amount, *codes, **kwargs):
    return services.gift_card_authorize(
        store=store,
        amount=D(amount),
        currency=kwargs.pop("currency", "USD"),
        tenders=[Tender(code=c) for c in codes],
        caller=CALLER,
        idempotency_key=kwargs.pop("idempotency_key", None) or key(),
        **kwargs,
    )


def test_issue_posts_a_balanced_transaction(store, issue):
    card_id, code = issue("50.00")
    card = GiftCard.objects.get(pk=card_id)
    assert card.balance == D("50.00") and card.last4 == code[-4:]
    entries = {
        e.account: e.amount
        for e in LedgerEntry.objects.filter(card_id=card_id) | LedgerEntry.objects.filter(account=Account.SALES)
    }
    assert entries == {Account.CARD: D("50.00"), Account.SALES: D("-50.00")}
    balanced()


def test_the_code_is_not_stored(store, issue):
    card_id, code = issue()
    row = GiftCard.objects.filter(pk=card_id).values().get()
    assert not any(code.replace("-", "") in str(v) for v in row.values())
    assert services.card_by_code(store=store, code=code.lower().replace("-", " ")).pk == card_id


def test_authorize_capture_partial_and_several_cards(store, issue):
    a_id, a = issue("30.00")
    b_id, b = issue("50.00")
    auth = authorize(store, "70.00", a, b)
    assert auth["amount"] == "70.00" and [c["amount"] for c in auth["cards"]] == ["30.00", "40.00"]
    assert GiftCard.objects.get(pk=b_id).held == D("40.00")
    done = services.gift_card_capture(
        store=store, authorization_id=auth["authorization_id"], amount=D("60.00"), caller=CALLER, idempotency_key=key()
    )
    assert done["status"] == "captured" and done["captured"] == "60.00"
    assert GiftCard.objects.get(pk=a_id).balance == D("0.00")
    b_card = GiftCard.objects.get(pk=b_id)
    assert (b_card.balance, b_card.held) == (D("20.00"), D("0.00"))
    balanced()


def test_a_card_held_by_one_checkout_cannot_be_spent_twice(store, issue):
    _, code = issue("40.00")
    authorize(store, "40.00", code)
    with pytest.raises(Conflict) as refused:
        authorize(store, "10.00", code)
    assert refused.value.code == "insufficient_funds"


def test_less_is_held_when_the_cards_hold_less(store, issue):
    _, code = issue("25.00")
    auth = authorize(store, "80.00", code)
    assert (auth["requested"], auth["amount"]) == ("80.00", "25.00")


def test_capturing_twice_debits_once(store, issue):
    card_id, code = issue("40.00")
    auth = authorize(store, "15.00", code)
    for _ in range(2):
        services.gift_card_capture(
            store=store, authorization_id=auth["authorization_id"], caller=CALLER, idempotency_key=key()
        )
    assert GiftCard.objects.get(pk=card_id).balance == D("25.00")
    assert LedgerTransaction.objects.filter(kind="capture").count() == 1


def test_void_releases_and_refund_puts_back(store, issue):
    card_id, code = issue("40.00")
    auth = authorize(store, "15.00", code)
    services.gift_card_void(
        store=store, authorization_id=auth["authorization_id"], caller=CALLER, idempotency_key=key()
    )
    assert GiftCard.objects.get(pk=card_id).held == 0
    auth = authorize(store, "15.00", code, capture=True)
    assert auth["status"] == "captured"
    with pytest.raises(Conflict):
        services.gift_card_void(
            store=store, authorization_id=auth["authorization_id"], caller=CALLER, idempotency_key=key()
        )
    services.gift_card_refund(
        store=store, authorization_id=auth["authorization_id"], amount=D("5.00"), caller=CALLER, idempotency_key=key()
    )
    assert GiftCard.objects.get(pk=card_id).balance == D("30.00")
    with pytest.raises(InvalidInput) as too_much:
        services.gift_card_refund(
            store=store,
            authorization_id=auth["authorization_id"],
            amount=D("10.01"),
            caller=CALLER,
            idempotency_key=key(),
        )
    assert too_much.value.code == "refund_over_captured"
    balanced()


def test_refusals_have_clear_codes(store, kr_store, issue):
    card_id, code = issue("40.00")
    with pytest.raises(Conflict) as wrong_currency:
        authorize(store, "10.00", code, currency="EUR")
    assert wrong_currency.value.code == "currency_mismatch"
    with pytest.raises(Conflict) as gift_for_gift:
        authorize(store, "10.00", code, buys_gift_cards=True)
    assert gift_for_gift.value.code == "cards_cannot_buy_cards"
    with pytest.raises(NotFound):
        authorize(kr_store, "10.00", code, currency="USD")  # another store's card does not exist here
    services.gift_card_set_status(
        card=GiftCard.objects.get(pk=card_id), status="disabled", reason="lost", caller=CALLER
    )
    with pytest.raises(Conflict) as disabled:
        authorize(store, "10.00", code)
    assert disabled.value.code == "card_disabled"
    with pytest.raises(InvalidInput) as typo:
        authorize(store, "10.00", code[:-1] + ("A" if code[-1] != "A" else "B"))
    assert typo.value.code == "invalid_code"


def test_expiry_books_breakage_and_refuses_the_card(store, issue):
    GiftCardSettings.objects.create(store=store, expiry_months=12)
    card_id, code = issue("40.00")
    card = GiftCard.objects.get(pk=card_id)
    assert card.expires_at > timezone.now() + timedelta(days=360)
    later = card.expires_at + timedelta(minutes=1)
    assert services.gift_card_expire(card_id=card_id, caller=CALLER, now=later)
    card.refresh_from_db()
    assert (card.status, card.balance) == ("expired", D("0.00"))
    assert LedgerEntry.objects.filter(account=Account.BREAKAGE).aggregate(s=Sum("amount"))["s"] == D("40.00")
    with pytest.raises(Conflict) as expired:
        authorize(store, "1.00", code)
    assert expired.value.code == "card_expired"
    balanced()


def test_a_reversal_undoes_an_issue_but_not_spent_money(store, issue):
    _card_id, code = issue("40.00")
    issued = LedgerTransaction.objects.get(kind="issue")
    authorize(store, "10.00", code, capture=True)
    with pytest.raises(Conflict) as spent:
        services.ledger_reverse(
            store=store, transaction_id=issued.pk, reason="typo", caller=CALLER, idempotency_key=key()
        )
    assert spent.value.code == "insufficient_funds"
    other_id, _ = issue("25.00")
    mistake = LedgerTransaction.objects.filter(kind="issue").latest("id")
    services.ledger_reverse(
        store=store, transaction_id=mistake.pk, reason="wrong amount", caller=CALLER, idempotency_key=key()
    )
    assert GiftCard.objects.get(pk=other_id).balance == 0
    with pytest.raises(Conflict):
        services.ledger_reverse(
            store=store, transaction_id=mistake.pk, reason="again", caller=CALLER, idempotency_key=key()
        )
    balanced()


def test_idempotency_key_replays_and_refuses_other_parameters(store, issue):
    card_id, code = issue("40.00")
    first = authorize(store, "10.00", code, idempotency_key="checkout-1")
    again = authorize(store, "10.00", code, idempotency_key="checkout-1")
    assert first == again and GiftCard.objects.get(pk=card_id).held == D("10.00")
    with pytest.raises(Conflict) as reused:
        authorize(store, "11.00", code, idempotency_key="checkout-1")
    assert reused.value.code == "idempotency_key_reused"
    # A refusal is a result too: the same key keeps getting it.
    with pytest.raises(Conflict):
        authorize(store, "999.00", code, idempotency_key="too-much", currency="EUR")
    with pytest.raises(Conflict):
        authorize(store, "999.00", code, idempotency_key="too-much", currency="EUR")


def test_the_database_is_the_last_guard(store, issue):
    card_id, _ = issue("10.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card_id).update(balance=D("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        GiftCard.objects.filter(pk=card_id).update(held=D("11.00"))
    entry = LedgerEntry.objects.filter(card_id=card_id).first()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=D("99.00"))
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    if connection.vendor == "postgresql":
        with pytest.raises(Exception, match="append-only"), transaction.atomic():
            LedgerEntry.objects.filter(pk=entry.pk).delete()


def test_store_credit_goodwill_with_limit_and_return_bonus(store):
    from stay.customers.services import customer_for_contact

    customer, _ = customer_for_contact(store=store, kind="email", value="ana@example.com", actor="test")
    with pytest.raises(Conflict) as over:
        services.store_credit_grant(
            customer=customer,
            amount=D("60.00"),
            reason="late parcel",
            limit=D("50.00"),
            caller=CALLER,
            idempotency_key=key(),
        )
    assert over.value.code == "over_limit"
    services.store_credit_grant(
        customer=customer,
        amount=D("20.00"),
        reason="late parcel",
        limit=D("50.00"),
        caller=CALLER,
        idempotency_key=key(),
    )
    result = services.store_credit_grant(
        customer=customer,
        amount=D("80.00"),
        bonus=D("8.00"),
        source="return",
        reason="return R-1",
        caller=CALLER,
        idempotency_key=key(),
    )
    assert result["balance"] == "108.00" and result["kind"] == "store_credit"
    totals = dict(LedgerEntry.objects.values_list("account").annotate(s=Sum("amount")))
    assert totals == {"card": D("108.00"), "goodwill": D("-20.00"), "returns": D("-80.00"), "return_bonus": D("-8.00")}
    auth = services.gift_card_authorize(
        store=store,
        amount=D("30.00"),
        currency="USD",
        tenders=[Tender(customer_id=customer.pk)],
        capture=True,
        caller=CALLER,
        idempotency_key=key(),
    )
    assert auth["captured"] == "30.00"
    assert GiftCard.objects.get(customer=customer, kind="store_credit").balance == D("78.00")
    balanced()


def test_amounts_must_be_whole_cents(store, issue):
    with pytest.raises(InvalidInput):
        issue("10.001")
    with pytest.raises(InvalidInput):
        issue("-5")
