"""Writes for the inbox: messages in and out, notes, assignment, status, merging, surveys."""

import logging
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode

import nh3
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.db import atomic_with_retry, insert, select, update
from stay.core.errors import Conflict, InvalidInput, NotFound
from stay.core.events import publish
from stay.core.models import Store
from stay.core.tasks import enqueue_on_commit
from stay.customers.inputs import ConsentInput
from stay.customers.models import ConsentState, Customer, Identity, IdentityKind
from stay.customers.selectors import consent_current
from stay.customers.services import consent_record, customer_for_contact
from stay.loyalty.selectors import has_priority_support

from . import live, sla
from .inputs import AttachmentInput, InboundMessage
from .models import (
    Attachment,
    AuthorKind,
    Channel,
    Conversation,
    ConversationEvent,
    Delivery,
    Direction,
    Message,
    Priority,
    Purpose,
    SavedView,
    Status,
)
from .optout import CONFIRM_WITHIN, confirmation_text, confirmation_word, revocation_word, subscribed_text
from .sending import deliver_message, sender_for

log = logging.getLogger(__name__)

# Which of a customer's identities each channel writes to.
CHANNEL_IDENTITY = {
    Channel.EMAIL: [IdentityKind.EMAIL],
    Channel.SMS: [IdentityKind.PHONE, IdentityKind.WHATSAPP],
    Channel.WHATSAPP: [IdentityKind.WHATSAPP, IdentityKind.PHONE],
    Channel.WEBCHAT: [IdentityKind.CHAT],
}
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
ATTACHMENT_TYPES = ("image/", "application/pdf", "text/plain", "video/mp4", "audio/")
CSAT_WINDOW = timedelta(days=7)


def sanitise_html(html: str) -> str:
    """Shopper-sent HTML as an agent may see it: no scripts, handlers, styles or remote tricks."""
    return nh3.clean(html, url_schemes={"http", "https", "mailto", "cid"}) if html else ""


def actor_of(user: AbstractBaseUser | None) -> str:
    return f"user:{user.get_username()}" if user is not None else "system"


def _attachment_allowed(item: AttachmentInput) -> str | None:
    if len(item.content) > MAX_ATTACHMENT_BYTES:
        return _("%(name)s is larger than 10 MB") % {"name": item.filename}
    if not item.content_type.startswith(ATTACHMENT_TYPES):
        return _("%(name)s: files of type %(type)s are not accepted") % {
            "name": item.filename,
            "type": item.content_type,
        }
    return None


def _store_attachments(message: Message, items: tuple[AttachmentInput, ...]) -> list[str]:
    """Keep the attachments that pass the type and size limits; name the ones refused."""
    refused = []
    for item in items:
        if reason := _attachment_allowed(item):
            refused.append(reason)
            continue
        attachment = Attachment(
            message=message,
            filename=item.filename[:200] or "attachment",
            content_type=item.content_type,
            size=len(item.content),
            content_id=item.content_id.strip("<>"),
        )
        attachment.file.save(attachment.filename, ContentFile(item.content), save=True)
    return refused


# A survey answer is a bare score: "5", "4/5", "3 stars", "5점"; "2 more questions" is not.
_SCORE = re.compile(r"^\s*([1-5])\s*(/\s*5|stars?|점)?\s*[.!]?\s*$", re.IGNORECASE)


def _csat_answer(text: str) -> int | None:
    match = _SCORE.match(text)
    return int(match.group(1)) if match else None


def _open_conversation(store: Store, customer: Customer, data: InboundMessage, now: datetime) -> Conversation:
    """A new conversation started by ``data``, stamped with it as its last message. A loyalty
    tier with priority support makes it high priority, with that priority's tighter SLA."""
    priority = Priority.HIGH if has_priority_support(customer.merged_into_id or customer.pk) else Priority.NORMAL
    first_due, resolution_due = sla.due_times(store, priority, now)
    conversation = insert(
        Conversation(
            store=store,
            customer=customer,
            priority=priority,
            channel=data.channel,
            subject=data.subject[:300],
            last_message_at=now,
            last_inbound_at=data.channel_timestamp or now,
            preview=data.text[:200],
            first_response_due_at=first_due,
            resolution_due_at=resolution_due,
        )
    )
    insert(ConversationEvent(conversation=conversation, kind="created", actor="customer"))
    return conversation


# A conversation the assistant's answer resolved goes on when the shopper writes within this.
ANSWERED_GOES_ON = timedelta(hours=24)


def _conversation_for(store: Store, customer: Customer, data: InboundMessage) -> Conversation | None:
    """The customer's conversation on this channel that is still going on, if any: one not
    resolved, or one the assistant's answer resolved lately (the shopper writing again opens
    it again)."""
    found = select(
        Conversation,
        "store_id = %s AND customer_id = %s AND channel = %s AND merged_into_id IS NULL"
        " AND (status <> %s OR (answered_by_assistant AND last_message_at >= %s))",
        [
            store.pk,
            customer.pk,
            data.channel,
            Status.RESOLVED,
            connection.ops.adapt_datetimefield_value(timezone.now() - ANSWERED_GOES_ON),
        ],
        tail="ORDER BY last_message_at DESC, id DESC LIMIT 1",
    )
    return found[0] if found else None


def _awaiting_csat(store: Store, customer: Customer, channel: str, now: datetime) -> Conversation | None:
    return (
        Conversation.objects.filter(
            store=store,
            customer=customer,
            channel=channel,
            status=Status.RESOLVED,
            csat_score__isnull=True,
            csat_requested_at__gte=now - CSAT_WINDOW,
        )
        .order_by("-csat_requested_at")
        .first()
    )


def message_receive(
    *,
    store: Store,
    data: InboundMessage,
    conversation: Conversation | None = None,
    threaded_by_channel: bool = False,
    unseen: bool = False,
) -> tuple[Message, bool]:
    """File one inbound message: find (or create) its sender as a customer through their
    identity, then its conversation: ``conversation`` when the channel threaded it, else the
    sender's conversation on this channel that is still going on, else a new one. A channel
    that threads by itself (email: headers, then subject) says ``threaded_by_channel``: then
    no ``conversation`` means a new one. A message
    id seen before returns the stored message and ``False`` (platforms retry); ``unseen`` says
    the caller looked for it in this transaction already and found nothing.

    A reply of 1-5 to a satisfaction survey is recorded as the score."""

    def work() -> tuple[Message, bool]:
        # Inside the retried unit: a copy filed meanwhile by a concurrent delivery is found here.
        if data.channel_message_id and not unseen:
            seen = Message.objects.newest_by_channel_id(store.pk, data.channel, data.channel_message_id)
            if seen is not None:
                return seen, False
        customer, identity = customer_for_contact(
            store=store,
            kind=data.sender_kind,
            value=data.sender,
            name=data.sender_name,
            locale=data.locale,
            verified=data.sender_verified,
            actor=f"{data.channel}:inbound",
        )
        return _receive(store, data, conversation, customer, identity, threaded_by_channel)

    # One transaction: the sender, the conversation and the message are filed together or not at all.
    return atomic_with_retry(work)


def _receive(
    store: Store,
    data: InboundMessage,
    conversation: Conversation | None,
    customer: Customer,
    identity: Identity,
    threaded_by_channel: bool,
) -> tuple[Message, bool]:
    now = timezone.now()
    score = _csat_answer(data.text)
    if conversation is not None and conversation.merged_into_id:
        conversation = Conversation.objects.get(pk=conversation.merged_into_id)
    if conversation is None and not threaded_by_channel:
        conversation = _conversation_for(store, customer, data)
    if conversation is None and score is not None:
        conversation = _awaiting_csat(store, customer, data.channel, now)
    opened = conversation is None
    if conversation is None:
        conversation = _open_conversation(store, customer, data, now)
    message = insert(
        Message(
            store=store,
            conversation=conversation,
            channel=data.channel,
            direction=Direction.IN,
            author_kind=AuthorKind.CUSTOMER,
            identity=identity,
            text=data.text,
            html=sanitise_html(data.html),
            original=data.original,
            channel_message_id=data.channel_message_id,
            channel_timestamp=data.channel_timestamp or now,
            delivery=Delivery.RECEIVED,
            meta=data.meta,
        )
    )
    refused = _store_attachments(message, data.attachments)
    if refused:
        message.meta = {**message.meta, "refused_attachments": refused}
        message.save(update_fields=["meta"])
    answered_survey = (
        score is not None
        and conversation.status == Status.RESOLVED
        and conversation.csat_requested_at is not None
        and conversation.csat_score is None
    )
    conversation.last_message_at = now
    conversation.last_inbound_at = data.channel_timestamp or now
    conversation.preview = data.text[:200]
    fields = ["last_message_at", "last_inbound_at", "preview", "updated_at"]
    if answered_survey:
        conversation.csat_score = score
        fields.append("csat_score")
        ConversationEvent.objects.create(
            conversation=conversation, kind="csat_recorded", actor="customer", data={"score": score}
        )
    elif conversation.status != Status.OPEN:
        _reopen(conversation, now)
        fields += ["status", "snoozed_until", "resolved_at", "resolution_due_at", "answered_by_assistant"]
    if not opened:  # a new conversation was stamped with this message when it was inserted
        update(conversation, fields)
    if data.channel in (Channel.SMS, Channel.WHATSAPP):
        if (word := revocation_word(data.text)) is not None:
            _opt_out(message, conversation, customer, word)
        elif (word := confirmation_word(data.text)) is not None:
            _opt_in(message, conversation, customer, word)
    live.message_changed(message)
    publish("conversation.message_received", message_id=message.pk)
    return message, True


def _opt_in(message: Message, conversation: Conversation, customer: Customer, word: str) -> None:
    """A "YES" confirms a sign-up on this channel that waits for it (and is recent): subscribed,
    with the sign-up's evidence and this reply, and the shopper is told. Otherwise a "yes" is
    just a message."""
    pending = consent_current(customer).get(message.channel)
    now = timezone.now()
    if pending is None or pending.state != ConsentState.PENDING:
        return
    if (now - pending.occurred_at).total_seconds() > CONFIRM_WITHIN:
        return
    consent_record(
        customer=customer,
        consent=ConsentInput(
            channel=message.channel,
            state=ConsentState.SUBSCRIBED,
            occurred_at=message.channel_timestamp or now,
            source=pending.source,
            evidence={**pending.evidence, "confirmed_by": "reply", "request": pending.pk, "message": message.pk},
        ),
        actor="customer",
    )
    message.meta = {**message.meta, "opt_in": word}
    message.save(update_fields=["meta"])
    _tell(message, conversation, subscribed_text(conversation, message.channel, word), {"opt_in_confirmation": word})


def _tell(message: Message, conversation: Conversation, text: str, meta: dict[str, Any]) -> None:
    """Answer a consent reply on its own channel: transactional, needs no consent."""
    try:
        message_send(
            conversation=conversation,
            text=text,
            author=None,
            author_kind=AuthorKind.SYSTEM,
            channel=message.channel,
            meta={"transactional": True, **meta},
        )
    except InvalidInput as exc:  # the channel cannot answer here: the consent itself stands
        log.warning("could not answer the consent reply %s: %s", message.pk, exc)


def _opt_out(message: Message, conversation: Conversation, customer: Customer, word: str) -> None:
    """The reply withdraws marketing consent on its channel, in the same transaction as the
    message itself, and the shopper is told (a transactional message, no consent needed)."""
    consent_record(
        customer=customer,
        consent=ConsentInput(
            channel=message.channel,
            state=ConsentState.UNSUBSCRIBED,
            occurred_at=message.channel_timestamp or timezone.now(),
            source="reply",
            evidence={"message": message.pk, "keyword": word, "text": message.text[:100]},
        ),
        actor="customer",
    )
    message.meta = {**message.meta, "opt_out": word}
    message.save(update_fields=["meta"])
    _tell(message, conversation, confirmation_text(conversation, message.channel, word), {"opt_out_confirmation": word})


def _reopen(conversation: Conversation, now: datetime) -> None:
    was = conversation.status
    if was == Status.RESOLVED:
        _, resolution = sla.targets(conversation.store, conversation.priority)
        conversation.resolution_due_at = sla.add_business_minutes(conversation.store, now, resolution)
        conversation.resolved_at = None
    conversation.status, conversation.snoozed_until, conversation.answered_by_assistant = Status.OPEN, None, False
    ConversationEvent.objects.create(conversation=conversation, kind="reopened", actor="customer", data={"was": was})


# Delivery reports arrive late and out of order; a message's state only moves forward.
_DELIVERY_RANK = [Delivery.QUEUED, Delivery.SENDING, Delivery.SENT, Delivery.DELIVERED, Delivery.READ, Delivery.FAILED]


def delivery_report(*, store_id: int, channel: str, channel_message_id: str, delivery: str, error: str = "") -> int:
    """Record a channel's report on a message we sent (sent, delivered, read, failed): applied
    only if it is ahead of what is stored. Returns how many messages changed."""
    behind = _DELIVERY_RANK[: _DELIVERY_RANK.index(Delivery(delivery))]
    return (
        Message.objects.by_channel_id(store_id, channel, channel_message_id)
        .filter(delivery__in=behind)
        .update(delivery=delivery, last_error=error)
    )


def identity_for(conversation: Conversation, channel: str) -> Identity:
    """Where a reply on ``channel`` goes: the address the customer last wrote from on that
    channel, else the customer's first identity of that kind."""
    last = (
        conversation.messages.filter(direction=Direction.IN, channel=channel, identity__isnull=False)
        .select_related("identity")
        .order_by("-id")
        .first()
    )
    if last is not None and last.identity is not None and last.identity.customer_id == conversation.customer_id:
        return last.identity
    kinds = CHANNEL_IDENTITY[Channel(channel)]
    for kind in kinds:
        identity = Identity.objects.filter(customer=conversation.customer, kind=kind).order_by("id").first()
        if identity is not None:
            return identity
    raise InvalidInput(
        _("This customer has no address for %(channel)s: reply on another channel.")
        % {"channel": Channel(channel).label}
    )


def message_send(
    *,
    conversation: Conversation,
    text: str,
    author: AbstractBaseUser | None,
    author_kind: str = AuthorKind.AGENT,
    channel: str = "",
    html: str = "",
    attachments: tuple[AttachmentInput, ...] = (),
    meta: dict[str, Any] | None = None,
    purpose: str = Purpose.TRANSACTIONAL,
    identity: Identity | None = None,
) -> Message:
    """Reply to the customer on the conversation's channel (or on ``channel``, another one the
    customer has an address for; at ``identity``, one of theirs for that channel, if given).
    The message is queued now and sent after commit."""
    text = text.strip()
    if not text and not attachments:
        raise InvalidInput(_("Write a message before sending."))
    if conversation.merged_into_id:
        raise Conflict(_("This conversation was merged into #%(id)s.") % {"id": conversation.merged_into_id})
    channel = channel or conversation.channel
    if channel not in Channel.values:
        raise InvalidInput(_("Unknown channel %(channel)s.") % {"channel": channel})
    if identity is None or identity.customer_id != conversation.customer_id:
        identity = identity_for(conversation, channel)
    elif identity.kind not in CHANNEL_IDENTITY[Channel(channel)]:
        raise InvalidInput(
            _("This customer has no address for %(channel)s: reply on another channel.")
            % {"channel": Channel(channel).label}
        )
    with transaction.atomic():
        now = timezone.now()
        message = Message(
            store_id=conversation.store_id,
            conversation=conversation,
            channel=channel,
            direction=Direction.OUT,
            author_kind=author_kind,
            author_id=author.pk if author is not None else None,
            identity=identity,
            text=text,
            html=sanitise_html(html),
            delivery=Delivery.QUEUED,
            meta=meta or {},
            purpose=purpose,
        )
        if refusal := sender_for(channel).refusal(conversation, message):
            raise InvalidInput(refusal)
        message.save()
        refused = _store_attachments(message, attachments)
        if refused:
            raise InvalidInput("; ".join(refused))
        # The preview stays the shopper's last words: the inbox shows what they asked.
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now, updated_at=now)
        conversation.last_message_at = now
        answers = author_kind in (AuthorKind.AGENT, AuthorKind.BOT) and not (meta or {}).get("survey")
        if answers and conversation.first_response_at is None:
            Conversation.objects.filter(pk=conversation.pk, first_response_at__isnull=True).update(
                first_response_at=now
            )
            conversation.first_response_at = now
        live.message_changed(message)
        enqueue_on_commit(deliver_message, message.pk)
    return message


@transaction.atomic
def note_add(
    *, conversation: Conversation, text: str, author: AbstractBaseUser | None, author_kind: str = AuthorKind.AGENT
) -> Message:
    """An internal note: agents see it in the timeline; it never goes to the customer."""
    text = text.strip()
    if not text:
        raise InvalidInput(_("Write a note before saving it."))
    message = Message.objects.create(
        store_id=conversation.store_id,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.NOTE,
        author_kind=author_kind,
        author_id=author.pk if author is not None else None,
        text=text,
        delivery=Delivery.NOT_SENT,
    )
    live.message_changed(message)
    return message


@transaction.atomic
def conversation_assign(
    *, conversation: Conversation, assignee: AbstractBaseUser | None, actor: AbstractBaseUser | None
) -> Conversation:
    if conversation.assignee_id == getattr(assignee, "pk", None):
        return conversation  # nothing changed: nothing to record
    conversation.assignee = assignee  # type: ignore[assignment]
    conversation.save(update_fields=["assignee", "updated_at"])
    ConversationEvent.objects.create(
        conversation=conversation,
        kind="assigned" if assignee else "unassigned",
        actor=actor_of(actor),
        data={"assignee": assignee.get_username() if assignee else None},
    )
    return conversation


@transaction.atomic
def conversation_set_status(
    *,
    conversation: Conversation,
    status: str,
    actor: AbstractBaseUser | None,
    snoozed_until: datetime | None = None,
    by_assistant: bool = False,
) -> Conversation:
    """Open, pending, snoozed until a time, or resolved. Resolving sends the satisfaction
    survey on the conversation's channel after commit, except when the assistant's answer
    resolves it (``by_assistant``): the shopper is not surveyed after every answer."""
    if by_assistant and status != Status.RESOLVED:
        raise InvalidInput("the assistant only resolves a conversation it answered")
    if status not in Status.values:
        raise InvalidInput(_("Status must be one of: %(choices)s.") % {"choices": ", ".join(Status.values)})
    now = timezone.now()
    if status == Status.SNOOZED:
        if snoozed_until is None or snoozed_until <= now:
            raise InvalidInput(_("Snooze until a time in the future."))
    else:
        snoozed_until = None
    if conversation.merged_into_id and status != Status.RESOLVED:
        raise Conflict(_("This conversation was merged into #%(id)s.") % {"id": conversation.merged_into_id})
    was = conversation.status
    conversation.status, conversation.snoozed_until = status, snoozed_until
    conversation.answered_by_assistant = by_assistant
    fields = ["status", "snoozed_until", "answered_by_assistant", "updated_at"]
    if status == Status.RESOLVED and was != Status.RESOLVED:
        conversation.resolved_at = now
        fields.append("resolved_at")
        if not conversation.merged_into_id and not by_assistant:
            transaction.on_commit(lambda: _schedule_survey(conversation.pk))
    elif status != Status.RESOLVED and conversation.resolved_at:
        conversation.resolved_at = None
        fields.append("resolved_at")
    conversation.save(update_fields=fields)
    ConversationEvent.objects.create(
        conversation=conversation,
        kind="status_changed",
        actor="assistant" if by_assistant else actor_of(actor),
        data={"from": was, "to": status, "until": snoozed_until.isoformat() if snoozed_until else None},
    )
    return conversation


@transaction.atomic
def conversation_set_priority(
    *, conversation: Conversation, priority: str, actor: AbstractBaseUser | None
) -> Conversation:
    if priority not in Priority.values:
        raise InvalidInput(_("Priority must be one of: %(choices)s.") % {"choices": ", ".join(Priority.values)})
    if conversation.priority == priority:
        return conversation  # the form sent it along with another change
    conversation.priority = priority
    conversation.first_response_due_at, conversation.resolution_due_at = sla.due_times(
        conversation.store, priority, conversation.created_at
    )
    conversation.save(update_fields=["priority", "first_response_due_at", "resolution_due_at", "updated_at"])
    ConversationEvent.objects.create(
        conversation=conversation, kind="priority_changed", actor=actor_of(actor), data={"to": priority}
    )
    return conversation


@transaction.atomic
def conversation_set_tags(
    *, conversation: Conversation, tags: list[str], actor: AbstractBaseUser | None
) -> Conversation:
    cleaned = sorted({t.strip().lower()[:40] for t in tags if t.strip()})
    conversation.tags = cleaned
    conversation.save(update_fields=["tags", "updated_at"])
    ConversationEvent.objects.create(
        conversation=conversation, kind="tagged", actor=actor_of(actor), data={"tags": cleaned}
    )
    return conversation


@transaction.atomic
def conversation_merge(*, survivor: Conversation, merged: Conversation, actor: AbstractBaseUser | None) -> Conversation:
    """Move every message and event of ``merged`` into ``survivor``; ``merged`` stays as a
    resolved pointer so links to it still lead somewhere."""
    if survivor.pk == merged.pk:
        raise InvalidInput(_("A conversation cannot be merged into itself."))
    if survivor.store_id != merged.store_id:
        raise InvalidInput(_("Both conversations must belong to the same store."))
    if merged.merged_into_id or survivor.merged_into_id:
        raise Conflict(_("One of these conversations was already merged."))
    # Lock both in primary-key order so two opposite merges cannot interleave.
    list(Conversation.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk"))
    Message.objects.filter(conversation=merged).update(conversation=survivor)
    ConversationEvent.objects.filter(conversation=merged).update(conversation=survivor)
    if merged.customer_id != survivor.customer_id:
        log.info("conversation %s of customer %s merged across customers", merged.pk, merged.customer_id)
    merged.merged_into, merged.status, merged.resolved_at = survivor, Status.RESOLVED, timezone.now()
    merged.save(update_fields=["merged_into", "status", "resolved_at", "updated_at"])
    survivor.last_message_at = max(survivor.last_message_at, merged.last_message_at)
    survivor.save(update_fields=["last_message_at", "updated_at"])
    ConversationEvent.objects.create(
        conversation=survivor, kind="merged", actor=actor_of(actor), data={"merged": merged.pk}
    )
    return survivor


def survey_text(conversation: Conversation) -> str:
    with override(conversation.customer.locale or conversation.store.default_locale or "en"):
        return _(
            "How did we do? Reply with a number from 1 (poor) to 5 (excellent). Thank you for shopping with %(store)s."
        ) % {"store": conversation.store.name}


def csat_request(*, conversation_id: int) -> Message | None:
    """Ask the customer for a 1-5 score on the conversation's channel, once."""
    conversation = Conversation.objects.select_related("customer", "store").get(pk=conversation_id)
    if conversation.status != Status.RESOLVED or conversation.csat_requested_at or conversation.csat_score:
        return None
    claimed = Conversation.objects.filter(pk=conversation.pk, csat_requested_at__isnull=True).update(
        csat_requested_at=timezone.now()
    )
    if not claimed:
        return None
    try:
        return message_send(
            conversation=conversation,
            text=survey_text(conversation),
            author=None,
            author_kind=AuthorKind.BOT,
            meta={"survey": "csat"},
        )
    except (InvalidInput, Conflict) as exc:  # e.g. WhatsApp's 24-hour window has closed
        log.info("no satisfaction survey for conversation %s: %s", conversation.pk, exc)
        return None


def _schedule_survey(conversation_id: int) -> None:
    from .tasks import send_survey

    # A short delay: an agent who resolves and then reopens should not survey the customer.
    if settings.CSAT_DELAY_SECONDS:
        send_survey.schedule((conversation_id,), delay=settings.CSAT_DELAY_SECONDS)
    else:
        send_survey(conversation_id)


# The filters a saved view keeps, and how many views an agent keeps per store.
VIEW_FILTERS = ("view", "status", "channel", "tag", "q")
SAVED_VIEWS_MOST = 20


def saved_view_add(*, user: AbstractBaseUser, store: Store, name: str, query: str) -> SavedView:
    """The agent's inbox filters (``query``, as in the inbox's address) kept under ``name``;
    the same name again replaces them. Only the inbox's own filters are kept."""
    name = " ".join(name.split())
    if not name or len(name) > 60:
        raise InvalidInput(_("name: 1 to 60 characters"))
    kept = urlencode([(key, value) for key, value in parse_qsl(query) if key in VIEW_FILTERS and value])
    if not kept:
        raise InvalidInput(_("Choose a view, status, channel, tag or search to save first."))
    with transaction.atomic():
        mine = SavedView.objects.filter(user_id=user.pk, store=store)
        if mine.count() >= SAVED_VIEWS_MOST and not mine.filter(name=name).exists():
            raise InvalidInput(_("Keep at most %(most)s views: delete one first.") % {"most": SAVED_VIEWS_MOST})
        found, _created = SavedView.objects.update_or_create(
            user_id=user.pk, store=store, name=name, defaults={"query": kept[:400]}
        )
    return found


def saved_view_delete(*, user: AbstractBaseUser, store: Store, view_id: int) -> None:
    if not SavedView.objects.filter(user_id=user.pk, store=store, pk=view_id).delete()[0]:
        raise NotFound(f"no saved view {view_id}")
