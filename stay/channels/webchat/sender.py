from django.utils.translation import gettext as _

from stay.conversations.models import Channel, Conversation, Message
from stay.conversations.sending import Sent, idempotency_key, sender_for
from stay.customers.models import Identity, IdentityKind

from .services import visitor_online


class WebchatSender:
    """A reply reaches the widget over its websocket (the consumer shows it as soon as it is
    written). A visitor who has gone and left an email address gets it by email instead."""

    def refusal(self, conversation: Conversation, message: Message) -> str | None:
        return None

    def send(self, message: Message) -> Sent:
        conversation = message.conversation
        if visitor_online(conversation):
            return Sent(channel_message_id=idempotency_key(message))
        email = Identity.objects.filter(customer_id=conversation.customer_id, kind=IdentityKind.EMAIL).first()
        if email is None:
            # Shown when the visitor comes back to the page.
            return Sent(channel_message_id=idempotency_key(message), meta={"waiting": True})
        message.identity = email
        message.channel = Channel.EMAIL
        sent = sender_for(Channel.EMAIL).send(message)
        sent.channel = Channel.EMAIL
        sent.meta = {**sent.meta, "via": _("email, while the visitor was away")}
        return sent
