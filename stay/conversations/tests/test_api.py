"""/api/v1/conversations through real HTTP requests with a bearer token."""

import pytest
from django.test import Client

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Agent, Channel, Role, Status
from stay.conversations.services import message_receive
from stay.core.services import api_token_create


def email_in(store, text, sender):
    return message_receive(
        store=store, data=InboundMessage(channel=Channel.EMAIL, sender_kind="email", sender=sender, text=text)
    )[0]


@pytest.fixture
def agent_api(api, api_user, store):
    Agent.objects.create(user=api_user, role=Role.AGENT).stores.add(store)
    return api


def test_only_agents_may_use_it(api, store):
    email_in(store, "hello", "a@example.com")
    assert api.get("/api/v1/conversations").status_code == 403
    assert Client().get("/api/v1/conversations").status_code == 401


def test_list_filter_and_keyset_pages(agent_api, store):
    for i in range(5):
        email_in(store, f"hello {i}", f"shopper{i}@example.com")
    page1 = agent_api.get("/api/v1/conversations?limit=2").json()
    assert [c["preview"] for c in page1["items"]] == ["hello 4", "hello 3"]
    page2 = agent_api.get(f"/api/v1/conversations?limit=2&cursor={page1['next_cursor']}").json()
    assert [c["preview"] for c in page2["items"]] == ["hello 2", "hello 1"]
    page3 = agent_api.get(f"/api/v1/conversations?limit=2&cursor={page2['next_cursor']}").json()
    assert [c["preview"] for c in page3["items"]] == ["hello 0"] and page3["next_cursor"] == ""
    only = agent_api.get("/api/v1/conversations?email=SHOPPER3@example.com").json()["items"]
    assert [c["preview"] for c in only] == ["hello 3"]
    assert agent_api.get("/api/v1/conversations?status=closed").status_code == 400
    assert agent_api.get("/api/v1/conversations?cursor=nonsense").status_code == 400


def test_detail_reply_note_assign_status(agent_api, store, api_user, django_capture_on_commit_callbacks):
    conversation = email_in(store, "Where is my order?", "jamie@example.com").conversation
    detail = agent_api.get(f"/api/v1/conversations/{conversation.pk}").json()
    assert detail["messages"][0]["text"] == "Where is my order?"
    with django_capture_on_commit_callbacks(execute=True):
        reply = agent_api.post(
            f"/api/v1/conversations/{conversation.pk}/reply", {"text": "On its way"}, content_type="application/json"
        )
    assert reply.status_code == 201 and reply.json()["direction"] == "out"
    empty = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/reply", {"text": " "}, content_type="application/json"
    )
    assert empty.status_code == 400 and empty.json()["detail"]
    note = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/notes", {"text": "VIP"}, content_type="application/json"
    )
    assert note.json()["direction"] == "note"
    assigned = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/assign", {"assignee": "dev"}, content_type="application/json"
    )
    assert assigned.json()["assignee"] == "dev"
    nobody = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/assign", {"assignee": "ghost"}, content_type="application/json"
    )
    assert nobody.status_code == 400
    resolved = agent_api.post(
        f"/api/v1/conversations/{conversation.pk}/status", {"status": "resolved"}, content_type="application/json"
    )
    assert resolved.json()["status"] == Status.RESOLVED


def test_a_token_for_another_store_cannot_read_it(agent_api, store, kr_store, api_user):
    conversation = email_in(store, "hello", "a@example.com").conversation
    _, raw = api_token_create(username=api_user.username, store=kr_store)
    other = Client(headers={"Authorization": f"Bearer {raw}"})
    assert other.get(f"/api/v1/conversations/{conversation.pk}").status_code == 404
