"""Learning from the store (issue 24): an agent says what a shopper's message really asked;
it becomes the store's example of that intent, reviewable in the admin, and the store's engine
is trained again in the background."""

import pytest
from django.test import Client

from stay.assistant.engine import Example
from stay.assistant.labels import HANDED_OVER, intents_of, last_read, turn_relabel
from stay.assistant.models import IntentExample, Turn
from stay.assistant.services import engines
from stay.core.errors import InvalidInput, NotFound

from .conftest import receive_and_answer

pytestmark = pytest.mark.django_db
WORDS = "whats the deal with refunds, is it full money back"
SENT = WORDS + " mina@example.com +82 10 5550 1234"  # a shopper's e-mail and phone are not kept


@pytest.fixture
def read(helpdesk):
    message = receive_and_answer(helpdesk.store, SENT)
    return Turn.objects.get(message=message)


def test_an_agent_teaches_the_assistant_what_a_message_asked(
    helpdesk, read, agent_user, django_capture_on_commit_callbacks
):
    assert last_read(conversation_id=read.conversation_id) == read
    before = engines.get(helpdesk.store).examples
    with django_capture_on_commit_callbacks(execute=True):  # the store's engine is trained again
        example = turn_relabel(user=agent_user, store=helpdesk.store, turn_id=read.pk, intent="return_policy")
    assert (example.text, example.intent.name, example.added_by, example.from_turn) == (
        WORDS,
        "return_policy",
        agent_user.get_username(),
        read,
    )
    assert Example(WORDS, "return_policy", "en") in engines.examples(helpdesk.store)
    assert engines.get(helpdesk.store).examples == before + 1
    # Labelled again, the example moves: one message teaches one intent.
    turn_relabel(user=agent_user, store=helpdesk.store, turn_id=read.pk, intent="refund_status")
    assert list(IntentExample.objects.values_list("intent__name", flat=True)) == ["refund_status"]


def test_only_a_known_intent_and_only_an_agent_of_the_store(helpdesk, read, agent_user, django_user_model):
    with pytest.raises(InvalidInput, match="intent: one of account_help, cancel_order"):
        turn_relabel(user=agent_user, store=helpdesk.store, turn_id=read.pk, intent="gossip")
    stranger = django_user_model.objects.create_user("visitor", password="x")
    with pytest.raises(NotFound):
        turn_relabel(user=stranger, store=helpdesk.store, turn_id=read.pk, intent="return_policy")
    assert "return_policy" in intents_of(helpdesk.store) and "gossip" not in intents_of(helpdesk.store)
    assert not IntentExample.objects.exists()


def test_the_console_offers_it_beside_the_conversation(helpdesk, read, agent_user):
    client = Client()
    client.force_login(agent_user)
    page = client.get(f"/console/c/{read.conversation_id}").content.decode()
    assert f"The assistant read the shopper's last message as {read.intent}" in page
    assert f'<input type="hidden" name="turn" value="{read.pk}">' in page
    taught = client.post(f"/console/c/{read.conversation_id}/read-as", {"turn": read.pk, "intent": "invoice"})
    assert taught.status_code == 200 and "from now on" in taught.content.decode()
    refused = client.post(f"/console/c/{read.conversation_id}/read-as", {"turn": read.pk, "intent": "gossip"})
    assert refused.status_code == 400 and "intent: one of" in refused.content.decode()
    garbled = client.post(f"/console/c/{read.conversation_id}/read-as", {"turn": "x1", "intent": "invoice"})
    assert garbled.status_code == 400 and "turn:" in garbled.content.decode()
    elsewhere = client.post(f"/console/c/{read.conversation_id}/read-as", {"turn": 999999, "intent": "return_policy"})
    assert elsewhere.status_code == 404
    other = receive_and_answer(helpdesk.store, "where is my order", phone="+821055509999").conversation
    crossed = client.post(f"/console/c/{other.pk}/read-as", {"turn": read.pk, "intent": "invoice"})
    assert crossed.status_code == 404  # a turn of another conversation, through this one's page


def test_answering_a_handed_over_question_teaches_what_it_was_about(helpdesk, agent_user, twilio):
    from stay.conversations.models import Message

    message = receive_and_answer(helpdesk.store, "I want to speak to a human agent please")
    handed = Turn.objects.get(message=message)
    assert handed.outcome in HANDED_OVER
    client = Client()
    client.force_login(agent_user)
    page = client.get(f"/console/c/{handed.conversation_id}").content.decode()
    assert 'name="about"' in page and "It was about" in page
    url = f"/console/c/{handed.conversation_id}/send"
    sent = Message.objects.filter(conversation_id=handed.conversation_id).count()
    # A wrong intent refuses the whole post: neither the reply nor the example.
    refused = client.post(url, {"mode": "reply", "text": "Looking into it", "turn": handed.pk, "about": "gossip"})
    assert refused.status_code == 400 and "intent: one of" in refused.content.decode()
    assert Message.objects.filter(conversation_id=handed.conversation_id).count() == sent
    answered = client.post(url, {"mode": "reply", "text": "Looking into it", "turn": handed.pk, "about": "track_order"})
    assert answered.status_code == 200
    example = IntentExample.objects.get(from_turn=handed)
    assert (example.intent.name, example.added_by) == ("track_order", agent_user.get_username())
    # Without "about", a reply teaches nothing.
    client.post(url, {"mode": "reply", "text": "Found it", "turn": handed.pk, "about": ""})
    assert IntentExample.objects.count() == 1
