from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from stay.conversations.models import Conversation, Message
from stay.conversations.sending import SendError, Sent

from .client import TwilioError, send_sms
from .models import TwilioAccount


def account_for(store_id: int) -> TwilioAccount | None:
    return TwilioAccount.objects.filter(store_id=store_id).order_by("id").first()


class SmsSender:
    def refusal(self, conversation: Conversation, message: Message) -> str | None:
        if account_for(conversation.store_id) is None:
            return _("No SMS number is connected to this store.")
        return None

    def send(self, message: Message) -> Sent:
        account = account_for(message.store_id)
        if account is None:
            raise SendError("no SMS number is connected", retryable=False)
        assert message.identity is not None
        try:
            sid = send_sms(
                account,
                to=message.identity.value,
                body=message.text,
                status_callback=settings.PUBLIC_URL + reverse("sms-status"),
            )
        except TwilioError as exc:
            raise SendError(str(exc), retryable=exc.status in (0, 429) or exc.status >= 500) from exc
        return Sent(channel_message_id=sid)
