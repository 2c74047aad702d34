"""WhatsApp Cloud API: verification, signatures, messages in (deduped, platform time), media,
statuses, replies out through a fake Graph API on loopback, and the 24-hour rule."""

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from stay.channels.whatsapp.fake import FakeWhatsApp, signed_headers, text_message
from stay.channels.whatsapp.models import WhatsAppAccount
from stay.conversations.models import Channel, Delivery, Message
from stay.conversations.services import message_send
from stay.core.errors import InvalidInput
from stay.customers.models import Identity, IdentityKind

PAYLOADS = Path(__file__).parent / "payloads"
APP_SECRET = "wa-app-secret"


def payload(name: str, **fill: str) -> bytes:
    raw = (PAYLOADS / f"{name}.json").read_text()
    for key, value in fill.items():
        raw = raw.replace("{" + key + "}", value)
    return raw.encode()


@pytest.fixture
def graph():
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture
def account(store, graph):
    return WhatsAppAccount.objects.create(
        store=store,
        phone_number_id=graph.phone_number_id,
        display_phone="+1 555 078 3881",
        app_secret=APP_SECRET,
        verify_token="summit-verify",
        access_token=graph.token,
        api_base_url=graph.base_url,
        templates=[
            {"name": "order_update", "language": "en"},
            {"name": "still_there", "language": "en", "text": "Hi {{1}}, about order {{2}}: we have news."},
        ],
    )


def post(client, raw: bytes, secret: str = APP_SECRET):
    body, headers = signed_headers(raw, secret)
    return client.post("/channels/whatsapp/webhook", data=body, content_type="application/json", headers=headers)


def test_verification_handshake(client, account):
    ok = client.get(
        "/channels/whatsapp/webhook",
        {"hub.mode": "subscribe", "hub.verify_token": "summit-verify", "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.content == b"1158201444"
    bad = client.get(
        "/channels/whatsapp/webhook", {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert bad.status_code == 403


def test_bad_signature_stores_nothing(client, account):
    response = post(client, payload("messages_text"), secret="not-the-secret")
    assert response.status_code == 401
    unsigned = client.post("/channels/whatsapp/webhook", data=payload("messages_text"), content_type="application/json")
    assert unsigned.status_code == 401
    assert not Message.objects.exists()


def test_malformed_payload_is_a_400_with_the_reason(client, account):
    assert post(client, b"{not json").status_code == 400
    response = post(
        client, json.dumps({"object": "whatsapp_business_account", "entry": [{"changes": [{"value": {}}]}]}).encode()
    )
    assert response.status_code == 400
    assert "metadata" in response.json()["detail"]


def test_one_bad_sender_fails_the_whole_webhook_and_files_nothing(client, account):
    good = text_message("16505551234", "hello", wamid="wamid.good")
    bad = text_message("not-a-number", "hi", wamid="wamid.bad")
    good["entry"][0]["changes"][0]["value"]["messages"] += bad["entry"][0]["changes"][0]["value"]["messages"]
    response = post(client, json.dumps(good).encode())
    assert response.status_code == 400
    assert "messages[1].from" in response.json()["detail"]
    assert not Message.objects.exists()


def test_text_message_filed_once_with_the_platform_time(client, account):
    assert post(client, payload("messages_text")).status_code == 200
    assert post(client, payload("messages_text")).json()["duplicates"] == 1  # Meta retries
    message = Message.objects.get()
    assert message.text == "Hi! Has order #1001 shipped yet?"
    assert message.channel == Channel.WHATSAPP
    assert message.channel_timestamp == datetime(2026, 11, 23, 11, 40, tzinfo=UTC)
    customer = message.conversation.customer
    assert customer.name == "Jamie Lee"
    kinds = set(Identity.objects.filter(customer=customer).values_list("kind", flat=True))
    assert kinds == {IdentityKind.WHATSAPP, IdentityKind.PHONE}


def test_whatsapp_finds_the_customer_who_ordered_with_that_phone(client, account, post_webhook):
    from stay.conftest import payload as shopify_payload

    order = shopify_payload("orders_create")
    order["phone"] = "+16505551234"
    order["customer"]["phone"] = "+16505551234"
    post_webhook("orders/create", order)
    post(client, payload("messages_text"))
    message = Message.objects.get(direction="in")
    assert message.conversation.customer.orders.count() == 1


def test_interactive_and_media(client, account, graph):
    graph.media["1479537139650973"] = (b"\xff\xd8\xff-jpeg-bytes", "image/jpeg")
    assert post(client, payload("messages_interactive_and_image")).status_code == 200
    button, image = Message.objects.order_by("id")
    assert button.text == "Exchange it"
    assert image.text == "The torn seam"
    [attachment] = image.attachments.all()
    assert attachment.content_type == "image/jpeg"
    assert attachment.file.read() == b"\xff\xd8\xff-jpeg-bytes"


def test_reply_goes_out_and_statuses_move_forward(
    client, account, graph, agent_user, django_capture_on_commit_callbacks
):
    post(client, json.dumps(text_message("16505551234", "Hello?", wamid="wamid.in1", name="Jamie")).encode())
    conversation = Message.objects.get().conversation
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, text="Hi Jamie, it shipped today.", author=agent_user)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENT
    [sent] = graph.sent
    assert sent["to"] == "16505551234" and sent["type"] == "text"
    assert sent["text"]["body"] == "Hi Jamie, it shipped today."
    assert reply.channel_message_id == sent["id"]
    # 'read' arrives before 'delivered': the later state stays.
    post(client, payload("statuses_delivered_read", WAMID=reply.channel_message_id))
    reply.refresh_from_db()
    assert reply.delivery == Delivery.READ


def test_outside_24_hours_only_a_template(client, account, graph, agent_user, django_capture_on_commit_callbacks):
    day_and_a_half_ago = int(time.time()) - 36 * 3600
    post(client, json.dumps(text_message("16505551234", "Hi", wamid="wamid.old", at=day_and_a_half_ago)).encode())
    conversation = Message.objects.get().conversation
    with pytest.raises(InvalidInput, match="24 hours"):
        message_send(conversation=conversation, text="Sorry for the wait", author=agent_user)
    with django_capture_on_commit_callbacks(execute=True):
        message_send(
            conversation=conversation,
            text="(template) order_update",
            author=agent_user,
            meta={"template": {"name": "order_update", "language": "en"}},
        )
    assert graph.sent[-1]["type"] == "template"
    assert graph.sent[-1]["template"]["name"] == "order_update"


def test_an_agent_answers_after_24_hours_with_a_template_from_the_console(
    client, account, graph, agent_user, django_capture_on_commit_callbacks
):
    day_and_a_half_ago = int(time.time()) - 36 * 3600
    post(
        client, json.dumps(text_message("16505551234", "Any news?", wamid="wamid.late", at=day_and_a_half_ago)).encode()
    )
    conversation = Message.objects.get().conversation
    assert client.login(username="alex", password="agent-pass")
    page = client.get(f"/console/c/{conversation.pk}").content.decode()
    assert "still_there (en): Hi {{1}}, about order {{2}}: we have news." in page
    assert 'placeholder="Values for {{1}}, {{2}}…, one per line"' in page

    url = f"/console/c/{conversation.pk}/template"
    too_few = client.post(url, {"template": "still_there|en", "values": "Jamie"})
    assert too_few.status_code == 400 and "needs 2 values" in too_few.content.decode()
    unknown = client.post(url, {"template": "made_up|en", "values": ""})
    assert unknown.status_code == 400 and "not an approved template" in unknown.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url, {"template": "still_there|en", "values": "Jamie\n#1042\n"})
    assert sent.status_code == 200 and "Hi Jamie, about order #1042: we have news." in sent.content.decode()
    body = graph.sent[-1]
    assert body["type"] == "template" and body["template"]["name"] == "still_there"
    assert body["template"]["language"] == {"code": "en"}
    assert body["template"]["components"] == [
        {"type": "body", "parameters": [{"type": "text", "text": "Jamie"}, {"type": "text", "text": "#1042"}]}
    ]
    assert Message.objects.filter(direction="out").get().delivery == Delivery.SENT


def test_the_api_sends_a_template_and_says_what_is_wrong(client, account, graph, store, django_user_model):
    from stay.conversations.models import Agent, Role
    from stay.core.services import api_token_create

    post(client, json.dumps(text_message("16505551234", "Hello", wamid="wamid.api")).encode())
    conversation = Message.objects.get().conversation
    user = django_user_model.objects.create_user(username="bot-dev", password="x")
    Agent.objects.create(user=user, role=Role.AGENT).stores.add(account.store)
    _, raw = api_token_create(username="bot-dev")
    url = f"/api/v1/conversations/{conversation.pk}/whatsapp-template"
    auth = {"Authorization": f"Bearer {raw}"}
    wrong = client.post(
        url, {"name": "still_there", "language": "en", "values": ["Jamie"]}, "application/json", headers=auth
    )
    assert wrong.status_code == 400 and "needs 2 values" in wrong.json()["detail"]
    ok = client.post(
        url, {"name": "still_there", "language": "en", "values": ["Jamie", "#7"]}, "application/json", headers=auth
    )
    assert ok.status_code == 201 and ok.json()["text"] == "Hi Jamie, about order #7: we have news."


def test_api_failure_is_retried_later(client, account, graph, agent_user, django_capture_on_commit_callbacks):
    post(client, json.dumps(text_message("16505551234", "Hello?", wamid="wamid.in2")).encode())
    conversation = Message.objects.get().conversation
    graph.failures.append(503)
    with django_capture_on_commit_callbacks(execute=True):
        reply = message_send(conversation=conversation, text="Checking", author=agent_user)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.QUEUED and "503" in reply.last_error
    assert reply.next_attempt_at is not None


def test_one_apps_secret_files_nothing_for_another_stores_number(client, account, kr_store):
    """Issue 18 #8: the signature was checked against every number's secret and the store then
    taken from the payload, so one store's app secret could file messages as another's."""
    WhatsAppAccount.objects.create(
        store=kr_store, phone_number_id="999000111", app_secret="kr-secret", verify_token="kr", access_token="t"
    )
    forged = text_message("16505551234", "refund me", wamid="wamid.forged")  # for the first store's number
    response = post(client, json.dumps(forged).encode(), secret="kr-secret")
    assert response.status_code == 200 and response.json()["ignored"] == 1
    assert not Message.objects.exists()
    assert post(client, json.dumps(forged).encode()).json()["messages"] == 1  # its own secret


def test_absurd_timestamps_and_deep_nesting_are_4xx_not_500(client, account):
    far = text_message("16505551234", "hi", wamid="wamid.far")
    far["entry"][0]["changes"][0]["value"]["messages"][0]["timestamp"] = "99999999999999999"
    assert post(client, json.dumps(far).encode()).status_code == 200
    assert Message.objects.get().channel_timestamp.year == datetime.now(UTC).year  # the time it came
    deep = ("[" * 100_000 + "]" * 100_000).encode()
    assert post(client, deep).status_code == 400


def test_a_korean_opt_out_on_whatsapp_is_recorded_and_confirmed(
    client, account, graph, django_capture_on_commit_callbacks
):
    """Issue 20 (opting out by reply): "수신거부" on WhatsApp withdraws marketing consent there."""
    from stay.customers.models import ConsentState
    from stay.customers.selectors import consent_current

    with django_capture_on_commit_callbacks(execute=True):
        post(client, json.dumps(text_message("821055501234", "수신거부", wamid="wamid.stop", name="민지")).encode())
    stop = Message.objects.get(direction="in")
    consent = consent_current(stop.conversation.customer)
    assert consent["whatsapp"].state == ConsentState.UNSUBSCRIBED and "sms" not in consent
    [sent] = graph.sent
    assert sent["to"] == "821055501234" and "광고성 메시지" in sent["text"]["body"]
