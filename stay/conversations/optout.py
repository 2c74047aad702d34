"""Opting out by a reply (issue 20): a text or WhatsApp message that is only a revocation word
withdraws marketing consent on that channel at once. The words are those US rules name for
text messages (STOP, QUIT, END, REVOKE, OPT OUT, CANCEL, UNSUBSCRIBE, and STOPALL) and Korean's
수신거부; only the whole message counts, so "cancel my order" stays a question about an order."""

import re

from django.utils.translation import gettext as _
from django.utils.translation import override

from .models import Channel, Conversation

# How long a sign-up waits for its confirmation (a link, a reply "YES").
CONFIRM_WITHIN = 7 * 24 * 3600
CONFIRM_WORDS = {"YES", "Y", "예", "네"}
WORDS = {"STOP", "STOPALL", "QUIT", "END", "REVOKE", "OPT OUT", "CANCEL", "UNSUBSCRIBE", "수신거부"}
_NOISE = re.compile(r"[\s\.\!\?,'\"]+")


def revocation_word(text: str) -> str | None:
    """The revocation word ``text`` is, if it is only that (case, spacing and punctuation aside)."""
    squeezed = _NOISE.sub(" ", text).strip().upper()
    return _REVOCATIONS.get(squeezed.replace(" ", ""))


_REVOCATIONS = {word.replace(" ", ""): word for word in WORDS}


def _language(conversation: Conversation, korean_word: bool) -> str:
    """A Korean keyword is answered in Korean; anything else in the shopper's language."""
    if korean_word:
        return "ko"
    return (conversation.customer.locale or conversation.store.default_locale or "en")[:2]


def confirmation_text(conversation: Conversation, channel: str, word: str) -> str:
    """The answer to an opt-out, in the shopper's language (Korean for 수신거부)."""
    language = (
        "ko" if word == "수신거부" else (conversation.customer.locale or conversation.store.default_locale or "en")
    )
    with override(language[:2]):
        return _(
            "You will get no more marketing messages from %(store)s by %(channel)s. "
            "Messages about your orders still reach you."
        ) % {"store": conversation.store.name, "channel": Channel(channel).label}


def confirmation_word(text: str) -> str | None:
    """The confirming word ``text`` is, if it is only that ("YES", "예", "네")."""
    squeezed = _NOISE.sub(" ", text).strip().upper()
    return squeezed if squeezed in CONFIRM_WORDS else None


def subscribed_text(conversation: Conversation, channel: str, word: str) -> str:
    """The result of a confirmed sign-up, sent to the shopper (Korea's Network Act asks for it)."""
    language = (
        "ko" if word in ("예", "네") else (conversation.customer.locale or conversation.store.default_locale or "en")
    )
    with override(language[:2]):
        return _(
            "Thank you: %(store)s will send you news and offers by %(channel)s. Reply STOP at any time to stop them."
        ) % {"store": conversation.store.name, "channel": Channel(channel).label}
