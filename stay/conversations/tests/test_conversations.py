"""The inbox's rules: one customer across channels, reopening, surveys, merging, timers, SLA."""

from datetime import UTC, datetime, time, timedelta

import pytest
from django.utils import timezone

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import BusinessHours, Channel, Conversation, ConversationEvent, Message, Status
from stay.conversations.services import (
    _csat_answer,
    conversation_merge,
    conversation_set_status,
    message_receive,
    message_send,
    note_add,
)
from stay.conversations.sla import add_business_minutes
from stay.conversations.tasks import wake_snoozed
from stay.core.errors import InvalidInput
from stay.customers.services import identity_attach


def email_in(store, text, *, sender="jamie@example.com", msg_id="", subject="Help"):
    return message_receive(
        store=store,
        data=InboundMessage(
            channel=Channel.EMAIL,
            sender_kind="email",
            sender=sender,
            text=text,
            subject=subject,
            channel_message_id=msg_id,
        ),
    )[0]


def test_unknown_sender_becomes_a_customer_and_follow_ups_join_the_open_conversation(store):
    first = email_in(store, "Hello", msg_id="<a@x>")
    second = email_in(store, "Anyone?", msg_id="<b@x>")
    assert first.conversation_id == second.conversation_id
    assert first.conversation.customer.identities.get().value == "jamie@example.com"


def test_one_person_across_channels(store):
    by_mail = email_in(store, "Hello")
    identity_attach(customer=by_mail.conversation.customer, kind="phone", value="+16505551234", actor="test")
    by_sms = message_receive(
        store=store,
        data=InboundMessage(channel=Channel.SMS, sender_kind="phone", sender="(650) 555-1234", text="hi"),
    )[0]
    assert by_sms.conversation.customer_id == by_mail.conversation.customer_id
    assert by_sms.conversation_id != by_mail.conversation_id  # a conversation lives on one channel


def test_no_reply_on_a_channel_the_customer_has_no_address_for(store, agent_user):
    message = email_in(store, "Hello")
    with pytest.raises(InvalidInput, match="no address"):
        message_send(conversation=message.conversation, text="hi", author=agent_user, channel=Channel.SMS)


def test_resolved_then_survey_then_score(store, mailbox, outbox, agent_user, django_capture_on_commit_callbacks):
    conversation = email_in(store, "Where is it?", msg_id="<q@x>").conversation
    with django_capture_on_commit_callbacks(execute=True):
        message_send(conversation=conversation, text="Delivered today.", author=agent_user)
        conversation_set_status(conversation=conversation, status=Status.RESOLVED, actor=agent_user)
    conversation.refresh_from_db()
    assert conversation.csat_requested_at is not None
    survey = outbox.unique()[-1]
    assert "1 (poor) to 5 (excellent)" in survey.get_content()
    assert survey["Auto-Submitted"] == "auto-generated"
    answer = email_in(store, "5", msg_id="<score@x>")
    conversation.refresh_from_db()
    assert answer.conversation_id == conversation.pk
    assert conversation.csat_score == 5 and conversation.status == Status.RESOLVED


def test_only_a_bare_score_answers_the_survey(store, mailbox, outbox, agent_user, django_capture_on_commit_callbacks):
    conversation = email_in(store, "Hi", msg_id="<h@x>").conversation
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=conversation, status=Status.RESOLVED, actor=agent_user)
    follow_up = email_in(store, "2 more questions", msg_id="<q2@x>")
    conversation.refresh_from_db()
    assert conversation.csat_score is None and follow_up.conversation_id != conversation.pk
    assert [_csat_answer(t) for t in ("4/5", "5점", "3 stars", " 1 ", "2 more questions", "55", "6")] == [
        4,
        5,
        3,
        1,
        None,
        None,
        None,
    ]


def test_survey_in_korean_for_a_korean_customer(kr_store, agent_user, django_capture_on_commit_callbacks):
    message = email_in(kr_store, "안녕하세요", sender="minji@example.co.kr")
    customer = message.conversation.customer
    customer.locale = "ko"
    customer.save()
    with django_capture_on_commit_callbacks(execute=True):
        conversation_set_status(conversation=message.conversation, status=Status.RESOLVED, actor=agent_user)
    survey = Message.objects.filter(meta__survey="csat").get()
    assert "1(불만족)부터 5(매우 만족)까지" in survey.text and "서밋 아웃도어" in survey.text


def test_new_message_reopens_a_resolved_conversation_threaded_to_it(store, agent_user):
    conversation = email_in(store, "Hi").conversation
    conversation_set_status(conversation=conversation, status=Status.RESOLVED, actor=agent_user)
    message_receive(
        store=store,
        data=InboundMessage(
            channel=Channel.EMAIL, sender_kind="email", sender="jamie@example.com", text="One more thing"
        ),
        conversation=conversation,
    )
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN and conversation.resolved_at is None


def test_notes_never_go_out(store, agent_user, outbox, django_capture_on_commit_callbacks):
    conversation = email_in(store, "Hi").conversation
    with django_capture_on_commit_callbacks(execute=True):
        note = note_add(conversation=conversation, text="VIP: ordered 12 times", author=agent_user)
    assert note.delivery == "not_sent"
    assert outbox.messages == []


def test_merge_two_conversations(store, agent_user):
    a = email_in(store, "first", sender="a@example.com").conversation
    b = email_in(store, "second", sender="a@example.com", subject="Other").conversation
    conversation_set_status(conversation=a, status=Status.PENDING, actor=agent_user)
    c = email_in(store, "third", sender="a@example.com").conversation
    assert c.pk == a.pk and b.pk == a.pk  # both joined the one still going on
    d = Conversation.objects.create(
        store=store, customer=a.customer, channel=Channel.SMS, last_message_at=timezone.now()
    )
    Message.objects.create(
        store=store,
        conversation=d,
        channel="sms",
        direction="in",
        author_kind="customer",
        text="x",
        delivery="received",
    )
    survivor = conversation_merge(survivor=a, merged=d, actor=agent_user)
    d.refresh_from_db()
    assert d.merged_into_id == survivor.pk and d.status == Status.RESOLVED
    assert survivor.messages.count() == 4
    assert ConversationEvent.objects.filter(conversation=survivor, kind="merged").exists()
    with pytest.raises(InvalidInput):
        conversation_merge(survivor=a, merged=a, actor=agent_user)


def test_snooze_ends_by_itself(store, agent_user):
    conversation = email_in(store, "Hi").conversation
    with pytest.raises(InvalidInput):
        conversation_set_status(conversation=conversation, status=Status.SNOOZED, actor=agent_user)
    until = timezone.now() + timedelta(hours=2)
    conversation_set_status(conversation=conversation, status=Status.SNOOZED, snoozed_until=until, actor=agent_user)
    assert wake_snoozed(timezone.now()) == 0
    assert wake_snoozed(until + timedelta(seconds=1)) == 1
    conversation.refresh_from_db()
    assert conversation.status == Status.OPEN


def test_sla_counts_business_hours_only(store):
    # Summit (New York) answers Monday to Friday, 9:00-17:00.
    for day in range(5):
        BusinessHours.objects.create(store=store, weekday=day, opens=time(9), closes=time(17))
    friday_4pm = datetime(2026, 11, 27, 21, 0, tzinfo=UTC)  # 16:00 in New York
    due = add_business_minutes(store, friday_4pm, 120)
    assert due == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday 10:00 in New York
    saturday = datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    assert add_business_minutes(store, saturday, 0) == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)


def test_first_response_time_is_recorded(store, agent_user, django_capture_on_commit_callbacks):
    conversation = email_in(store, "Hi").conversation
    assert conversation.first_response_due_at is not None
    with django_capture_on_commit_callbacks(execute=False):
        message_send(conversation=conversation, text="Hello!", author=agent_user)
    conversation.refresh_from_db()
    assert conversation.first_response_at is not None
