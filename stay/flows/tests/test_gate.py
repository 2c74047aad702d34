"""The one gate (issue 20): consent, quiet hours in the shopper's own time zone with the Korean
and US rules, smart sending and the weekly cap, suppression and WhatsApp's window. The clock
is the ``now`` the gate is asked at, so these hold at any hour the suite runs."""

from datetime import UTC, datetime, time, timedelta

import pytest

from stay.conversations.models import Conversation, Status
from stay.customers.inputs import ConsentInput, CustomerInput
from stay.customers.models import ConsentState
from stay.customers.services import consent_record, customer_resolve, identities_bounced
from stay.flows.gate import _suppressors, decide, register_suppressor
from stay.flows.models import Outreach, OutreachSettings, Verdict

pytestmark = pytest.mark.django_db


def shopper(store, *, email="", phone="", tz="", channels=("email",), night=False):
    customer = customer_resolve(store=store, data=CustomerInput(email=email, phone=phone), actor="test")
    if tz:
        customer.timezone = tz
        customer.save(update_fields=["timezone"])
    for channel in channels:
        evidence = {"wording": "yes", "night_time": True} if night else {"wording": "yes"}
        consent_record(
            customer=customer,
            consent=ConsentInput(
                channel=channel,
                state=ConsentState.SUBSCRIBED,
                occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
                source="form",
                evidence=evidence,
            ),
            actor="test",
        )
    return customer


def one(store, customer, channel, now, **kw):
    return decide(store=store, customer_ids=[customer.pk], channel=channel, now=now, **kw)[customer.pk]


def test_consent_is_needed_and_a_request_stands_in_for_it_until_an_opt_out(store):
    never = shopper(store, email="never@example.com", channels=())
    noon = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)  # 12:00 in New York
    assert one(store, never, "email", noon).reason == "no_consent"
    assert one(store, never, "email", noon, requested=True).allowed  # a back-in-stock request
    consent_record(
        customer=never,
        consent=ConsentInput(channel="email", state="unsubscribed", occurred_at=noon, source="reply"),
        actor="test",
    )
    refused = one(store, never, "email", noon, requested=True)
    assert refused.reason == "no_consent" and refused.until is None and refused.verdict == Verdict.WITHHELD


def test_quiet_hours_are_the_shoppers_own_across_time_zones(store):
    seoul = shopper(store, email="seoul@example.com", tz="Asia/Seoul")
    la = shopper(store, email="la@example.com", tz="America/Los_Angeles")
    at = datetime(2026, 12, 4, 13, 0, tzinfo=UTC)  # 22:00 in Seoul, 05:00 in Los Angeles
    for customer, wake in (
        (seoul, datetime(2026, 12, 4, 23, 0, tzinfo=UTC)),
        (la, datetime(2026, 12, 4, 16, 0, tzinfo=UTC)),
    ):
        decision = one(store, customer, "email", at)
        assert (decision.reason, decision.until, decision.verdict) == ("quiet_hours", wake, Verdict.WAITING)
    daytime = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)  # 11:00 in Seoul, 18:00 in LA
    assert one(store, seoul, "email", daytime).allowed and one(store, la, "email", daytime).allowed
    # No time zone of their own: the phone number's (Seoul), else the store's (New York).
    phoned = shopper(store, phone="+821012345678", channels=("sms",))
    assert one(store, phoned, "sms", at).reason == "quiet_hours"
    plain = shopper(store, email="plain@example.com")
    assert one(store, plain, "email", at).allowed  # 08:00 in New York


def test_korea_night_needs_its_own_consent_and_the_us_texts_only_8_to_21(store):
    OutreachSettings.objects.create(store=store, quiet_start=time(23, 0), quiet_end=time(6, 0))
    korean = shopper(store, email="k@example.com", phone="+821012345678", channels=("sms", "email"))
    night_ok = shopper(store, phone="+821098765432", channels=("sms",), night=True)
    at = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)  # 21:30 in Seoul: inside 21-08, outside the store's 23-06
    decision = one(store, korean, "sms", at)
    assert decision.reason == "night_korea" and decision.until == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    assert decision.country == "KR"
    assert one(store, night_ok, "sms", at).allowed  # separate night-time consent
    assert one(store, korean, "email", at).allowed  # the rule is for texts
    american = shopper(store, email="a@example.com", phone="+12125550123", channels=("sms", "email"))
    early = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)  # 07:30 in New York
    assert one(store, american, "sms", early).reason == "us_text_hours"
    assert one(store, american, "email", early).allowed


def test_smart_sending_and_the_weekly_cap_reschedule(store):
    customer = shopper(store, email="busy@example.com", channels=("email", "sms"), tz="America/New_York")
    noon = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)

    def sent(channel, hours_ago):
        Outreach.objects.create(
            store=store,
            customer=customer,
            channel=channel,
            verdict=Verdict.SENT,
            decided_at=noon - timedelta(hours=hours_ago),
        )

    sent("email", 10)
    decision = one(store, customer, "email", noon)
    assert decision.reason == "smart_sending" and decision.until == noon + timedelta(hours=6)
    sent("sms", 30)
    assert one(store, customer, "sms", noon).allowed
    sent("sms", 50)
    capped = one(store, customer, "sms", noon)  # three this week (the default cap)
    assert capped.reason == "weekly_cap" and capped.until == noon - timedelta(hours=50) + timedelta(days=7)


def test_complaints_returns_and_bounces_suppress(store):
    upset = shopper(store, email="upset@example.com", tz="America/New_York")
    returning = shopper(store, email="returning@example.com", tz="America/New_York")
    gone = shopper(store, email="gone@example.com", tz="America/New_York")
    noon = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    Conversation.objects.create(
        store=store, customer=upset, channel="email", status=Status.OPEN, tags=["complaint"], last_message_at=noon
    )
    identities_bounced(identity_ids=list(gone.identities.values_list("pk", flat=True)))
    register_suppressor("return", lambda ids: {pk for pk in ids if pk == returning.pk})
    try:
        decisions = decide(store=store, customer_ids=[upset.pk, returning.pk, gone.pk], channel="email", now=noon)
    finally:
        _suppressors.pop("return")
    assert (decisions[upset.pk].reason, decisions[upset.pk].until) == ("complaint", noon + timedelta(hours=12))
    assert decisions[returning.pk].reason == "return" and decisions[returning.pk].verdict == Verdict.WAITING
    assert decisions[gone.pk].reason == "bounced" and decisions[gone.pk].verdict == Verdict.WITHHELD


def test_whatsapp_outside_the_window_needs_a_template(store):
    customer = shopper(store, phone="+12125550123", channels=("whatsapp",), tz="America/New_York")
    noon = datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert one(store, customer, "whatsapp", noon).reason == "whatsapp_template"
    assert one(store, customer, "whatsapp", noon, template=True).allowed
    Conversation.objects.create(
        store=store,
        customer=customer,
        channel="whatsapp",
        last_message_at=noon,
        last_inbound_at=noon - timedelta(hours=2),
    )
    assert one(store, customer, "whatsapp", noon).allowed
