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
