import logging

import httpx

from stay.conversations.inputs import AttachmentInput, InboundMessage
from stay.conversations.models import Channel, Message
from stay.conversations.services import message_receive
from stay.core.errors import InvalidInput
from stay.customers.models import IdentityKind

from .models import TwilioAccount

log = logging.getLogger(__name__)


def _media(account: TwilioAccount, form: dict[str, str]) -> tuple[AttachmentInput, ...]:
    try:
        count = int(form.get("NumMedia") or 0)
    except ValueError:
        raise InvalidInput("NumMedia must be a number") from None
    found = []
    for i in range(min(count, 10)):
        url, kind = form.get(f"MediaUrl{i}", ""), form.get(f"MediaContentType{i}", "")
        if not url:
            continue
        try:
            response = httpx.get(url, auth=(account.account_sid, account.auth_token), timeout=15, follow_redirects=True)
            response.raise_for_status()
        except httpx.HTTPError as exc:
            log.warning("could not fetch SMS media %s: %s", url, exc)
            continue
        extension = kind.split("/")[-1] or "bin"
        found.append(AttachmentInput(filename=f"media-{i}.{extension}", content_type=kind, content=response.content))
    return tuple(found)


def sms_receive(*, account: TwilioAccount, form: dict[str, str]) -> tuple[Message, bool]:
    sid, sender = form.get("MessageSid") or form.get("SmsSid", ""), form.get("From", "")
    if not sid or not sender:
        raise InvalidInput("MessageSid and From are required")
    seen = Message.objects.by_channel_id(account.store_id, Channel.SMS, sid).exists()
    return message_receive(
        store=account.store,
        data=InboundMessage(
            channel=Channel.SMS,
            sender_kind=IdentityKind.PHONE,
            sender=sender,
            text=form.get("Body", ""),
            channel_message_id=sid,
            attachments=() if seen else _media(account, form),
            meta={"to": form.get("To", "")},
        ),
    )
