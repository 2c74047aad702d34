"""Korea's two-yearly notice of consent (issue 20): a shopper in Korea subscribed for two years
is told what they agreed to and how to stop, once; others are not."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from stay.customers.inputs import ConsentInput, CustomerInput
from stay.customers.services import consent_record, customer_resolve
from stay.flows.models import ConsentReminder
from stay.flows.reminders import consent_reminders_due

pytestmark = pytest.mark.django_db


def subscribed(store, *, email, phone="", at):
    customer = customer_resolve(store=store, data=CustomerInput(email=email, phone=phone, locale="ko"), actor="t")
    consent_record(
        customer=customer,
        consent=ConsentInput(channel="email", state="subscribed", occurred_at=at, source="form"),
        actor="t",
    )
    return customer


def test_every_two_years_a_shopper_in_korea_is_told(
    kr_store, store, mailbox, outbox, django_capture_on_commit_callbacks
):
    mailbox.store = kr_store
    mailbox.save()
    long_ago = timezone.now() - timedelta(days=731)
    old = subscribed(kr_store, email="old@example.com", at=long_ago)
    subscribed(kr_store, email="new@example.com", at=timezone.now() - timedelta(days=30))
    subscribed(store, email="us@example.com", phone="+12125550123", at=long_ago)  # in the US: not this rule
    with django_capture_on_commit_callbacks(execute=True):
        assert consent_reminders_due() == 1
        assert consent_reminders_due() == 0  # once per two years
    [mail] = [m for m in outbox.unique() if m["To"] == "old@example.com"]
    body = mail.get_content()
    assert timezone.localdate(long_ago, kr_store.zone).isoformat() in body and "/u/" in body
    assert ConsentReminder.objects.get().customer == old
    later = datetime.now(UTC) + timedelta(days=731)
    assert consent_reminders_due(later) == 2  # two years on: both again (the new one now due too)


def test_the_day_of_consent_is_the_shoppers_day_not_utcs(kr_store, mailbox, outbox, django_capture_on_commit_callbacks):
    """20:00 UTC on 1 January is 05:00 on 2 January in Seoul: the shopper agreed on the 2nd."""
    mailbox.store = kr_store
    mailbox.save()
    subscribed(kr_store, email="early@example.com", at=datetime(2024, 1, 1, 20, 0, tzinfo=UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert consent_reminders_due(datetime(2026, 1, 5, tzinfo=UTC)) == 1
    [mail] = [m for m in outbox.unique() if m["To"] == "early@example.com"]
    assert "2024-01-02" in mail.get_content()


def test_an_opt_out_recorded_by_an_agent_or_the_api_is_confirmed_to_the_shopper(
    api, store, mailbox, outbox, django_capture_on_commit_callbacks
):
    mina = subscribed(store, email="mina@example.com", at=timezone.now() - timedelta(days=3))
    mina.locale = "en"
    mina.save(update_fields=["locale"])
    with django_capture_on_commit_callbacks(execute=True):
        done = api.post(
            "/api/v1/subscriptions/unsubscribe",
            {"email": "mina@example.com", "channels": ["email"]},
            content_type="application/json",
        )
    assert done.status_code == 200
    [mail] = [m for m in outbox.unique() if "unsubscribed" in m["Subject"]]
    assert "no more news or offers by Email" in mail.get_content()
    with django_capture_on_commit_callbacks(execute=True):  # nothing more to withdraw: no second word
        api.post(
            "/api/v1/subscriptions/unsubscribe",
            {"email": "mina@example.com", "channels": ["email"]},
            content_type="application/json",
        )
    assert len([m for m in outbox.unique() if "unsubscribed" in m["Subject"]]) == 1
