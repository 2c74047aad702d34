"""What the console's templates show of stored codes: translated sentences and names."""

from django import template

from stay.conversations.activity import event_text
from stay.conversations.models import ConversationEvent
from stay.core.labels import actor_text
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
