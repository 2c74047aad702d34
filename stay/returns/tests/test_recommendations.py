"""What a shopper sent back as defective or not as described is not recommended to them again
(issue 22); what they returned because they changed their mind still may be. The exchange step
offers, after the item's other sizes and colours, what is bought together with it."""

import pytest
from django.urls import reverse

from stay.recommendations.serving import recommend, recommend_for, search
from stay.recommendations.training import train
from stay.returns.messages import status_token
from stay.returns.selectors import order_exchange_fits
from stay.returns.services import Pick

from .conftest import Shop, _product, ask, line_of
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


def test_after_a_size_exchange_the_status_page_shows_what_fits_too(client, shop: Shop):
    pants = _product(shop.store, "P5", "Trail Pants", [("S", "60.00", 2), ("L", "60.00", 2)])
    shell = _product(shop.store, "P6", "Rain Shell", [("L", "90.00", 0), ("M", "90.00", 3)])
    shop.order((shop.jacket_s, 1), (pants["L"], 1), (shell["M"], 1), (shop.socks, 1))
    order = shop.order((shop.jacket_m, 1))
    train(shop.store)
    line = line_of(order, shop.jacket_m)
    ret = ask(order, Pick(line.pk, 1, "too_small", outcome="exchange", exchange_variant_id=shop.jacket_l.pk))
    page = client.get(reverse("returns:status", args=[shop.store.slug, status_token(ret)])).content.decode()
    fits = page[page.index('id="fits"') :]
    assert "These fit you too" in fits and "Trail Pants" in fits
    assert "Rain Shell" not in fits and "Merino Socks" not in fits  # none left in L; not her size


def test_what_fits_too_leaves_out_what_the_shopper_sent_back_as_faulty(shop: Shop):
    pants = _product(shop.store, "P5", "Trail Pants", [("S", "60.00", 2), ("L", "60.00", 2)])
    shorts = _product(shop.store, "P7", "Trail Shorts", [("L", "40.00", 4)])
    shop.order((shop.jacket_s, 1), (pants["L"], 1), (shorts["L"], 1), email="jun@example.com")
    earlier = shop.order((pants["L"], 1))  # Mina's own pants, which came apart
    ask(earlier, Pick(line_of(earlier, pants["L"]).pk, 1, "defective"))
    order = shop.order((shop.jacket_m, 1))
    train(shop.store)
    ask(
        order,
        Pick(
            line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="exchange", exchange_variant_id=shop.jacket_l.pk
        ),
    )
    assert [pick.product.title for pick in order_exchange_fits(order)] == ["Trail Shorts"]
