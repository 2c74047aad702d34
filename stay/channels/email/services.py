"""Mail in: route it to a store, file it in the right conversation, or set it aside."""

import logging
from dataclasses import dataclass

from django.utils.translation import gettext as _

from stay.conversations.inputs import InboundMessage
from stay.conversations.models import Channel, Conversation, Delivery, Message, Status, newest
from stay.conversations.services import message_receive
from stay.core.db import atomic_with_retry, insert, select
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store
from stay.customers.models import Identity, IdentityKind
from stay.customers.services import identities_bounced

from .models import Disposition, InboundEmail, Mailbox
from .parsing import NotAnEmail, ParsedEmail, normalise_subject, parse

log = logging.getLogger(__name__)


@dataclass
class Received:
    disposition: str
    message: Message | None
    inbound: InboundEmail


def store_for_recipients(recipients: list[str]) -> Store:
    """The store whose mailbox the mail was sent to (the only store, when there is one)."""
    wanted = [r.strip().lower() for r in recipients if r]
    if wanted:
        addresses = ", ".join(["%s"] * len(wanted))
        mailbox = f"SELECT store_id FROM {Mailbox._meta.db_table} WHERE address IN ({addresses}) LIMIT 1"  # noqa: S608
        if found := select(Store, f"id = ({mailbox})", wanted):
            return found[0]
    stores = list(Store.objects.all()[:2])
    if len(stores) == 1:
        return stores[0]
    raise NotFound(_("No mailbox for %(to)s.") % {"to": ", ".join(wanted) or _("(no recipient)")})


def _thread(store: Store, mail: ParsedEmail, answered: Message | None) -> Conversation | None:
    """By In-Reply-To and References first (``answered``: the newest message they name), then
    the sender's conversation still going on with the same subject; ``None`` starts a new one."""
    if answered is not None:
        return select(Conversation, "id = %s", [answered.conversation_id])[0]
    subject = normalise_subject(mail.subject)
    if not subject:
        return None
    # The sender's customer (at most one: identities are unique) as a value looked up first,
    # then their conversations by its index: as a join, PostgreSQL's planner could pick a scan
    # of every open email conversation while a table's statistics lag behind its growth.
    sender = f"SELECT customer_id FROM {Identity._meta.db_table} WHERE store_id = %s AND kind = %s AND value = %s"  # noqa: S608
    candidates = select(
        Conversation,
        f"customer_id = ({sender}) AND store_id = %s AND channel = %s AND merged_into_id IS NULL AND status <> %s",
        [store.pk, IdentityKind.EMAIL, mail.sender, store.pk, Channel.EMAIL, Status.RESOLVED],
        tail="ORDER BY last_message_at DESC LIMIT 20",
    )
    for conversation in candidates:
        if normalise_subject(conversation.subject) == subject:
            return conversation
    return None


def email_receive(*, raw: bytes, recipients: list[str] | None = None) -> Received:
    """File one raw RFC 822 message (from ``stay smtpd`` or a provider's forward)."""
    try:
        mail = parse(raw)
    except NotAnEmail as exc:
        raise InvalidInput(str(exc)) from None
    store = store_for_recipients([*(recipients or []), *mail.recipients])
    # One unit of work, run again if a concurrent delivery created the same sender first.
    return atomic_with_retry(lambda: _file(store, mail, raw))


def _file(store: Store, mail: ParsedEmail, raw: bytes) -> Received:
    inbound = InboundEmail(
        store=store,
        header_message_id=mail.message_id[:300],
        sender=mail.sender[:254],
        subject=mail.subject[:300],
        raw=raw,
    )
    if mail.machine:
        inbound.disposition = mail.machine
        insert(inbound)
        if mail.machine == Disposition.BOUNCE:
            _mark_bounced(store, mail)
        return Received(inbound.disposition, None, inbound)
    # One look-up for the mail's own id (delivered again?) and the ids of the mails it answers.
    named = [mail.message_id, *mail.in_reply_to, *mail.references]
    known = Message.objects.with_channel_ids(store.pk, Channel.EMAIL, *filter(None, named))
    again = newest(m for m in known if m.channel_message_id == mail.message_id)
    if again is not None:
        inbound.disposition, inbound.message = Disposition.DUPLICATE, again
        insert(inbound)
        return Received(inbound.disposition, again, inbound)
    answered = newest(m for m in known if m.channel_message_id != mail.message_id)
    message = message_receive(
        store=store,
        data=InboundMessage(
            channel=Channel.EMAIL,
            sender_kind=IdentityKind.EMAIL,
            sender=mail.sender,
            sender_name=mail.sender_name,
            text=mail.text,
            original=mail.original_text,
            html=mail.html,
            subject=mail.subject,
            channel_message_id=mail.message_id,
            channel_timestamp=mail.date,
            attachments=tuple(mail.attachments),
            meta={"references": mail.references, "in_reply_to": mail.in_reply_to},
        ),
        conversation=_thread(store, mail, answered),
        threaded_by_channel=True,
        unseen=True,
    )[0]
    inbound.disposition, inbound.message = Disposition.THREADED, message
    insert(inbound)
    return Received(inbound.disposition, message, inbound)


def _mark_bounced(store: Store, mail: ParsedEmail) -> None:
    """A bounce of one of our replies: the agent sees that reply failed."""
    if not mail.bounced_message_ids:
        return
    returned = Message.objects.by_channel_id(store.pk, Channel.EMAIL, *mail.bounced_message_ids)
    identities_bounced(identity_ids=[pk for pk in returned.values_list("identity_id", flat=True) if pk])
    failed = returned.update(
        delivery=Delivery.FAILED, last_error=_("The recipient's mail server returned this message.")
    )
    if failed:
        log.info("bounce for %s marked %s message(s) failed", mail.bounced_message_ids, failed)
