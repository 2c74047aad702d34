"""The assistant and recommendations (issue 22): "what would you recommend" answers a shopper
the storefront vouched for with their own list and anyone else with the best sellers, in
their language; after a size exchange, the return's status answer adds what fits them too."""

import pytest

from stay.recommendations.training import train
from stay.returns.services import Pick
from stay.returns.tests.conftest import _product, ask, line_of

from .conftest import say, sms_message
from .test_loyalty import verified_chat

pytestmark = pytest.mark.django_db


@pytest.fixture
def wardrobe(helpdesk):
    """Trail pants in L and a rain shell out of stock in L, both bought with the jacket."""
    pants = _product(helpdesk.store, "P5", "Trail Pants", [("S", "60.00", 2), ("L", "60.00", 2)])
    shell = _product(helpdesk.store, "P6", "Rain Shell", [("L", "90.00", 0), ("M", "90.00", 3)])
    for _ in range(2):
        helpdesk.order(
            (helpdesk.jacket_s, 1), (pants["L"], 1), (shell["M"], 1), (helpdesk.socks, 1), email="jun@example.com"
        )
    return pants, shell


def test_a_verified_shopper_gets_their_own_picks(helpdesk, mina_order, wardrobe):
    train(helpdesk.store)
    conversation = verified_chat(helpdesk, mina_order.customer)
    answer = say(helpdesk.store, conversation, "What would you recommend?")
    assert answer.intent == "recommend_products" and answer.action == "recommended"
    assert answer.text.startswith("Picked for you:")
    assert "Trail Jacket (bought before)" in answer.text  # Mina's own jacket is due again
    assert "Trail Pants" in answer.text and "Trail Sticker" not in answer.text  # bought by shoppers like her
    korean = say(helpdesk.store, conversation, "뭐 살지 추천 좀 해주세요", language="ko")
    assert korean.intent == "recommend_products" and korean.text.startswith("회원님을 위해 고른 상품:")


def test_anyone_else_gets_the_best_sellers(helpdesk, mina_order, wardrobe):
    train(helpdesk.store)
    stranger = sms_message(helpdesk.store, "hello", phone="+821099990000").conversation
    answer = say(helpdesk.store, stranger, "any suggestions for what I should buy?")
    assert answer.intent == "recommend_products" and answer.text.startswith("Our best sellers right now:")
    assert "Merino Socks" in answer.text and "(a best seller)" in answer.text
    assert "bought before" not in answer.text  # nothing of anyone's own history


def test_after_a_size_exchange_the_status_answer_adds_what_fits_too(helpdesk, mina_order, wardrobe):
    train(helpdesk.store)
    line = line_of(mina_order, helpdesk.jacket_m)
    ask(mina_order, Pick(line.pk, 1, "too_small", outcome="exchange", exchange_variant_id=helpdesk.jacket_l.pk))
    conversation = verified_chat(helpdesk, mina_order.customer)
    answer = say(helpdesk.store, conversation, f"where is my refund for order {mina_order.name}?")
    assert answer.action == "refund_status", answer.text
    assert "These fit you too:\n- Trail Pants" in answer.text
    assert "Rain Shell" not in answer.text  # none left in L
    assert "Merino Socks" not in answer.text  # "One size" is not her size
