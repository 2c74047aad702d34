"""The assistant at work in the inbox: every message a shopper sends on a channel it answers
(web chat, WhatsApp, SMS) is answered by it, unless a person has the conversation; on email,
and once a person has it, the agent gets a suggested reply instead.

Answering runs as a background job after the message is filed. A job lost with its worker is
found again by the sweep (a recent message with no recorded turn), and a message is answered
at most once (the turn names its message, uniquely).
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from stay.conversations.models import AuthorKind, Channel, Conversation, Direction, Message, Status
from stay.conversations.services import conversation_set_status, message_send
from stay.core.errors import InvalidInput
from stay.core.tasks import enqueue_on_commit, queue, register_sweeper, task

from .models import Outcome, Turn
from .services import Ask, assistant_reply, handed_off, handoff_ack, settings_for

log = logging.getLogger(__name__)
CHANNELS = (Channel.WEBCHAT, Channel.WHATSAPP, Channel.SMS, Channel.EMAIL)
SWEEP_WITHIN = timedelta(minutes=15)
# What the assistant answered without a person resolves the conversation (a greeting's answer
# waits for the question that follows).
ANSWERED_ALONE = frozenset({Outcome.ANSWERED, Outcome.ACTED})


def answer_later(*, message_id: int) -> None:
    """Subscribed to ``conversation.message_received``."""
    enqueue_on_commit(answer_message, message_id)


@task(retries=2, retry_delay=10)
def answer_message(message_id: int) -> str:
    return message_answer(message_id=message_id)


def message_answer(*, message_id: int) -> str:
    """Answer (or suggest an answer to) one inbound message. Returns what was done."""
    message = (
        Message.objects.select_related("conversation__store", "conversation__customer", "identity")
        .filter(pk=message_id, direction=Direction.IN, author_kind=AuthorKind.CUSTOMER)
        .first()
    )
    if message is None or message.channel not in CHANNELS or not message.text.strip():
        return "ignored"
    if message.meta.get("opt_out") or message.meta.get("opt_in"):
        return "ignored"  # a consent reply, answered with its confirmation already
    conversation = message.conversation
    if conversation.status == Status.RESOLVED or conversation.merged_into_id:
        return "ignored"  # a survey score, or a message filed into a closed thread
    if Turn.objects.filter(message=message).exists():
        return "done already"
    store = conversation.store
    options = settings_for(store)
    speaks = (
        options.enabled
        and message.channel in options.channels
        and message.channel != Channel.EMAIL
        and conversation.assignee_id is None
        and not handed_off(conversation)
    )
    if (
        not speaks
        and options.enabled
        and message.channel in options.channels
        and message.channel != Channel.EMAIL
        and handed_off(conversation)
    ):
        acknowledged = _acknowledge(conversation, message)
        if not options.suggest_replies:
            return acknowledged
    if not speaks and not options.suggest_replies:
        return "left to the agent"
    ask = Ask(
        store=store,
        text=message.text,
        conversation=conversation,
        channel=message.channel,
        message=message,
        trusted=not speaks,
    )
    try:
        with transaction.atomic():
            answer = assistant_reply(ask)
            if speaks and answer.text:
                try:
                    with transaction.atomic():
                        sent = message_send(
                            conversation=conversation,
                            text=answer.text,
                            author=None,
                            author_kind=AuthorKind.BOT,
                            meta={
                                "assistant": {"intent": answer.intent, "confidence": round(answer.confidence, 3)},
                                "links": [{"url": url, "label": label} for url, label in answer.links],
                                "choices": answer.choices,
                            },
                        )
                    Turn.objects.filter(pk=answer.turn_id).update(reply=sent)
                    if answer.outcome in ANSWERED_ALONE and answer.intent != "greeting":
                        # Fully answered: out of the agents' queue until the shopper writes again.
                        conversation_set_status(
                            conversation=conversation, status=Status.RESOLVED, actor=None, by_assistant=True
                        )
                except InvalidInput as exc:
                    # The channel cannot send here (no number connected, the 24-hour window):
                    # the answer waits for the agent as a suggestion.
                    log.warning("assistant could not answer on %s: %s", message.channel, exc)
                    Turn.objects.filter(pk=answer.turn_id).update(outcome=Outcome.SUGGESTED)
                    return Outcome.SUGGESTED
    except IntegrityError:
        return "done already"  # a concurrent run of the same job recorded it first
    return answer.outcome if speaks else Outcome.SUGGESTED


def _acknowledge(conversation: Conversation, message: Message) -> str:
    """A person has the conversation: the assistant says once that the shopper was heard."""
    with transaction.atomic():
        text = handoff_ack(conversation=conversation, message=message)
        if text is None:
            return "left to the agent"
        message_send(
            conversation=conversation,
            text=text,
            author=None,
            author_kind=AuthorKind.BOT,
            meta={"handoff_ack": True, "offer_email": message.channel == Channel.WEBCHAT},
        )
    return "acknowledged"


def sweep_unanswered(stale_before: datetime) -> int:
    """Messages of the last minutes that no turn answered (their job was lost): again."""
    recent = Message.objects.filter(
        direction=Direction.IN,
        author_kind=AuthorKind.CUSTOMER,
        channel__in=CHANNELS,
        created_at__gte=timezone.now() - SWEEP_WITHIN,
        created_at__lt=stale_before,
    ).exclude(pk__in=Turn.objects.filter(message__isnull=False).values("message_id"))
    ids = list(recent.values_list("pk", flat=True)[:200])
    for pk in ids:
        answer_message(pk)
    return len(ids)


register_sweeper("assistant", sweep_unanswered)


@queue.on_startup()
def warm_up() -> None:
    """A worker trains each store's engine as it starts, not on the first shopper's message."""
    from stay.core.models import Store

    from .services import engines

    try:
        for store in Store.objects.filter(assistant_settings__enabled=True)[:50]:
            engines.get(store)
    except Exception:
        log.exception("could not warm up the assistant")


@task(retries=1, retry_delay=30)
def train_store(store_id: int) -> int:
    """Train a store's engine on its examples now (after an agent labelled a message), so the
    next message is read with them and no shopper waits for the training. Saved in the data
    directory, every other process reads it."""
    from stay.core.models import Store

    from .services import engines

    store = Store.objects.filter(pk=store_id).first()
    return engines.get(store).examples if store is not None else 0
