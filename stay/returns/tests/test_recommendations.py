"""What a shopper sent back as defective or not as described is not recommended to them again
(issue 22); what they returned because they changed their mind still may be. The exchange step
offers, after the item's other sizes and colours, what is bought together with it."""

import pytest

from stay.recommendations.serving import recommend, recommend_for, search
from stay.recommendations.training import train
from stay.returns.services import Pick

from .conftest import Shop, ask, line_of
from .test_portal import find

pytestmark = pytest.mark.django_db


def test_a_faulty_return_is_not_offered_again(shop: Shop):
    order = shop.order((shop.jacket_m, 1), (shop.socks, 2))
    customer = order.customer
    before = [p.product.platform_id for p in recommend(store=shop.store, kind="for_you", customer=customer)]
    assert {"P1", "P2"} <= set(before)
    ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "defective"))
    ask(order, Pick(line_of(order, shop.socks).pk, 1, "changed_mind"))
    after = [p.product.platform_id for p in recommend(store=shop.store, kind="for_you", customer=customer)]
    assert "P1" not in after and "P2" in after
    assert "P1" not in [
        p.product.platform_id for p in recommend_for(store=shop.store, customer_ids=[customer.pk])[customer.pk]
    ]
    assert [p.product.platform_id for p in search(store=shop.store, query="jacket", customer=customer)] == []
    assert [p.product.platform_id for p in search(store=shop.store, query="jacket")] == ["P1"]  # others still find it


def test_the_exchange_step_offers_what_goes_with_the_item(client, shop: Shop):
    shop.order((shop.jacket_s, 1), (shop.socks, 1))  # another shopper's basket: jackets go with socks
    order = shop.order((shop.jacket_m, 1))
    train(shop.store)
    line = line_of(order, shop.jacket_m)
    find(client, number=order.name, secret="mina@example.com")
    options = client.post(
        "/returns/summit/start", {f"qty_{line.pk}": "1", f"reason_{line.pk}": "too_small", "action": "options"}
    ).content.decode()
    assert "Exchange for another size or colour" in options
    assert "Or something that goes with it:" in options and "Merino Socks" in options
