"""What outreach earned (issue 20): orders credited to the last touch (a click within 5 days,
else a message within 1), and the lift over the holdout with its confidence interval, through
/api/v1/flows."""

from datetime import timedelta

import pytest
from django.utils import timezone

from stay.conftest import payload
from stay.connectors.shopify import mapping
from stay.connectors.shopify import schemas as s
from stay.connectors.shopify.services import parse
from stay.flows.attribution import flow_lift
from stay.flows.models import Conversion, Enrolment, Outreach, Verdict
from stay.flows.services import outreach_prepare
from stay.flows.tests.test_gate import shopper
from stay.orders.services import order_upsert

pytestmark = pytest.mark.django_db


def order_of(store, customer, placed_at, number):
    body = payload("orders_create")
    email = customer.identities.get(kind="email").value
    body.update(
        id=7000 + number,
        name=f"#{7000 + number}",
        order_number=7000 + number,
        email=email,
        customer={**body["customer"], "id": 8000 + number, "email": email},
        created_at=placed_at.isoformat(),
        processed_at=placed_at.isoformat(),
        updated_at=placed_at.isoformat(),
    )
    return order_upsert(store=store, data=mapping.order(parse(s.Order, body)), actor="shopify")[0]


def test_orders_are_credited_to_the_last_touch_and_the_lift_has_an_interval(
    store, api, django_capture_on_commit_callbacks
):
    outreach_prepare(store=store)
    flow = store.flows.get(trigger="checkout")
    now = timezone.now()
    people = [shopper(store, email=f"p{n}@example.com") for n in range(40)]
    for n, person in enumerate(people):
        holdout = n >= 20
        enrolment = Enrolment.objects.create(
            store=store, flow=flow, customer=person, key=f"k{n}", holdout=holdout, created_at=now
        )
        Enrolment.objects.filter(pk=enrolment.pk).update(created_at=now - timedelta(days=3))
        if not holdout:
            Outreach.objects.create(
                store=store,
                customer=person,
                flow=flow,
                enrolment=enrolment,
                position=1,
                channel="email",
                verdict=Verdict.SENT,
                decided_at=now - timedelta(days=3),
                clicked_at=now - timedelta(days=2) if n < 5 else None,
            )
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(10):  # 10 of 20 messaged shoppers order; 5 had clicked
            order_of(store, people[n], now - timedelta(hours=1), n)
        for n in (20, 21):  # 2 of 20 in the holdout order anyway
            order_of(store, people[n], now - timedelta(hours=1), n)
    credited = Conversion.objects.filter(flow=flow)
    # Clicked 2 days before: credited to the click. Only messaged 3 days before (message window
    # 1 day): not credited. The holdout got no message: nothing to credit.
    assert credited.count() == 5 and set(credited.values_list("touch", flat=True)) == {"click"}

    lift = flow_lift(flow)
    assert (lift.messaged, lift.messaged_converted, lift.holdout, lift.holdout_converted) == (20, 10, 20, 2)
    low, high = lift.interval
    assert lift.lift == pytest.approx(0.4) and 0.13 < low < 0.16 and 0.64 < high < 0.67

    [listed] = [f for f in api.get("/api/v1/flows").json() if f["id"] == flow.pk]
    assert (listed["sent"], listed["clicked"], listed["converted"]) == (20, 5, 5)
    assert listed["lift"]["holdout_converted"] == 2 and listed["lift"]["lift_low"] == pytest.approx(low)
    assert api.get("/api/v1/flows/999999").status_code == 404
