"""WhatsApp Cloud API webhooks: messages in, delivery statuses of ours."""

import logging
import re
from datetime import UTC, datetime
from typing import Any

from django.utils.translation import gettext as _

from stay.conversations.inputs import AttachmentInput, InboundMessage
from stay.conversations.models import Channel, Conversation, Delivery, Message
from stay.conversations.services import delivery_report, message_receive, message_send
from stay.core.errors import InvalidInput
from stay.customers.identities import normalise_phone
from stay.customers.models import IdentityKind

from .client import WhatsAppClient, WhatsAppError
from .models import WhatsAppAccount
from .sender import account_for, approved_template

log = logging.getLogger(__name__)
MEDIA_TYPES = ("image", "video", "audio", "document", "sticker")
# Later states never go back to earlier ones (a late 'sent' after 'read' is ignored).
DELIVERY = {"sent": Delivery.SENT, "delivered": Delivery.DELIVERED, "read": Delivery.READ, "failed": Delivery.FAILED}


def _when(value: Any) -> datetime | None:
    """A WhatsApp timestamp (seconds since 1970); None for anything that is not a time."""
    try:
        return datetime.fromtimestamp(int(value), tz=UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _text_of(item: dict[str, Any]) -> str:
    kind = item.get("type")
    if kind == "text":
        return str(item.get("text", {}).get("body", ""))
    if kind == "interactive":
        reply = item.get("interactive", {})
        chosen = reply.get("button_reply") or reply.get("list_reply") or {}
        return str(chosen.get("title", ""))
    if kind == "button":
        return str(item.get("button", {}).get("text", ""))
    if kind in MEDIA_TYPES:
        return str(item.get(kind, {}).get("caption", ""))
    if kind == "location":
        loc = item.get("location", {})
        return f"📍 {loc.get('name', '')} {loc.get('latitude')},{loc.get('longitude')}".strip()
    if kind == "reaction":
        return str(item.get("reaction", {}).get("emoji", ""))
    return f"[{kind}]"


def _media(account: WhatsAppAccount, item: dict[str, Any]) -> tuple[AttachmentInput, ...]:
    kind = item.get("type")
    if kind not in MEDIA_TYPES:
        return ()
    info = item.get(kind, {})
    client = WhatsAppClient(account)
    try:
        content, mime = client.media(str(info["id"]))
    except (WhatsAppError, KeyError) as exc:
        log.warning("could not fetch WhatsApp media %s: %s", info.get("id"), exc)
        return ()
    finally:
        client.close()
    extension = (info.get("mime_type") or mime or "").split("/")[-1].split(";")[0] or "bin"
    return (
        AttachmentInput(
            filename=info.get("filename") or f"{kind}-{info.get('id')}.{extension}",
            content_type=(info.get("mime_type") or mime).split(";")[0],
            content=content,
        ),
    )


def changes_of(payload: Any) -> list[dict[str, Any]]:
    """The ``value`` of each change in a webhook, checked for the shape Meta documents."""
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        raise InvalidInput('object must be "whatsapp_business_account"')
    entries = payload.get("entry")
    if not isinstance(entries, list):
        raise InvalidInput("entry must be a list")
    values = []
    for e, entry in enumerate(entries):
        for c, change in enumerate((entry or {}).get("changes") or []):
            value = (change or {}).get("value")
            if not isinstance(value, dict) or not isinstance(value.get("metadata"), dict):
                raise InvalidInput(f"entry[{e}].changes[{c}].value.metadata is missing")
            if not value["metadata"].get("phone_number_id"):
                raise InvalidInput(f"entry[{e}].changes[{c}].value.metadata.phone_number_id is missing")
            for m, item in enumerate(value.get("messages") or []):
                where = f"entry[{e}].changes[{c}].value.messages[{m}]"
                if not isinstance(item, dict) or not item.get("id") or not item.get("from"):
                    raise InvalidInput(f"{where} needs an id and a from")
                try:
                    normalise_phone("+" + str(item["from"]).lstrip("+"))
                except InvalidInput:
                    raise InvalidInput(f"{where}.from {item['from']!r} is not a phone number") from None
            values.append(value)
    return values


def webhook_apply(*, payload: Any, numbers: set[str]) -> dict[str, int]:
    """Apply one webhook: each message filed once (Meta retries), each status moved forward.
    Only changes for ``numbers`` (the phone number ids whose app secret signed it) apply."""
    counts = {"messages": 0, "duplicates": 0, "statuses": 0, "ignored": 0}
    for value in changes_of(payload):
        number = str(value["metadata"]["phone_number_id"])
        account = (
            WhatsAppAccount.objects.select_related("store").filter(phone_number_id=number).first()
            if number in numbers
            else None
        )
        if account is None:
            counts["ignored"] += 1
            continue
        names = {str(c.get("wa_id")): c.get("profile", {}).get("name", "") for c in value.get("contacts") or []}
        for item in value.get("messages") or []:
            sender = str(item["from"])
            # Media is fetched before the message's transaction: no network wait holds the lock.
            attachments = _media(account, item) if not _seen(account, item) else ()
            _, created = message_receive(
                store=account.store,
                data=InboundMessage(
                    channel=Channel.WHATSAPP,
                    sender_kind=IdentityKind.WHATSAPP,
                    sender="+" + sender.lstrip("+"),
                    sender_name=names.get(sender, ""),
                    text=_text_of(item),
                    channel_message_id=str(item["id"]),
                    channel_timestamp=_when(item.get("timestamp")),
                    attachments=attachments,
                    meta={"type": item.get("type"), "context": item.get("context", {})},
                ),
            )
            counts["messages" if created else "duplicates"] += 1
        for status in value.get("statuses") or []:
            counts["statuses"] += _apply_status(account, status)
    return counts


def _seen(account: WhatsAppAccount, item: dict[str, Any]) -> bool:
    return Message.objects.by_channel_id(account.store_id, Channel.WHATSAPP, str(item["id"])).exists()


def _apply_status(account: WhatsAppAccount, status: dict[str, Any]) -> int:
    state = status.get("status")
    if state not in DELIVERY or not status.get("id"):
        return 0
    errors = status.get("errors") or []
    return delivery_report(
        store_id=account.store_id,
        channel=Channel.WHATSAPP,
        channel_message_id=str(status["id"]),
        delivery=DELIVERY[state],
        error="; ".join(str(e.get("title") or e.get("message") or e) for e in errors),
    )


# --- replies after the 24-hour window: approved templates --------------------------------------
_PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")


def templates_of(store_id: int) -> list[dict[str, Any]]:
    """The approved templates of the store's WhatsApp number (none without a number)."""
    account = account_for(store_id)
    return [t for t in (account.templates if account else []) if t.get("name") and t.get("language")]


def template_reply(*, conversation: Conversation, name: str, language: str, values: list[str], author: Any) -> Message:
    """Send the approved template ``name`` in ``language``, its ``{{1}}``, ``{{2}}``… filled
    with ``values`` in order: the only thing Meta lets a business send once the customer's last
    message is more than 24 hours old. The timeline shows the text as the customer reads it."""
    account = account_for(conversation.store_id)
    template = approved_template(account, name, language) if account else None
    if template is None:
        raise InvalidInput(
            _("%(name)s (%(language)s) is not an approved template of this WhatsApp number.")
            % {"name": name, "language": language}
        )
    values = [v.strip() for v in values if v.strip()]
    text = template.get("text", "")
    wanted = max((int(n) for n in _PLACEHOLDER.findall(text)), default=0)
    if text and len(values) != wanted:
        raise InvalidInput(
            _("The template %(name)s needs %(wanted)s values, one per line; %(got)s were given.")
            % {"name": name, "wanted": wanted, "got": len(values)}
        )
    shown = _PLACEHOLDER.sub(lambda m: values[int(m.group(1)) - 1], text) if text else f"[{name}] {' · '.join(values)}"
    parameters = [{"type": "text", "text": value} for value in values]
    return message_send(
        conversation=conversation,
        text=shown,
        author=author,
        channel=Channel.WHATSAPP,
        meta={
            "template": {
                "name": name,
                "language": language,
                "components": [{"type": "body", "parameters": parameters}] if parameters else [],
            }
        },
    )
