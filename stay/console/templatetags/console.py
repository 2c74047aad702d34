"""What the console's templates show of stored codes: translated sentences and names."""

from django import template
from django.utils.translation import gettext as _

from stay.conversations.activity import event_text
from stay.conversations.models import ConversationEvent
from stay.core.labels import actor_text
from stay.customers.models import ConsentRecord
from stay.flows.gate import REASONS
from stay.flows.models import Outreach
from stay.returns.models import resolution_label

register = template.Library()


@register.filter
def activity(event: ConversationEvent, currency: str = "") -> str:
    return event_text(event, currency)


@register.filter
def who(event: ConversationEvent) -> str:
    return actor_text(event.actor)


@register.filter
def actor(name: str) -> str:
    return actor_text(name)


@register.filter
def resolution(kind: str) -> str:
    return resolution_label(kind)


@register.filter
def consent_source(record: ConsentRecord) -> str:
    """Where a piece of consent evidence came from, as a person reads it."""
    labels = {
        "reply": _("a reply to a message"),
        "agent": _("recorded by %(agent)s") % {"agent": record.evidence.get("agent", "")},
    }
    return str(labels.get(record.source, record.source))


@register.filter
def outreach_reason(outreach: Outreach) -> str:
    """Why the gate decided as it did, as a person reads it."""
    return str(REASONS.get(outreach.reason, outreach.reason))


@register.filter
def gist(text: str) -> str:
    """A message on one line, from its first words: what a row of the inbox shows of it (an
    e-mail's "Hi," alone says nothing)."""
    return " ".join((text or "").split())


@register.filter
def initials(name: str) -> str:
    """Up to two letters for an avatar: "Mina Park" → "MP", "mina.park" → "MP", "김민아" → "김"."""
    words = [word for word in (name or "").replace(".", " ").replace("_", " ").split() if word]
    if not words:
        return "?"
    return "".join(word[0] for word in words[:2]).upper() if words[0].isascii() else words[0][0]
