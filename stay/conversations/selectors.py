"""Reads for the inbox. ``conversation_access`` is the only way to load a conversation a
caller may not be allowed to see."""

import base64
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import batched
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store
from stay.customers.identities import normalise_email, normalise_phone
from stay.customers.models import IdentityKind

from .models import HANDOFF_TAG, Agent, AuthorKind, Channel, Conversation, Direction, Message, Role, SavedView, Status


def agent_of(user: AbstractBaseUser) -> Agent | None:
    """The user's agent profile; staff without one act as admins. Read once per user object
    (Django keeps it on the instance), however many checks a request makes."""
    try:
        agent: Agent | None = user.agent  # type: ignore[attr-defined]
    except (Agent.DoesNotExist, AttributeError):
        agent = None
    if agent is None and getattr(user, "is_staff", False):
        return Agent(user_id=user.pk, role=Role.ADMIN)
    return agent


def stores_of(user: AbstractBaseUser) -> QuerySet[Store] | None:
    """The stores ``user`` may work as an agent; ``None``: every store (staff, admin agents,
    and users who are no agent at all, whom their API token's store scopes instead). Agents
    and leads work only the stores they were given."""
    if getattr(user, "is_staff", False):
        return None
    agent = agent_of(user)
    if agent is None or agent.role == Role.ADMIN:
        return None
    return Store.objects.filter(agents=agent)


def store_allowed(user: AbstractBaseUser, store: Store) -> bool:
    """Whether ``user`` may read and act on ``store`` (:func:`stores_of`)."""
    allowed = stores_of(user)
    return allowed is None or allowed.filter(pk=store.pk).exists()


def is_lead(user: AbstractBaseUser) -> bool:
    """Whether ``user`` is a lead or an admin (staff without a profile are admins)."""
    agent = agent_of(user)
    return agent is not None and agent.role in (Role.LEAD, Role.ADMIN)


def may_handle_personal_data(user: AbstractBaseUser) -> bool:
    """Whether ``user`` may export or erase a customer's personal data: leads and admins."""
    return is_lead(user)


def may_override_rules(user: AbstractBaseUser) -> bool:
    """Whether ``user`` may set the store's rules aside (a return the rules refuse): leads
    and admins only."""
    return is_lead(user)


def conversation_access(*, user: AbstractBaseUser, store: Store, conversation_id: int) -> Conversation:
    """The conversation, if ``user`` is an agent who may read it. Everyone else gets NotFound,
    whether or not it exists."""
    if agent_of(user) is None or not store_allowed(user, store):
        raise NotFound(f"no conversation {conversation_id}")
    found = (
        Conversation.objects.select_related("customer", "assignee", "store", "team")
        .filter(store=store, pk=conversation_id)
        .first()
    )
    if found is None:
        raise NotFound(f"no conversation {conversation_id}")
    return found


@dataclass(frozen=True)
class InboxFilter:
    view: str = "all"  # all | mine | unassigned | answered (resolved by the assistant's answer)
    status: str = ""  # empty: open and pending; "all": every status
    channel: str = ""
    tag: str = ""
    customer_id: int | None = None
    email: str = ""
    phone: str = ""


def _tagged(tag: str) -> Q:
    if connection.vendor == "postgresql":
        return Q(tags__contains=[tag])
    return Q(tags__icontains=f'"{tag}"')


INBOX_VIEWS = ("all", "mine", "unassigned", "answered")


def inbox(*, store: Store, user: AbstractBaseUser | None, f: InboxFilter) -> QuerySet[Conversation]:
    if f.view not in INBOX_VIEWS:
        raise InvalidInput(
            _("There is no view “%(value)s”: choose one of %(choices)s.")
            % {"value": f.view[:40], "choices": ", ".join(INBOX_VIEWS)}
        )
    qs = Conversation.objects.filter(store=store, merged_into__isnull=True)
    if f.view == "mine" and user is not None:
        qs = qs.filter(assignee_id=user.pk)
    elif f.view == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    if f.view == "answered":
        qs = qs.filter(status=Status.RESOLVED, answered_by_assistant=True)
    elif f.status == "all":
        pass
    elif f.status:
        if f.status not in Status.values:
            raise InvalidInput(
                _("There is no status “%(value)s”: choose one of %(choices)s.")
                % {"value": f.status[:40], "choices": ", ".join(str(label) for label in Status.labels)}
            )
        qs = qs.filter(status=f.status)
    else:
        qs = qs.filter(status__in=[Status.OPEN, Status.PENDING])
    if f.channel:
        if f.channel not in Channel.values:
            raise InvalidInput(
                _("There is no channel “%(value)s”: choose one of %(choices)s.")
                % {"value": f.channel[:40], "choices": ", ".join(str(label) for label in Channel.labels)}
            )
        qs = qs.filter(channel=f.channel)
    if f.tag:
        qs = qs.filter(_tagged(f.tag))
    if f.customer_id:
        qs = qs.filter(customer_id=f.customer_id)
    if f.email:
        qs = qs.filter(
            customer__identities__kind=IdentityKind.EMAIL, customer__identities__value=normalise_email(f.email)
        )
    if f.phone:
        phone = normalise_phone(f.phone, region=store.country)
        qs = qs.filter(
            customer__identities__kind__in=[IdentityKind.PHONE, IdentityKind.WHATSAPP],
            customer__identities__value=phone,
        )
    return qs.select_related("customer", "assignee").order_by("-last_message_at", "-id")


def encode_cursor(conversation: Conversation) -> str:
    raw = f"{conversation.last_message_at.isoformat()}|{conversation.pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        when, pk = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return datetime.fromisoformat(when), int(pk)
    except ValueError:
        raise InvalidInput("the cursor is not one this API gave out") from None


def page(qs: QuerySet[Conversation], *, cursor: str = "", size: int = 50) -> tuple[list[Conversation], str]:
    """One page, newest first, and the cursor for the next (empty on the last page). Keyset
    pagination: the next page starts after the last row seen, so page 10,000 costs what page 1
    does, and a conversation moving up while the agent reads does not shift the pages."""
    if cursor:
        when, pk = _decode_cursor(cursor)
        qs = qs.filter(Q(last_message_at__lt=when) | Q(last_message_at=when, id__lt=pk))
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, encode_cursor(rows[-1]) if more and rows else ""


# The assistant-answered view counts the last day.
ANSWERED_COUNTED = timedelta(days=1)


def inbox_counts(*, store: Store, user: AbstractBaseUser) -> dict[str, int]:
    """How many conversations still need an answer in each view (open or pending), and how
    many the assistant's answer resolved in the last day (one query)."""
    live = Q(status__in=[Status.OPEN, Status.PENDING])
    answered = Q(
        status=Status.RESOLVED, answered_by_assistant=True, last_message_at__gte=timezone.now() - ANSWERED_COUNTED
    )
    counts = Conversation.objects.filter(live | answered, store=store, merged_into__isnull=True).aggregate(
        all=Count("id", filter=live),
        mine=Count("id", filter=live & Q(assignee_id=user.pk)),
        unassigned=Count("id", filter=live & Q(assignee__isnull=True)),
        answered=Count("id", filter=answered),
    )
    return {k: v or 0 for k, v in counts.items()}


def mine_since(*, user: AbstractBaseUser, store: Store, since: datetime, limit: int = 10) -> list[Conversation]:
    """Open conversations assigned to ``user`` in which the customer wrote after ``since``."""
    return list(
        Conversation.objects.filter(
            store=store, assignee_id=user.pk, status=Status.OPEN, last_inbound_at__gt=since, merged_into__isnull=True
        )
        .select_related("customer")
        .order_by("-last_inbound_at")[:limit]
    )


def changed_since(*, store: Store, since: datetime, limit: int = 50) -> list[int]:
    """Conversations of ``store`` changed after ``since`` (a message, an assignment, a status,
    tags: anything that moves ``updated_at``), most recent first: what an open inbox redraws."""
    return list(
        Conversation.objects.filter(store=store, updated_at__gt=since)
        .order_by("-updated_at")
        .values_list("pk", flat=True)[:limit]
    )


def saved_views(*, user: AbstractBaseUser, store: Store) -> list[SavedView]:
    return list(SavedView.objects.filter(user_id=user.pk, store=store))


def handed_over(*, store: Store, limit: int = 10) -> list[tuple[Conversation, str]]:
    """Open conversations the assistant handed to a person that no one has taken yet, longest
    waiting first, each with the first line of the assistant's summary: the top of the queue."""
    waiting = list(
        Conversation.objects.filter(store=store, merged_into__isnull=True, status=Status.OPEN, assignee__isnull=True)
        .filter(_tagged(HANDOFF_TAG))
        .select_related("customer")
        .order_by("last_inbound_at", "id")[:limit]
    )
    notes = dict(
        Message.objects.filter(conversation__in=waiting, author_kind=AuthorKind.BOT, direction=Direction.NOTE)
        .order_by("conversation_id", "id")
        .values_list("conversation_id", "text")
    )  # the latest note of each wins
    return [(c, " · ".join(notes.get(c.pk, "").split("\n")[:2])) for c in waiting]


def timeline(conversation: Conversation, *, limit: int = 200) -> list[Message]:
    """This customer's messages across every channel and past conversation, oldest first."""
    rows = list(
        Message.objects.filter(conversation__customer_id=conversation.customer_id, store_id=conversation.store_id)
        .select_related("author", "identity", "conversation")
        .prefetch_related("attachments")
        .order_by("-created_at", "-id")[:limit]
    )
    rows.reverse()
    return rows


def messages_of(conversation: Conversation, *, after_id: int = 0) -> QuerySet[Message]:
    return (
        Message.objects.filter(conversation=conversation, id__gt=after_id)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("id")
    )


def sla_due(conversation: Conversation) -> datetime | None:
    """When the SLA target still running falls due (first response, then resolution)."""
    if conversation.status == Status.RESOLVED:
        return None
    if conversation.first_response_at is None:
        return conversation.first_response_due_at
    return conversation.resolution_due_at


def sla_state(conversation: Conversation) -> str:
    """``breached``, ``due_soon`` (within an hour) or ``ok`` for the target still running."""
    now = timezone.now()
    due = sla_due(conversation)
    if due is None:
        return "ok"
    if due < now:
        return "breached"
    return "due_soon" if (due - now).total_seconds() < 3600 else "ok"


@dataclass(frozen=True)
class InboxRow:
    c: Conversation
    sla: str  # ok | due_soon | breached
    due: datetime | None
    awaiting: bool  # the customer wrote last: someone owes them an answer


def inbox_rows(conversations: Iterable[Conversation]) -> list[InboxRow]:
    """The inbox's rows: each conversation with its SLA clock and whether the customer wrote
    last (one query for the page)."""
    conversations = list(conversations)
    last: dict[tuple[int, str], int] = {
        (row["conversation_id"], row["direction"]): row["last"]
        for row in Message.objects.filter(conversation__in=conversations)
        .exclude(direction=Direction.NOTE)
        .values("conversation_id", "direction")
        .annotate(last=Max("id"))
    }
    return [
        InboxRow(
            c=c,
            sla=sla_state(c),
            due=sla_due(c),
            awaiting=last.get((c.pk, Direction.IN), 0) > last.get((c.pk, Direction.OUT), 0),
        )
        for c in conversations
    ]


def conversation_language(conversation: Conversation) -> str:
    """The language to write to the shopper in: Korean if they wrote Korean lately, else their
    profile's language, else the store's."""
    said = Message.objects.filter(conversation=conversation, direction=Direction.IN).order_by("-id")
    if any(_HANGUL.search(text) for text in said.values_list("text", flat=True)[:5]):
        return "ko"
    for code in (conversation.customer.locale, conversation.store.default_locale):
        if code and code[:2] in {c for c, _name in settings.LANGUAGES}:
            return code[:2]
    return "en"


_HANGUL = re.compile(r"[\uac00-\ud7a3]")


OPEN_STATUSES = (Status.OPEN, Status.PENDING, Status.SNOOZED)


def customers_with_open(*, customer_ids: Iterable[int], tag: str) -> set[int]:
    """Which of these customers have an unresolved conversation tagged ``tag`` (e.g.
    "complaint": no marketing while an agent handles it)."""
    found: set[int] = set()
    for ids in batched(customer_ids, 900):
        rows = Conversation.objects.filter(
            customer_id__in=ids, status__in=OPEN_STATUSES, merged_into__isnull=True
        ).values_list("customer_id", "tags")
        found.update(customer_id for customer_id, tags in rows if tag in (tags or []))
    return found


def customers_written_since(*, customer_ids: Iterable[int], channel: str, since: datetime) -> set[int]:
    """Which of these customers wrote on ``channel`` since ``since`` (WhatsApp's 24-hour window)."""
    found: set[int] = set()
    for ids in batched(customer_ids, 900):
        found.update(
            Conversation.objects.filter(customer_id__in=ids, channel=channel, last_inbound_at__gte=since).values_list(
                "customer_id", flat=True
            )
        )
    return found
