"""``POST /api/v1/assistant/reply``: the channels' path over HTTP; and the merchant's report."""

import pytest

from stay.conversations.models import Conversation

from .conftest import TRACKING, sms_message

pytestmark = pytest.mark.django_db


def post(api, body, **query):
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return api.post(f"/api/v1/assistant/reply{suffix}", data=body, content_type="application/json")


def test_reply_answers_with_intent_confidence_and_the_article(api, helpdesk):
    response = post(api, {"text": "반품 기한이 며칠이에요?"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["intent"] == "return_policy" and body["language"] == "ko"
    assert 0.5 < body["confidence"] <= 1
    assert body["article"] == "returns-and-exchanges" and "1월 31일" in body["reply"]
    assert body["handoff"] is False and body["outcome"] == "answered"


def test_reply_in_a_conversation_remembers_the_verified_order(api, helpdesk, mina_order):
    conversation = sms_message(helpdesk.store, "hi").conversation
    first = post(api, {"text": "where is my parcel", "conversation": conversation.pk}).json()
    assert first["action"] == "verify"
    second = post(api, {"text": f"{mina_order.name} mina@example.com", "conversation": conversation.pk}).json()
    assert second["order"] == mina_order.name and TRACKING in second["reply"]


def test_bad_requests_say_what_to_fix(api, helpdesk):
    assert post(api, {"text": ""}).status_code == 422
    assert post(api, {}).status_code == 422
    missing = post(api, {"text": "hi", "conversation": 999999})
    assert missing.status_code == 404 and "999999" in missing.json()["detail"]
    assert api.post("/api/v1/assistant/reply", data="{", content_type="application/json").status_code in (400, 422)


def test_the_api_needs_a_token(client, helpdesk):
    assert (
        client.post("/api/v1/assistant/reply", data={"text": "hi"}, content_type="application/json").status_code == 401
    )


def test_the_report_shows_what_it_handles_and_where_it_hands_over(api, helpdesk):
    conversation = sms_message(helpdesk.store, "x").conversation
    for text in ("hello", "how long is shipping", "I want a human"):
        post(api, {"text": text, "conversation": conversation.pk})
    report = api.get("/api/v1/assistant/report").json()
    assert report["messages"] == 3
    assert report["answered_without_a_person"] == pytest.approx(2 / 3, abs=0.001)
    assert report["handoff_reasons"] == {"asked for a person": 1}
    by_intent = {row["intent"]: row for row in report["intents"]}
    assert by_intent["contact_human"]["handed_off"] == 1
    assert Conversation.objects.get(pk=conversation.pk).tags == ["assistant-handoff"]
