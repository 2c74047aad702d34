"""The inbox's side of :mod:`stay.core.notify`: a notice from a lower app (a gift card, a
return label) becomes an outbound message in a conversation of its own, filed as resolved so
it does not wait in an agent's queue; a reply from the shopper reopens it."""

from django.utils import timezone

from stay.core.errors import InvalidInput
from stay.core.notify import Notice, NotifyError
from stay.customers.models import Customer, Identity

from .models import AuthorKind, Conversation, ConversationEvent, Status
from .services import message_send


def notice_send(notice: Notice) -> int:
    customer = Customer.objects.select_related("store").get(pk=notice.customer_id, store_id=notice.store_id)
    while customer.merged_into_id:
        customer = Customer.objects.select_related("store").get(pk=customer.merged_into_id)
    now = timezone.now()
    conversation = (
        Conversation.objects.filter(pk=notice.conversation_id, customer=customer, merged_into__isnull=True).first()
        if notice.conversation_id
        else None
    )
    if conversation is not None:
        return _send(conversation, notice)
    conversation = Conversation.objects.create(
        store=customer.store,
        customer=customer,
        channel=notice.channel,
        subject=notice.subject[:300],
        status=Status.RESOLVED,
        resolved_at=now,
        last_message_at=now,
    )
    ConversationEvent.objects.create(
        conversation=conversation, kind="created", actor="system", data={"notice": notice.kind}
    )
    return _send(conversation, notice)


def _send(conversation: Conversation, notice: Notice) -> int:
    meta = {**notice.meta, "notice": notice.kind or "notice"}
    if notice.fill:
        meta["fill"] = list(notice.fill)
    if notice.template:
        meta["template"] = notice.template
    try:
        message = message_send(
            conversation=conversation,
            text=notice.text,
            html=notice.html,
            author=None,
            author_kind=AuthorKind.SYSTEM,
            meta=meta,
            purpose=notice.purpose,
            identity=Identity.objects.filter(pk=notice.identity_id).first() if notice.identity_id else None,
        )
    except InvalidInput as exc:
        raise NotifyError(str(exc), code="undeliverable") from exc
    return message.pk
