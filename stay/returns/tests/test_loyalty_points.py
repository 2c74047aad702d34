"""A return resolved as store credit takes back its share of the order's loyalty points, as
a platform refund does (issue 21): buy, return for credit and spend the credit must not earn
the points twice."""

import pytest

from stay.loyalty.models import Member, OrderPoints
from stay.loyalty.services import points_apply_due, settings_for
from stay.returns.models import Condition
from stay.returns.services import Pick, Received, return_receive

from .conftest import Shop, ask, line_of

pytestmark = pytest.mark.django_db


def test_a_return_for_store_credit_takes_back_its_points_once(shop: Shop):
    programme = settings_for(shop.store)
    programme.enabled = True
    programme.save()
    order = shop.order((shop.jacket_m, 1), (shop.socks, 2))
    points_apply_due()
    lot = OrderPoints.objects.get(order=order)
    full = lot.counted
    assert full > 0 and Member.objects.get(customer=order.customer).pending == full

    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "changed_mind", outcome="store_credit"))
    return_receive(ret=ret, items=[Received(ret.lines.get().pk, 1, Condition.RESELLABLE)], actor="warehouse")
    lot.refresh_from_db()
    jacket = shop.jacket_m.price
    assert lot.counted == int(full * (order.total - jacket) / order.total)
    assert Member.objects.get(customer=order.customer).pending == lot.counted
    assert list(lot.credited.values()) == [str(jacket)]
