"""The assistant in the inbox: a shopper's SMS (through the Twilio-format webhook) is answered
on SMS; email gets a suggested reply for the agent; once a person has the conversation the
assistant only suggests; a message is answered once, and a lost job is found by the sweep."""

import re
from datetime import timedelta

import pytest
from django.test import TestCase
from django.utils import timezone

from stay.assistant.models import AssistantSettings, Outcome, Turn
from stay.assistant.selectors import suggestion_for
from stay.assistant.tasks import message_answer, sweep_unanswered
from stay.channels.sms.fake import incoming, signed_form
from stay.conversations.models import AuthorKind, Direction, Message
from stay.conversations.services import conversation_assign

from .conftest import SID, TRACKING, receive_and_answer, sms_message

pytestmark = pytest.mark.django_db


def text_in(client, body: str, sid: str, sender: str = "+14155550123"):
    form = incoming(sender, body, sid=sid, account_sid=SID)
    headers = signed_form("http://testserver/channels/sms/twilio", form, "tw-secret")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/channels/sms/twilio", data=form, headers=headers)


def test_a_text_is_answered_by_text_with_the_tracking_link(client, helpdesk, mina_order, twilio):
    assert text_in(client, "where is my order?", "SM1").status_code == 200
    assert text_in(client, f"{mina_order.name} mina@example.com", "SM2").status_code == 200
    bodies = [m["Body"] for m in twilio.sent]
    assert len(bodies) == 2
    assert "its number and the email" in bodies[0]
    assert TRACKING in bodies[1]
    replies = Message.objects.filter(direction=Direction.OUT, author_kind=AuthorKind.BOT).order_by("id")
    assert [r.meta["assistant"]["intent"] for r in replies] == ["track_order", "track_order"]
    assert Turn.objects.filter(reply__isnull=False).count() == 2


def test_email_gets_a_suggestion_for_the_agent_not_an_answer(helpdesk, mailbox):
    from stay.channels.email.services import email_receive
    from stay.conftest import mail

    with TestCase.captureOnCommitCallbacks(execute=True):
        received = email_receive(raw=mail("order_question_qp"))
    conversation = received.message.conversation
    assert not conversation.messages.filter(direction=Direction.OUT).exists()
    turn = suggestion_for(conversation.pk)
    assert turn is not None and turn.outcome == Outcome.SUGGESTED and turn.text


def test_after_a_handoff_the_assistant_only_suggests(helpdesk, mina_order, twilio):
    first = receive_and_answer(helpdesk.store, "I want to speak to a human")
    conversation = first.conversation
    assert conversation.messages.filter(direction=Direction.NOTE).exists()
    bot = conversation.messages.filter(author_kind=AuthorKind.BOT, direction=Direction.OUT)
    sent_before = bot.count()
    # The next message is acknowledged once, with when a person answers; then the person has it.
    receive_and_answer(helpdesk.store, "how long does shipping take?")
    ack = bot.latest("id")
    assert bot.count() == sent_before + 1 and ack.text.startswith("Thank you, I have added this to your request.")
    assert "reply here" in ack.text and "don't need to write again" in ack.text
    assert Turn.objects.filter(conversation=conversation).latest("id").outcome == Outcome.SUGGESTED
    receive_and_answer(helpdesk.store, "hello??")
    assert bot.count() == sent_before + 1
    assert Turn.objects.filter(conversation=conversation).latest("id").outcome == Outcome.SUGGESTED


def test_no_acknowledgement_once_a_person_has_answered(helpdesk, mina_order, twilio, agent_user):
    from stay.conversations.services import message_send

    conversation = receive_and_answer(helpdesk.store, "I want to speak to a human").conversation
    message_send(conversation=conversation, text="Hi, Alex here.", author=agent_user)
    sent_before = conversation.messages.filter(author_kind=AuthorKind.BOT, direction=Direction.OUT).count()
    receive_and_answer(helpdesk.store, "thanks, my order is late")
    assert conversation.messages.filter(author_kind=AuthorKind.BOT, direction=Direction.OUT).count() == sent_before


def test_an_assigned_conversation_is_the_agents(helpdesk, agent_user):
    message = sms_message(helpdesk.store, "hello")
    conversation_assign(conversation=message.conversation, assignee=agent_user, actor=agent_user)
    assert message_answer(message_id=message.pk) == Outcome.SUGGESTED
    assert not message.conversation.messages.filter(direction=Direction.OUT).exists()


def test_switched_off_it_leaves_everything_to_agents(helpdesk):
    AssistantSettings.objects.filter(store=helpdesk.store).update(enabled=False, suggest_replies=False)
    message = sms_message(helpdesk.store, "hello")
    assert message_answer(message_id=message.pk) == "left to the agent"
    assert not Turn.objects.exists()


def test_a_message_is_answered_once_and_the_sweep_finds_lost_jobs(helpdesk):
    message = sms_message(helpdesk.store, "how much is delivery?")  # its job never ran
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=3))
    assert sweep_unanswered(timezone.now() - timedelta(minutes=2)) == 1
    assert Turn.objects.filter(message=message).count() == 1
    assert message_answer(message_id=message.pk) == "done already"
    assert sweep_unanswered(timezone.now() - timedelta(minutes=2)) == 0
    assert Turn.objects.filter(message=message).count() == 1


def test_a_channel_that_cannot_send_leaves_the_answer_as_a_suggestion(helpdesk):
    message = sms_message(helpdesk.store, "how much is delivery?")  # no SMS number connected
    assert message_answer(message_id=message.pk) == Outcome.SUGGESTED
    assert suggestion_for(message.conversation_id).intent == "delivery_info"


def test_the_agent_sees_the_suggestion_in_the_console(client, helpdesk, mailbox, agent_user):
    from stay.channels.email.services import email_receive
    from stay.conftest import mail

    with TestCase.captureOnCommitCallbacks(execute=True):
        conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    client.force_login(agent_user)
    page = client.get(f"/console/c/{conversation.pk}").content.decode()
    assert "Suggested by the assistant" in page and "Use this reply" in page
    turn = suggestion_for(conversation.pk)
    assert turn.intent in page


def test_a_korean_conversation_stays_korean_for_an_order_number_and_an_email(helpdesk, mina_order, twilio):
    first = receive_and_answer(helpdesk.store, "제 주문 어디쯤 왔는지 알고 싶어요")
    conversation = first.conversation
    receive_and_answer(helpdesk.store, f"{mina_order.name} mina@example.com")
    last = conversation.messages.filter(author_kind=AuthorKind.BOT, direction=Direction.OUT).latest("id")
    assert Turn.objects.filter(conversation=conversation).latest("id").language == "ko"
    assert re.search(r"[\uac00-\ud7a3]", last.text), last.text
    # A shopper who clearly switches is answered in their new language.
    receive_and_answer(helpdesk.store, "Can you tell me when the jacket arrives please")
    assert Turn.objects.filter(conversation=conversation).latest("id").language == "en"


def test_a_fully_answered_conversation_leaves_the_queue_until_the_shopper_writes_again(
    helpdesk, mina_order, twilio, agent_user, api_for
):
    """Issue 25: what the assistant answered alone is resolved (no survey after an answer) and
    counted in its own view; the shopper writing again opens the same conversation again."""
    from stay.conversations.models import Conversation, Status
    from stay.conversations.selectors import InboxFilter, inbox, inbox_counts

    hello = receive_and_answer(helpdesk.store, "hello")
    conversation = hello.conversation
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN  # a greeting's answer waits for the question
    asked = receive_and_answer(helpdesk.store, f"where is my order {mina_order.name} mina@example.com")
    assert asked.conversation_id == conversation.pk
    conversation.refresh_from_db()
    assert (conversation.status, conversation.answered_by_assistant) == (Status.RESOLVED, True)
    assert conversation.csat_requested_at is None
    assert conversation.events.filter(kind="status_changed", actor="assistant").exists()
    assert list(inbox(store=helpdesk.store, user=None, f=InboxFilter(view="answered"))) == [conversation]
    assert conversation not in inbox(store=helpdesk.store, user=None, f=InboxFilter())
    assert inbox_counts(store=helpdesk.store, user=agent_user)["answered"] == 1
    api = api_for(agent_user)  # the same view through the API
    listed = api.get("/api/v1/conversations", {"view": "answered"}).json()["items"]
    assert [(c["id"], c["answered_by_assistant"]) for c in listed] == [(conversation.pk, True)]
    refused = api.get("/api/v1/conversations", {"view": "finished"})
    assert refused.status_code == 400 and "There is no view" in refused.content.decode()
    again = receive_and_answer(helpdesk.store, "I want to speak to a human")
    assert again.conversation_id == conversation.pk
    conversation = Conversation.objects.get(pk=conversation.pk)
    assert (conversation.status, conversation.answered_by_assistant) == (Status.OPEN, False)  # handed over
