"""A return's life: the state machine, quantities, stock, money out through the connector and
the ledger, and the shopper told at each step in one conversation."""

from decimal import Decimal

import pytest
from django.test import TestCase

from stay.catalog.models import InventoryLevel, Variant
from stay.connectors.shopify.fake import FakeShopify
from stay.connectors.shopify.models import PlatformCall
from stay.conversations.models import ConversationEvent, Message
from stay.core.errors import Conflict, InvalidInput
from stay.giftcards.models import GiftCard, Kind, LedgerEntry
from stay.orders.models import OrderEvent
from stay.returns.models import Condition, Outcome, ReturnTransition, Status, Verdict
from stay.returns.services import (
    Pick,
    Received,
    Requester,
    return_approve,
    return_cancel,
    return_in_transit,
    return_line_change,
    return_receive,
    return_reject,
    return_resolve,
)

from .conftest import ask, gift_recipient, line_of


def stock(variant: Variant) -> int:
    return Variant.objects.get(pk=variant.pk).inventory_quantity


def test_refund_return_goes_through_every_state_and_refunds_once(shop):
    InventoryLevel.objects.create(variant=shop.jacket_m, location_id="655441491", available=5)
    order = shop.order((shop.jacket_m, 2))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 2, "too_small", outcome="refund"))
    assert (ret.status, ret.verdict, ret.rule, ret.needs_return) == (
        Status.LABEL_ISSUED,
        Verdict.ALLOWED,
        "Standard",
        True,
    )
    assert ret.number == f"R{100000 + ret.pk}"

    return_in_transit(ret=ret, actor="carrier:CJ", tracking="CJ123")
    line = ret.lines.get()
    before = stock(shop.jacket_m)
    return_receive(
        ret=ret,
        items=[Received(line.pk, 1, Condition.RESELLABLE)],
        actor="warehouse:kim",
    )
    ret.refresh_from_db()
    assert ret.status == Status.RESOLVED
    assert stock(shop.jacket_m) == before + 1  # the good one is back on the shelf
    refund = PlatformCall.objects.get(action="create_refund")
    # Only what came back is refunded.
    assert refund.params["transactions"][0]["amount"] == "120.00"
    assert refund.params["line_items"] == [
        {"line_item_id": line.order_line.platform_id, "quantity": 1, "restock_type": "no_restock"}
    ]
    restock = PlatformCall.objects.get(action="adjust_inventory")
    assert restock.params == {"inventory_item_id": "inv-P1-M", "location_id": "655441491", "delta": 1}

    steps = list(
        ReturnTransition.objects.filter(ret=ret, kind="status").values_list("from_status", "to_status", "actor")
    )
    assert steps == [
        ("", "requested", "shopper:test"),
        ("requested", "approved", "shopper:test"),
        ("approved", "label_issued", "shopper:test"),
        ("label_issued", "in_transit", "carrier:CJ"),
        ("in_transit", "received", "warehouse:kim"),
        ("received", "inspected", "warehouse:kim"),
        ("inspected", "resolved", "warehouse:kim"),
    ]
    with pytest.raises(Conflict, match="cannot become"):
        return_resolve(ret=ret, actor="agent:alex")  # never twice
    assert PlatformCall.objects.filter(action="create_refund").count() == 1


def test_impossible_transitions_are_refused_clearly(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    with pytest.raises(Conflict, match="is Label issued: it cannot become Resolved") as caught:
        return_resolve(ret=ret, actor="agent:alex")
    assert caught.value.code == "invalid_transition"
    with pytest.raises(Conflict, match="cannot become Rejected"):
        return_reject(ret=ret, actor="agent:alex", reason="late")
    with pytest.raises(Conflict, match="cannot become Approved"):
        return_approve(ret=ret, actor="agent:alex")
    return_cancel(ret=ret, actor="shopper:test")
    with pytest.raises(Conflict, match="cannot become On its way back"):
        return_in_transit(ret=ret, actor="carrier")


def test_quantities_are_checked(shop):
    order = shop.order((shop.jacket_m, 2))
    line = line_of(order, shop.jacket_m)
    with pytest.raises(InvalidInput, match="between 1 and 2"):
        ask(order, Pick(line.pk, 3, "too_small"))
    ask(order, Pick(line.pk, 2, "too_small", outcome="refund"))
    with pytest.raises(InvalidInput, match="already being returned"):
        ask(order, Pick(line.pk, 1, "too_small"))
    unshipped = shop.order((shop.jacket_m, 1), shipped=False)
    with pytest.raises(InvalidInput, match="has not shipped"):
        ask(unshipped, Pick(line_of(unshipped, shop.jacket_m).pk, 1, "too_small"))
    with pytest.raises(InvalidInput, match="Reason must be one of"):
        ask(order, Pick(line.pk, 1, "bored"))


def test_receiving_more_than_was_sent_back_is_refused(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    line = ret.lines.get()
    with pytest.raises(InvalidInput, match="between 0 and 1 can arrive"):
        return_receive(ret=ret, items=[Received(line.pk, 2, Condition.RESELLABLE)], actor="warehouse")
    ret.refresh_from_db()
    assert ret.status == Status.LABEL_ISSUED  # nothing half-written


def test_a_cancelled_return_frees_its_units(shop):
    order = shop.order((shop.jacket_m, 1))
    line = line_of(order, shop.jacket_m)
    ret = ask(order, Pick(line.pk, 1, "too_small", outcome="refund"))
    return_cancel(ret=ret, actor="shopper:test")
    again = ask(order, Pick(line.pk, 1, "too_small", outcome="store_credit"))
    assert again.status == Status.LABEL_ISSUED


def test_exchange_reserves_the_new_size_at_once_and_orders_it(shop):
    order = shop.order((shop.jacket_m, 1))
    before = stock(shop.jacket_l)
    ret = ask(
        order,
        Pick(
            line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="exchange", exchange_variant_id=shop.jacket_l.pk
        ),
    )
    assert stock(shop.jacket_l) == before - 1
    assert ret.lines.get().reserved == 1
    call = PlatformCall.objects.get(action="create_order")
    # L costs 10.00 more than M: the exchange order asks for the difference.
    assert call.params["line_items"] == [{"variant_id": "P1-L", "quantity": 1, "price": "10.00"}]
    assert call.params["financial_status"] == "pending"
    assert "exchange" in call.params["tags"] and f"return:{ret.number}" in call.params["tags"]
    assert OrderEvent.objects.filter(order=order, kind="exchange_requested").exists()

    # L is now sold out: the next shopper cannot have it.
    other = shop.order((shop.jacket_m, 1), email="ara@example.com")
    with pytest.raises(Conflict, match="sold out") as caught:
        ask(
            other,
            Pick(
                line_of(other, shop.jacket_m).pk,
                1,
                "too_small",
                outcome="exchange",
                exchange_variant_id=shop.jacket_l.pk,
            ),
        )
    assert caught.value.code == "out_of_stock"


def test_an_even_exchange_costs_nothing_and_a_cheaper_one_refunds_the_difference(shop):
    order = shop.order((shop.jacket_l, 1))
    ret = ask(
        order,
        Pick(line_of(order, shop.jacket_l).pk, 1, "too_big", outcome="exchange", exchange_variant_id=shop.jacket_m.pk),
    )
    call = PlatformCall.objects.get(action="create_order")
    assert (call.params["line_items"][0]["price"], call.params["financial_status"]) == ("0.00", "paid")
    line = ret.lines.get()
    return_receive(ret=ret, items=[Received(line.pk, 1, Condition.RESELLABLE)], actor="warehouse")
    refund = PlatformCall.objects.get(action="create_refund")
    assert refund.params["transactions"][0]["amount"] == "10.00"


def test_exchange_for_a_variant_of_another_product_is_refused(shop):
    order = shop.order((shop.jacket_m, 1))
    with pytest.raises(InvalidInput, match="same product"):
        ask(
            order,
            Pick(
                line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="exchange", exchange_variant_id=shop.socks.pk
            ),
        )


def test_rejecting_a_request_releases_its_reservation(shop):
    from stay.returns.models import ReturnRule, Tristate
    from stay.returns.policy import policy_for

    policy_for(shop.store)
    ReturnRule.objects.create(store=shop.store, position=1, name="Check all", auto_approve=Tristate.NO)
    order = shop.order((shop.jacket_m, 1))
    before = stock(shop.jacket_s)
    ret = ask(
        order,
        Pick(line_of(order, shop.jacket_m).pk, 1, "too_big", outcome="exchange", exchange_variant_id=shop.jacket_s.pk),
    )
    assert (ret.status, stock(shop.jacket_s)) == (Status.REQUESTED, before - 1)
    with pytest.raises(InvalidInput, match="Say why"):
        return_reject(ret=ret, actor="agent:alex", reason=" ")
    return_reject(ret=ret, actor="agent:alex", reason="Worn on a hike")
    assert stock(shop.jacket_s) == before
    assert not PlatformCall.objects.filter(action="create_order").exists()


def test_store_credit_with_bonus_lands_on_the_ledger(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "changed_mind", outcome="store_credit"))
    return_receive(ret=ret, items=[Received(ret.lines.get().pk, 1, Condition.RESELLABLE)], actor="warehouse")
    credit = GiftCard.objects.get(kind=Kind.STORE_CREDIT, customer=order.customer)
    assert credit.balance == Decimal("132.00")
    accounts = dict(LedgerEntry.objects.filter(card=None).values_list("account", "amount"))
    assert accounts == {"returns": Decimal("-120.00"), "return_bonus": Decimal("-12.00")}


def test_shop_now_credit_is_given_before_the_item_comes_back(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "changed_mind", outcome="shop_now"))
    assert ret.status == Status.LABEL_ISSUED
    assert GiftCard.objects.get(kind=Kind.STORE_CREDIT, customer=order.customer).balance == Decimal("132.00")


def test_gift_recipient_gets_a_gift_card_in_their_name_not_the_buyers_money(shop):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "colour", outcome="store_credit"), who=gift_recipient())
    assert ret.is_gift and ret.customer != order.customer
    assert "gift recipient" in ret.customer.tags
    return_receive(ret=ret, items=[Received(ret.lines.get().pk, 1, Condition.RESELLABLE)], actor="warehouse")
    card = GiftCard.objects.get(kind=Kind.GIFT_CARD, source="return")
    assert (card.balance, card.recipient_email, card.customer_id) == (
        Decimal("132.00"),
        "jun@example.com",
        ret.customer_id,
    )
    assert not PlatformCall.objects.filter(action="create_refund").exists()


def test_a_damaged_item_for_a_non_fault_reason_waits_for_an_agent(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "changed_mind", outcome="refund"))
    before = stock(shop.jacket_m)
    return_receive(ret=ret, items=[Received(ret.lines.get().pk, 1, Condition.DAMAGED)], actor="warehouse")
    ret.refresh_from_db()
    assert ret.status == Status.INSPECTED
    assert stock(shop.jacket_m) == before  # damaged: not back to stock
    convo = ConversationEvent.objects.filter(kind="return_label", data__to=ret.number).get().conversation
    convo.refresh_from_db()
    assert convo.status == "open" and "returns" in convo.tags
    assert Message.objects.filter(conversation=convo, direction="note", text__contains="came back damaged").exists()
    return_resolve(ret=ret, actor="agent:alex")
    assert PlatformCall.objects.filter(action="create_refund").count() == 1


def test_replacement_is_linked_to_the_order_and_shown_in_the_timeline(shop):
    order = shop.order((shop.socks, 1))
    ret = ask(order, Pick(line_of(order, shop.socks).pk, 1, "lost"))
    call = PlatformCall.objects.get(action="create_order")
    assert call.params["line_items"] == [{"variant_id": "P2-One size", "quantity": 1, "price": "0.00"}]
    assert call.params["tags"] == ["replacement", f"return:{ret.number}", f"for:{order.name}"]
    assert "Lost in the post" in call.params["note"]
    event = OrderEvent.objects.get(order=order, kind="replacement_requested")
    assert event.data == {"return": ret.number, "reason": "Lost in the post"}
    kinds = set(ConversationEvent.objects.filter(conversation__customer=order.customer).values_list("kind", flat=True))
    assert "return_resolved" in kinds


def test_the_shopper_hears_every_step_in_one_conversation(shop):
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    return_receive(ret=ret, items=[Received(ret.lines.get().pk, 1, Condition.RESELLABLE)], actor="warehouse")
    messages = Message.objects.filter(meta__return=ret.number).order_by("id")
    assert [m.meta["notice"] for m in messages] == ["return.label", "return.received", "return.resolved"]
    assert len({m.conversation_id for m in messages}) == 1
    assert "/returns/summit/r/" in messages[0].text and "label.pdf" in messages[0].text
    assert "A refund of 120.00 USD" in messages[2].text


def test_messages_speak_the_shoppers_language(shop):
    order = shop.order((shop.jacket_m, 1))
    order.customer.locale = "ko"
    order.customer.save()
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    text = Message.objects.filter(meta__return=ret.number).get().text
    assert "반품" in text


def test_agent_changes_an_outcome_before_approving(shop):
    from stay.returns.models import ReturnRule, Tristate
    from stay.returns.policy import policy_for

    policy_for(shop.store)
    ReturnRule.objects.create(store=shop.store, position=1, name="Check all", auto_approve=Tristate.NO)
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    return_line_change(
        ret=ret,
        line_id=ret.lines.get().pk,
        outcome=Outcome.EXCHANGE,
        exchange_variant_id=shop.jacket_s.pk,
        actor="user:alex",
    )
    ret = return_approve(ret=ret, actor="user:alex")
    assert ret.status == Status.LABEL_ISSUED and ret.overridden_by == "user:alex"
    assert PlatformCall.objects.get(action="create_order").params["line_items"][0]["variant_id"] == "P1-S"
    with pytest.raises(Conflict, match="only before it is approved"):
        return_line_change(ret=ret, line_id=ret.lines.get().pk, outcome=Outcome.REFUND, actor="user:alex")


def test_override_sets_the_rules_aside_and_says_who(shop):
    order = shop.order((shop.cap, 1))
    ret = ask(
        order,
        Pick(line_of(order, shop.cap).pk, 1, "changed_mind", outcome="store_credit"),
        override=True,
        who=Requester(actor="user:lead"),
    )
    assert (ret.status, ret.overridden_by, ret.rule) == (Status.LABEL_ISSUED, "user:lead", "overridden by user:lead")


def test_the_same_idempotency_key_returns_the_first_return(shop):
    order = shop.order((shop.jacket_m, 2))
    pick = Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund")
    first = ask(order, pick, idempotency_key="k1")
    assert ask(order, pick, idempotency_key="k1").pk == first.pk
    assert order.returns.count() == 1


@pytest.mark.django_db(transaction=True)
def test_platform_calls_reach_the_store_over_http(shop):
    with FakeShopify() as platform:
        shop.store.api_base_url, shop.store.api_token = platform.base_url, "shpat_test"
        shop.store.save()
        order = shop.order((shop.socks, 1))
        with TestCase.captureOnCommitCallbacks(execute=True):
            ask(order, Pick(line_of(order, shop.socks).pk, 1, "damaged"))
        created = [body for method, path, body in platform.calls if path == "/orders.json"]
        assert created and created[0]["order"]["line_items"][0]["variant_id"] == "P2-One size"
        assert PlatformCall.objects.get(action="create_order").status == "sent"


def test_a_line_refunded_whole_comes_to_exactly_what_was_paid():
    """A discount of 10.00 over three units: refunding all three gives back 350.00, not three times 116.67."""
    from stay.orders.models import OrderLine
    from stay.orders.selectors import line_paid

    line = OrderLine(quantity=3, unit_price=Decimal("120.00"), total_discount=Decimal("10.00"))
    assert line_paid(line, 3) == Decimal("350.00")
    assert line_paid(line, 1) == Decimal("116.67")
