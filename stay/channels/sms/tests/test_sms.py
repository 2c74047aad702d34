"""Twilio-format SMS: signed webhooks (full URL, sorted params, X-Forwarded-Proto), replies
out through a fake Messages API on loopback, delivery statuses."""

import pytest

from stay.channels.sms.fake import FakeTwilio, incoming, signed_form
from stay.channels.sms.models import TwilioAccount
from stay.conversations.models import Channel, Delivery, Message
from stay.conversations.services import message_send

SID = "AC" + "1" * 32


@pytest.fixture
def twilio():
    with FakeTwilio(account_sid=SID, auth_token="tw-secret") as fake:
        yield fake


@pytest.fixture
def account(store, twilio):
    return TwilioAccount.objects.create(
        store=store, account_sid=SID, auth_token="tw-secret", from_number="+15005550006", api_base_url=twilio.base_url
    )


def post(client, form, *, url="http://testserver/channels/sms/twilio", token="tw-secret", headers=None):
    sent = {**signed_form(url, form, token), **(headers or {})}
    return client.post("/channels/sms/twilio", data=form, headers=sent)


def test_signed_sms_is_filed(client, account):
    form = incoming("+16505551234", "Is the Ridge 2 tent back in stock?", sid="SM" + "a" * 32, account_sid=SID)
    response = post(client, form)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    message = Message.objects.get()
    assert message.channel == Channel.SMS and message.text == "Is the Ridge 2 tent back in stock?"
    assert post(client, form).status_code == 200
    assert Message.objects.count() == 1  # Twilio retried: same MessageSid


def test_signature_over_the_https_url_behind_a_proxy(client, account):
    form = incoming("+16505551234", "hello", sid="SM" + "b" * 32, account_sid=SID)
    https = post(client, form, url="https://testserver/channels/sms/twilio", headers={"X-Forwarded-Proto": "https"})
    assert https.status_code == 200
    # Signed for https but received as plain http with no header: not what Twilio signed.
    assert post(client, form, url="https://testserver/channels/sms/twilio").status_code == 403


def test_bad_signature_or_unknown_account_stores_nothing(client, account):
    form = incoming("+16505551234", "hello", sid="SM" + "c" * 32, account_sid=SID)
    assert post(client, form, token="wrong").status_code == 403
    tampered = {**form, "Body": "something else"}
    assert (
        client.post(
            "/channels/sms/twilio",
            data=tampered,
            headers=signed_form("http://testserver/channels/sms/twilio", form, "tw-secret"),
        ).status_code
        == 403
    )
    other = incoming("+16505551234", "hello", sid="SM" + "d" * 32, account_sid="AC" + "9" * 32)
    assert post(client, other).status_code == 403
    assert not Message.objects.exists()


def test_malformed_is_a_400(client, account):
    form = {"AccountSid": SID, "Body": "no sender"}
    response = post(client, form)
    assert response.status_code == 400 and b"From" in response.content


def test_reply_goes_out_and_status_callback_updates_it(
    client, account, twilio, agent_user, django_capture_on_commit_callbacks
):
    post(client, incoming("+16505551234", "hi", sid="SM" + "e" * 32, account_sid=SID))
    conversation = Message.objects.get().conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, text="Yes, in stock from Friday.", author=agent_user)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENT
    [sent] = twilio.sent
    assert sent["To"] == "+16505551234" and sent["From"] == "+15005550006"
    assert sent["Body"] == "Yes, in stock from Friday."
    assert sent["StatusCallback"].endswith("/channels/sms/twilio/status")
    status = {"AccountSid": SID, "MessageSid": reply.channel_message_id, "MessageStatus": "delivered"}
    response = client.post(
        "/channels/sms/twilio/status",
        data=status,
        headers=signed_form("http://testserver/channels/sms/twilio/status", status, "tw-secret"),
    )
    assert response.status_code == 204
    reply.refresh_from_db()
    assert reply.delivery == Delivery.DELIVERED
    late = {**status, "MessageStatus": "sent"}  # reports arrive out of order: never backwards
    client.post(
        "/channels/sms/twilio/status",
        data=late,
        headers=signed_form("http://testserver/channels/sms/twilio/status", late, "tw-secret"),
    )
    reply.refresh_from_db()
    assert reply.delivery == Delivery.DELIVERED


@pytest.mark.parametrize("word", ["STOP", "stop", " Unsubscribe! ", "opt out", "수신거부"])
def test_a_stop_reply_opts_out_at_once_and_is_confirmed(
    client, account, twilio, word, django_capture_on_commit_callbacks
):
    """Issue 20 (opting out by reply): the whole message a revocation word withdraws marketing
    consent on SMS in the same transaction, the shopper is told, and the assistant stays out."""
    from stay.customers.models import ConsentRecord, ConsentState
    from stay.customers.selectors import consent_current

    with django_capture_on_commit_callbacks(execute=True):
        post(client, incoming("+16505551234", word, sid="SM" + "f" * 32, account_sid=SID))
    stop = Message.objects.get(direction="in")
    current = consent_current(stop.conversation.customer)["sms"]
    assert current.state == ConsentState.UNSUBSCRIBED and current.source == "reply"
    assert current.evidence["message"] == stop.pk and stop.meta["opt_out"]
    [sent] = twilio.sent
    assert sent["To"] == "+16505551234"
    expected = "광고성 메시지" if word == "수신거부" else "no more marketing messages from Summit Outdoor by SMS"
    assert expected in sent["Body"], sent["Body"]
    assert Message.objects.filter(direction="out").count() == 1  # the confirmation only: no assistant answer
    assert ConsentRecord.objects.count() == 1


def test_cancel_my_order_is_not_an_opt_out(client, account):
    from stay.customers.models import ConsentRecord

    post(client, incoming("+16505551234", "cancel my order please", sid="SM" + "g" * 32, account_sid=SID))
    assert not ConsentRecord.objects.exists() and not Message.objects.get().meta.get("opt_out")


def test_a_text_sign_up_is_confirmed_by_a_yes_reply(
    client, account, twilio, api_for, lead_user, django_capture_on_commit_callbacks
):
    """Issue 20 (double opt-in by text): the sign-up asks for YES; the reply confirms it, and the
    shopper is told the result; a YES with nothing waiting is just a message."""
    from stay.customers.models import ConsentState, Customer
    from stay.customers.selectors import consent_current

    api = api_for(lead_user)
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post(
            "/api/v1/subscriptions",
            {"channel": "sms", "phone": "+16505551234", "wording": "Texts with news and offers", "source": "checkout"},
            content_type="application/json",
        )
    assert asked.status_code == 202
    assert "reply YES" in twilio.sent[-1]["Body"]
    with django_capture_on_commit_callbacks(execute=True):
        post(client, incoming("+16505551234", "Yes", sid="SM" + "h" * 32, account_sid=SID))
    customer = Customer.objects.get(pk=asked.json()["customer_id"])
    current = consent_current(customer)["sms"]
    assert current.state == ConsentState.SUBSCRIBED and current.evidence["confirmed_by"] == "reply"
    assert current.evidence["wording"] == "Texts with news and offers"
    assert "will send you news and offers by SMS" in twilio.sent[-1]["Body"]
    assert Message.objects.get(direction="in", text="Yes").meta["opt_in"] == "YES"
