"""Loyalty points about to expire (issue 21) are told through the outreach flows: the warning a
month before and the last chance a week before pass the gate (consent, quiet hours, how often),
in the shopper's language, with the (광고) rules for Korea, and stop when the shopper orders."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from stay.conftest import payload
from stay.conversations.models import Message, Purpose
from stay.flows import engine
from stay.flows.models import Enrolment, EnrolmentState, Outreach, Verdict
from stay.flows.tests.test_gate import shopper
from stay.loyalty import services as loyalty

pytestmark = pytest.mark.django_db


@pytest.fixture
def expiring(store):
    """A programme whose points expire after six months without a purchase."""
    settings = loyalty.settings_for(store)
    settings.enabled, settings.expiry_months = True, 6
    settings.save()
    return settings


def with_points(customer, points=288):
    loyalty.points_bonus(customer=customer, rule="review", key=f"test:{customer.pk}", actor="test", points=points)
    member = loyalty.member_of(customer)
    return member, loyalty.expires_at(member, loyalty.settings_for(customer.store))


def warn(now, capture):
    with capture(execute=True):  # the durable event's delivery: the flow enrols the shopper
        loyalty.points_expire_due(now=now)


def advance(now, capture):
    with capture(execute=True):
        engine.flows_advance(now=now)


def test_the_warning_and_the_last_chance_go_through_the_gate(
    store, outreach, expiring, django_capture_on_commit_callbacks
):
    mina = shopper(store, email="mina@example.com")
    _member, ends = with_points(mina)
    warn(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    advance(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    [warning] = Message.objects.filter(conversation__customer=mina, purpose=Purpose.MARKETING)
    on = timezone.localdate(ends, store.zone)  # the store's day (New York), not UTC's
    assert warning.meta["subject"] == f"Your 288 points expire on {on.isoformat()}"
    assert "any purchase keeps them" in warning.text and "/r/" in warning.text  # the account page, tracked
    assert "Unsubscribe: " in warning.text and "List-Unsubscribe" in warning.meta["headers"]

    warn(ends - timedelta(days=6), django_capture_on_commit_callbacks)
    warn(ends - timedelta(days=5), django_capture_on_commit_callbacks)  # once
    advance(ends - timedelta(days=5), django_capture_on_commit_callbacks)
    texts = Message.objects.filter(conversation__customer=mina, purpose=Purpose.MARKETING).order_by("id")
    assert [m.meta["subject"].split(":")[0] for m in texts] == [warning.meta["subject"].split(":")[0], "Last chance"]

    # Clicking the link leads to the shopper's account page.
    link = texts[1].text.split("keeps them: ")[1].split()[0].removeprefix("http://127.0.0.1:8000")
    from django.test import Client

    went = Client().get(link)
    assert went.status_code == 302 and went["Location"].endswith(f"/account/{store.slug}/")


def test_no_consent_no_warning_and_the_reason_is_recorded(
    store, outreach, expiring, django_capture_on_commit_callbacks
):
    jon = shopper(store, email="jon@example.com", channels=())
    _member, ends = with_points(jon)
    warn(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    advance(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    assert not Message.objects.filter(purpose=Purpose.MARKETING).exists()
    decision = Outreach.objects.get(customer=jon)
    assert (decision.verdict, decision.reason) == (Verdict.WITHHELD, "no_consent")


def test_an_order_before_the_warning_goes_out_stops_it(
    store, outreach, expiring, post_webhook, django_capture_on_commit_callbacks
):
    jon = shopper(store, email="jon@example.com")
    _member, ends = with_points(jon)
    warn(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    order = payload("orders_create")
    order.update(created_at=timezone.now().isoformat(), processed_at=timezone.now().isoformat())
    post_webhook("orders/create", order)  # jon@example.com: the purchase keeps the points
    advance(ends - timedelta(days=29), django_capture_on_commit_callbacks)
    enrolment = Enrolment.objects.get(flow__trigger="points")
    assert (enrolment.state, enrolment.exit_reason) == (EnrolmentState.EXITED, "ordered")
    assert not Message.objects.filter(purpose=Purpose.MARKETING, text__contains="points").exists()


def test_a_shopper_in_korea_is_told_in_korean_as_an_advertisement_and_not_at_night(
    store, outreach, expiring, django_capture_on_commit_callbacks
):
    outreach.quiet_start, outreach.quiet_end = time(21), time(8)
    outreach.save()
    minji = shopper(store, phone="+821012345678", tz="Asia/Seoul", channels=("sms",))
    minji.locale = "ko"
    minji.save(update_fields=["locale"])
    _member, ends = with_points(minji, points=1500)
    at = (ends - timedelta(days=29)).astimezone(timezone.get_fixed_timezone(9 * 60)).replace(hour=23, minute=0)
    warn(at, django_capture_on_commit_callbacks)
    advance(at, django_capture_on_commit_callbacks)
    decision = Outreach.objects.get(customer=minji)
    assert decision.verdict == Verdict.WAITING and decision.until > at  # night in Seoul: the morning
    advance(decision.until, django_capture_on_commit_callbacks)
    [text] = Message.objects.filter(conversation__customer=minji, purpose=Purpose.MARKETING)
    assert text.channel == "sms" and text.text.startswith("(광고) ")
    assert "1,500 포인트가" in text.text and "무료 수신거부" in text.text
