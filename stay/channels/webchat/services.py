"""Web chat: who the visitor is, what they may see, and their messages in and out."""

import hashlib
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.conversations.inputs import InboundMessage
from stay.conversations.live import message_view
from stay.conversations.models import Agent, AuthorKind, Channel, Conversation, Direction, Message, Status
from stay.conversations.services import message_receive, note_add
from stay.core.db import atomic_with_retry
from stay.core.errors import Conflict, InvalidInput
from stay.core.models import Store
from stay.core.ratelimit import rate_hit
from stay.customers.inputs import CustomerInput
from stay.customers.models import Customer, Identity, IdentityKind
from stay.customers.services import (
    customer_for_contact,
    customer_merge,
    customer_resolve,
    customers_delete_unused,
    identity_attach,
)
from stay.orders.models import Order

from .models import ChatWidget, Visitor

AGENT_ONLINE_WITHIN = timedelta(minutes=5)
VISITOR_ONLINE_WITHIN = timedelta(minutes=2)


def identity_hash(secret: str, customer_id: str) -> str:
    """What the storefront puts beside a signed-in shopper's customer id: HMAC-SHA256, hex."""
    return hmac.new(secret.encode(), str(customer_id).encode(), hashlib.sha256).hexdigest()


def shopper_check(public_key: str, customer_id: str, signature: str) -> Store | None:
    """The store whose widget ``public_key`` is, when ``signature`` signs ``customer_id`` with
    its identity secret: storefront calls for a signed-in shopper (loyalty, recommendations)."""
    widget = widget_for(public_key)
    if widget is None or not hmac.compare_digest(identity_hash(widget.identity_secret, customer_id), signature):
        return None
    return widget.store


def widget_for(public_key: str) -> ChatWidget | None:
    return ChatWidget.objects.select_related("store").filter(public_key=public_key).first()


def origin_allowed(widget: ChatWidget, origin: str) -> bool:
    return not widget.allowed_origins or origin.rstrip("/") in [o.rstrip("/") for o in widget.allowed_origins]


def visitor_open(*, widget: ChatWidget, token: str, customer_id: str = "", signature: str = "") -> Visitor:
    """The visitor behind ``token`` (a new one when empty or unknown). A customer id comes
    with the storefront's signature; only a correct one makes the visitor that customer."""
    store = widget.store
    verified = bool(customer_id) and hmac.compare_digest(
        identity_hash(widget.identity_secret, customer_id), signature or ""
    )
    if customer_id and not verified:
        raise InvalidInput(_("We could not confirm your account, so this chat is anonymous."))

    def work() -> Visitor:
        visitor = Visitor.objects.select_related("customer", "identity").filter(store=store, token=token).first()
        if visitor is None:
            # No customer yet: one is made when the visitor first writes (chat_receive), so
            # opening the widget, or a script opening thousands of sockets, fills no list.
            fresh = token if token and len(token) >= 32 else secrets.token_urlsafe(32)
            visitor = Visitor.objects.create(store=store, token=fresh)
        if verified and not visitor.verified:
            known = customer_resolve(store=store, data=CustomerInput(platform_id=customer_id), actor="webchat")
            if visitor.customer is not None and known.pk != visitor.customer_id:
                # What the visitor wrote before signing in joins the account they signed in to.
                customer_merge(survivor=known, merged=visitor.customer, actor="webchat:verified")
            if visitor.identity_id is None:
                visitor.identity = Identity.objects.create(
                    store=store, customer=known, kind=IdentityKind.CHAT, value=visitor.token, verified=True
                )
            else:
                Identity.objects.filter(pk=visitor.identity_id).update(verified=True, customer=known)
            visitor.customer, visitor.verified = known, True
            visitor.save(update_fields=["customer", "identity", "verified"])
        return visitor

    return atomic_with_retry(work)


# A shopper opens a few tabs; a script opening hundreds of sockets is refused.
CONNECTIONS_PER_MINUTE = 30


def connection_count(widget: ChatWidget, client: str) -> None:
    """Count a new socket from ``client``; raises RateLimited past the limit."""
    rate_hit(f"chat:connect:{widget.store_id}:{client}", limit=CONNECTIONS_PER_MINUTE, per_seconds=60)


def presence(visitor: Visitor, delta: int) -> None:
    Visitor.objects.filter(pk=visitor.pk).update(connections=F("connections") + delta, last_seen_at=timezone.now())


def visitor_online(conversation: Conversation) -> bool:
    since = timezone.now() - VISITOR_ONLINE_WITHIN
    return Visitor.objects.filter(
        customer_id=conversation.customer_id, connections__gt=0, last_seen_at__gte=since
    ).exists()


_assistant_checks: list[Callable[[Store], bool]] = []


def register_assistant(answers: Callable[[Store], bool]) -> None:
    """A higher app that answers chats by itself (the assistant) says for which stores, so
    the widget does not tell a shopper that nobody is there."""
    if answers not in _assistant_checks:
        _assistant_checks.append(answers)


def assistant_answers(store: Store) -> bool:
    return any(answers(store) for answers in _assistant_checks)


def agents_online() -> bool:
    return Agent.objects.filter(seen_at__gte=timezone.now() - AGENT_ONLINE_WITHIN, user__is_active=True).exists()


def chat_conversation(visitor: Visitor) -> Conversation | None:
    if visitor.customer_id is None:
        return None  # has not written yet
    return (
        Conversation.objects.filter(customer_id=visitor.customer_id, channel=Channel.WEBCHAT, merged_into__isnull=True)
        .order_by("-last_message_at")
        .first()
    )


def history(conversation: Conversation | int | None, *, after_id: int = 0, limit: int = 50) -> list[dict[str, Any]]:
    """What the visitor sees of a conversation (or a conversation id): their messages and the
    replies; never internal notes."""
    if conversation is None:
        return []
    rows = list(
        Message.objects.filter(conversation=conversation, id__gt=after_id)
        .exclude(direction=Direction.NOTE)
        .select_related("author")
        .order_by("-id")[:limit]
    )
    return [message_view(m) for m in reversed(rows)]


def new_since(conversation_ids: list[int], after_id: int) -> list[tuple[int, int]]:
    """(conversation, message) ids written after ``after_id`` in these conversations, for the
    process's one poller: replies a push could not bring (written by another process)."""
    return list(
        Message.objects.filter(id__gt=after_id, conversation_id__in=conversation_ids)
        .exclude(direction=Direction.NOTE)
        .order_by("id")
        .values_list("conversation_id", "id")[:1000]
    )


def last_message_id() -> int:
    last = Message.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def visible_orders(visitor: Visitor, *, limit: int = 5) -> list[dict[str, Any]]:
    """A verified visitor's own recent orders; an anonymous visitor sees none."""
    if not visitor.verified or visitor.customer_id is None:
        return []
    orders = (
        Order.objects.filter(customer_id=visitor.customer_id).prefetch_related("fulfilments").order_by("-placed_at")
    )
    return [
        {
            "name": o.name,
            "placed_at": o.placed_at.date().isoformat(),
            "total": str(o.total),
            "currency": o.currency,
            "status": o.fulfillment_status or "unfulfilled",
            "status_label": o.fulfilment_label,
            "tracking": [f.tracking_url for f in o.fulfilments.all() if f.tracking_url],
        }
        for o in orders
    ]


def chat_receive(*, visitor: Visitor, text: str, client_id: str) -> tuple[Message, bool]:
    text = text.strip()
    if not text:
        raise InvalidInput(_("Write a message before sending."))
    if len(text) > 5000:
        raise InvalidInput(_("A chat message can be at most 5,000 characters."))
    data = InboundMessage(
        channel=Channel.WEBCHAT,
        sender_kind=IdentityKind.CHAT,
        sender=visitor.token,
        sender_verified=visitor.verified,
        text=text,
        channel_message_id=f"{visitor.token[:16]}:{client_id[:60]}" if client_id else "",
    )
    if visitor.customer_id is not None:
        return message_receive(store=visitor.store, data=data)
    # The first message makes the visitor a customer (through their chat identity): the
    # visitor is linked in the same transaction, so they never have messages and no customer.
    with transaction.atomic():
        message, created = message_receive(store=visitor.store, data=data)
        _become(visitor, message.conversation.customer_id, message.identity_id)
    return message, created


def _become(visitor: Visitor, customer_id: int, identity_id: int | None) -> None:
    Visitor.objects.filter(pk=visitor.pk, customer__isnull=True).update(
        customer_id=customer_id, identity_id=identity_id
    )
    visitor.customer_id, visitor.identity_id = customer_id, identity_id


def _visitor_customer(visitor: Visitor) -> Customer:
    """The visitor as a customer, made now if they have not written yet."""
    if visitor.customer_id is None:
        customer, identity = customer_for_contact(
            store=visitor.store, kind=IdentityKind.CHAT, value=visitor.token, actor="webchat"
        )
        _become(visitor, customer.pk, identity.pk)
    assert visitor.customer_id is not None
    return Customer.objects.get(pk=visitor.customer_id)


@transaction.atomic
def email_leave(*, visitor: Visitor, email: str) -> Conversation | None:
    """No agent is online: the visitor leaves an email address and the conversation goes on
    by email (replies go there while the visitor is away)."""
    conflict = ""
    try:
        identity_attach(customer=_visitor_customer(visitor), kind=IdentityKind.EMAIL, value=email, actor="webchat")
    except Conflict as exc:
        # Someone with that address is known already. Merging them is an agent's decision
        # (a visitor could type anyone's address), so the agent is told instead.
        conflict = str(exc)
    conversation = chat_conversation(visitor)
    if conversation is not None:
        conversation.tags = sorted({*conversation.tags, "continue-by-email"})
        conversation.save(update_fields=["tags", "updated_at"])
        if conversation.status == Status.RESOLVED:
            conversation.status = Status.OPEN
            conversation.save(update_fields=["status"])
        if conflict:
            note_add(
                conversation=conversation,
                text=_("The visitor left %(email)s to be answered by email, but: %(why)s")
                % {"email": email, "why": conflict},
                author=None,
                author_kind=AuthorKind.SYSTEM,
            )
    return conversation


def visitors_prune(*, idle_before: datetime) -> int:
    """Forget visitors who never wrote and have not been seen since ``idle_before``, and the
    empty customers that opening the widget used to create (nothing but their chat identity:
    no conversation, no order). Returns how many visitors went."""
    gone, _ = (
        Visitor.objects.filter(customer__isnull=True, connections__lte=0)
        .filter(Q(last_seen_at__lt=idle_before) | Q(last_seen_at__isnull=True, created_at__lt=idle_before))
        .delete()
    )
    empty = (
        Customer.objects.filter(
            pk__in=Visitor.objects.filter(verified=False, created_at__lt=idle_before, connections__lte=0).values(
                "customer_id"
            )
        )
        .annotate(n_identities=Count("identities", distinct=True))
        .filter(n_identities=1, orders__isnull=True, conversations__isnull=True, merged_into__isnull=True)
        .values_list("pk", flat=True)[:1000]
    )
    ids = list(empty)
    if ids:
        Visitor.objects.filter(customer_id__in=ids).delete()
        gone += customers_delete_unused(customer_ids=ids)
    return gone
