"""Learning from the store (issue 24): a shopper's message an agent labels in the console
becomes an example of that intent for the store. The store reviews them in the admin (*Intent
examples*, labelled by an agent) and deletes a wrong one; the store's engine is trained again
in the background."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.conversations.selectors import conversation_access
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store
from stay.core.tasks import enqueue_on_commit

from .models import Intent, IntentExample, Outcome, Turn
from .services import engines, intent_words
from .tasks import train_store

# The assistant's readings an agent's answer teaches from: it gave the question to a person.
HANDED_OVER = frozenset({Outcome.HANDED_OFF, Outcome.SUGGESTED, Outcome.SILENT})


def intents_of(store: Store) -> list[str]:
    """The intents the store's assistant knows (built in and the store's own, enabled)."""
    return sorted({example.intent for example in engines.examples(store)})


def last_read(*, conversation_id: int) -> Turn | None:
    """The assistant's reading of the conversation's latest shopper message it read."""
    return (
        Turn.objects.filter(conversation_id=conversation_id, message__isnull=False)
        .select_related("message")
        .order_by("-id")
        .first()
    )


def turn_relabel(
    *, user: AbstractBaseUser, store: Store, turn_id: int, intent: str, conversation_id: int | None = None
) -> IntentExample:
    """The message the assistant read in ``turn`` is an example of ``intent`` for ``store``
    (labelled again: the example moves). Only an agent who may read the conversation (and,
    given ``conversation_id``, only a turn of that conversation); an intent the store's
    assistant does not know is refused by name."""
    turn = (
        Turn.objects.filter(store=store, pk=turn_id, message__isnull=False)
        .select_related("message", "conversation__customer")
        .first()
    )
    if turn is None or turn.conversation_id is None or turn.message is None:
        raise NotFound(f"no answer {turn_id}")
    if conversation_id is not None and turn.conversation_id != conversation_id:
        raise NotFound(f"no answer {turn_id} in conversation {conversation_id}")
    conversation_access(user=user, store=store, conversation_id=turn.conversation_id)
    known = intents_of(store)
    if intent not in known:
        raise InvalidInput(_("intent: one of %(known)s") % {"known": ", ".join(known)})
    # The words, as the engine reads them: a shopper's e-mail, phone, order number or name is
    # not kept in the store's examples.
    names = turn.conversation.customer.name if turn.conversation else ""
    text = intent_words(turn.message.text, region=store.country, names=names).strip()[:500]
    if not text:
        raise InvalidInput(_("The message has no words to learn from."))
    with transaction.atomic():
        IntentExample.objects.filter(from_turn=turn).delete()
        owner, _created = Intent.objects.get_or_create(store=store, name=intent)
        example = IntentExample.objects.create(
            intent=owner,
            text=text,
            language=turn.language,
            added_by=user.get_username(),
            added_at=timezone.now(),
            from_turn=turn,
        )
        enqueue_on_commit(train_store, store.pk)
    return example
