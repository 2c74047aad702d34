from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from stay.conversations.models import Channel, Conversation, Direction, Message
from stay.conversations.sending import SendError, Sent

from .client import WhatsAppClient, WhatsAppError
from .models import WhatsAppAccount

# Meta's customer-service window: outside it only an approved template may be sent.
SERVICE_WINDOW = timedelta(hours=24)


def account_for(store_id: int) -> WhatsAppAccount | None:
    return WhatsAppAccount.objects.filter(store_id=store_id).order_by("id").first()


def last_inbound(conversation: Conversation) -> Message | None:
    return (
        Message.objects.filter(
            store_id=conversation.store_id,
            conversation__customer_id=conversation.customer_id,
            channel=Channel.WHATSAPP,
            direction=Direction.IN,
        )
        .order_by("-channel_timestamp")
        .first()
    )


def approved_template(account: WhatsAppAccount, name: str, language: str) -> dict | None:
    """The number's approved template of that name and language, if there is one."""
    for template in account.templates:
        if template.get("name") == name and template.get("language") == language:
            return template
    return None


def template_of(account: WhatsAppAccount, message: Message) -> dict | None:
    wanted = message.meta.get("template")
    return approved_template(account, wanted.get("name"), wanted.get("language")) if wanted else None


class WhatsAppSender:
    def refusal(self, conversation: Conversation, message: Message) -> str | None:
        account = account_for(conversation.store_id)
        if account is None:
            return _("No WhatsApp number is connected to this store.")
        if message.meta.get("template"):
            return None if template_of(account, message) else _("That template is not an approved one.")
        last = last_inbound(conversation)
        when = last.channel_timestamp if last else None
        if when is None or timezone.now() - when > SERVICE_WINDOW:
            return _(
                "The customer last wrote on WhatsApp more than 24 hours ago: only an approved template may be sent."
            )
        return None

    def send(self, message: Message) -> Sent:
        account = account_for(message.store_id)
        if account is None:
            raise SendError("no WhatsApp number is connected", retryable=False)
        assert message.identity is not None
        to = message.identity.value.lstrip("+")
        template = template_of(account, message)
        if template:
            body = {
                "type": "template",
                "template": {
                    "name": template["name"],
                    "language": {"code": template["language"]},
                    "components": message.meta["template"].get("components", []),
                },
            }
        else:
            body = {"type": "text", "text": {"body": message.text, "preview_url": False}}
        client = WhatsAppClient(account)
        try:
            wamid = client.send(to=to, body=body)
        except WhatsAppError as exc:
            retryable = exc.status in (0, 429) or exc.status >= 500
            raise SendError(str(exc), retryable=retryable) from exc
        finally:
            client.close()
        return Sent(channel_message_id=wamid)
