"""``/api/v1/conversations``: the inbox for storefronts and integrations. The token's user
must be an agent (or staff)."""

from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.http import HttpRequest
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError

from stay.core.api import When, request_store
from stay.core.errors import InvalidInput, NotAllowed
from stay.core.privacy import customer_erase, customer_export
from stay.customers.selectors import customer_get
from stay.giftcards.api import CreditIn, CreditOut, IdempotencyKey, caller_of, credit_out
from stay.giftcards.models import Source
from stay.giftcards.services import store_credit_grant
from stay.loyalty.api import BalanceOut, balance_out
from stay.loyalty.services import points_adjust

from . import selectors, services
from .limits import credit_limit, points_limit
from .models import Conversation, Message

router = Router(tags=["conversations"])


def _agent(request: HttpRequest) -> Any:
    user = request.user
    if selectors.agent_of(user) is None:  # type: ignore[arg-type]
        raise HttpError(403, "this token's user is not an agent: add an Agent profile in the admin")
    return user


class AttachmentOut(Schema):
    id: int
    filename: str
    content_type: str
    size: int


class MessageOut(Schema):
    id: int
    conversation_id: int
    channel: str
    direction: str
    author_kind: str
    author: str | None
    text: str
    html: str
    channel_message_id: str
    channel_timestamp: datetime | None
    delivery: str
    last_error: str
    created_at: datetime
    attachments: list[AttachmentOut]

    @staticmethod
    def resolve_author(obj: Message) -> str | None:
        return obj.author.get_username() if obj.author else None

    @staticmethod
    def resolve_attachments(obj: Message) -> list[Any]:
        return list(obj.attachments.all())


class ConversationOut(Schema):
    id: int
    customer_id: int
    customer_name: str
    channel: str
    subject: str
    status: str
    snoozed_until: datetime | None
    priority: str
    assignee: str | None
    tags: list[str]
    preview: str
    first_response_due_at: datetime | None
    resolution_due_at: datetime | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    answered_by_assistant: bool
    csat_score: int | None
    last_message_at: datetime
    created_at: datetime
    sla: str

    @staticmethod
    def resolve_customer_name(obj: Conversation) -> str:
        return obj.customer.name

    @staticmethod
    def resolve_assignee(obj: Conversation) -> str | None:
        return obj.assignee.get_username() if obj.assignee else None

    @staticmethod
    def resolve_sla(obj: Conversation) -> str:
        return selectors.sla_state(obj)


class ConversationDetail(ConversationOut):
    messages: list[MessageOut]

    @staticmethod
    def resolve_messages(obj: Conversation) -> list[Message]:
        return list(selectors.messages_of(obj))


class ConversationPage(Schema):
    items: list[ConversationOut]
    next_cursor: str


class Filters(Schema):
    view: str = "all"  # all | mine | unassigned | answered (resolved by the assistant's answer)
    status: str = ""
    channel: str = ""
    assignee: str = ""
    tag: str = ""
    email: str = ""
    phone: str = ""
    customer_id: int | None = None
    cursor: str = ""
    limit: int = 50
    store: str | None = None


@router.get("", response=ConversationPage, summary="List conversations, newest first (keyset pages)")
def list_conversations(request: HttpRequest, filters: Query[Filters]) -> dict[str, Any]:
    user = _agent(request)
    store = request_store(request, filters.store)
    f = selectors.InboxFilter(
        view=filters.view,
        status=filters.status,
        channel=filters.channel,
        tag=filters.tag,
        customer_id=filters.customer_id,
        email=filters.email,
        phone=filters.phone,
    )
    qs = selectors.inbox(store=store, user=user, f=f)
    if filters.assignee:
        qs = qs.filter(assignee__username=filters.assignee)
    if not 1 <= filters.limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    rows, cursor = selectors.page(qs, cursor=filters.cursor, size=filters.limit)
    return {"items": rows, "next_cursor": cursor}


def conversation_of_request(request: HttpRequest, conversation_id: int, store: str | None) -> Conversation:
    return selectors.conversation_access(
        user=_agent(request), store=request_store(request, store), conversation_id=conversation_id
    )


@router.get("/{conversation_id}", response=ConversationDetail, summary="One conversation with its messages")
def get_conversation(request: HttpRequest, conversation_id: int, store: str | None = None) -> Conversation:
    return conversation_of_request(request, conversation_id, store)


class ReplyIn(Schema):
    text: str
    channel: str = ""


class NoteIn(Schema):
    text: str


class AssignIn(Schema):
    assignee: str | None = None


class StatusIn(Schema):
    status: str
    snoozed_until: When | None = None


class MergeIn(Schema):
    merged_id: int


@router.post("/{conversation_id}/reply", response={201: MessageOut}, summary="Reply to the customer")
def reply(request: HttpRequest, conversation_id: int, body: ReplyIn, store: str | None = None) -> Status:
    conversation = conversation_of_request(request, conversation_id, store)
    message = services.message_send(
        conversation=conversation,
        text=body.text,
        channel=body.channel,
        author=request.user,  # type: ignore[arg-type]
    )
    return Status(201, message)


@router.post("/{conversation_id}/notes", response={201: MessageOut}, summary="Add an internal note")
def note(request: HttpRequest, conversation_id: int, body: NoteIn, store: str | None = None) -> Status:
    conversation = conversation_of_request(request, conversation_id, store)
    message = services.note_add(conversation=conversation, text=body.text, author=request.user)  # type: ignore[arg-type]
    return Status(201, message)


@router.post("/{conversation_id}/assign", response=ConversationOut, summary="Assign to an agent (null: unassign)")
def assign(request: HttpRequest, conversation_id: int, body: AssignIn, store: str | None = None) -> Conversation:
    conversation = conversation_of_request(request, conversation_id, store)
    assignee = None
    if body.assignee:
        assignee = get_user_model().objects.filter(username=body.assignee, is_active=True).first()
        if assignee is None or selectors.agent_of(assignee) is None:
            raise InvalidInput(f"{body.assignee!r} is not an agent")
    return services.conversation_assign(conversation=conversation, assignee=assignee, actor=request.user)  # type: ignore[arg-type]


@router.post("/{conversation_id}/status", response=ConversationOut, summary="Open, pending, snooze or resolve")
def set_status(request: HttpRequest, conversation_id: int, body: StatusIn, store: str | None = None) -> Conversation:
    conversation = conversation_of_request(request, conversation_id, store)
    return services.conversation_set_status(
        conversation=conversation,
        status=body.status,
        snoozed_until=body.snoozed_until,
        actor=request.user,  # type: ignore[arg-type]
    )


@router.post("/{conversation_id}/merge", response=ConversationOut, summary="Merge another conversation into this one")
def merge(request: HttpRequest, conversation_id: int, body: MergeIn, store: str | None = None) -> Conversation:
    survivor = conversation_of_request(request, conversation_id, store)
    merged = conversation_of_request(request, body.merged_id, store)
    return services.conversation_merge(survivor=survivor, merged=merged, actor=request.user)  # type: ignore[arg-type]


# What an agent does for or about a customer, under /api/v1/customers: store credit (within the
# same limits as in the console, conversations.limits) and their personal data (leads).
customer_care_router = Router(tags=["store credit and personal data"])


@customer_care_router.get("/{customer_id}/credit", response=CreditOut, summary="A customer's store credit")
def get_credit(request: HttpRequest, customer_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    """Spend it at checkout with ``POST /giftcards/authorize`` and ``{"customer_id": …}`` as a card."""
    return credit_out(customer_id, request_store(request, store))


@customer_care_router.post("/{customer_id}/credit", response=CreditOut, summary="Give a customer store credit")
def add_credit(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    customer_id: int,
    body: CreditIn,
    idempotency_key: str = IdempotencyKey,
    store: str | None = None,
):
    """Within the token's user's limits: an agent's or a lead's goodwill limit at once and per
    day (admins: the store's largest amount); anyone else is refused (403)."""
    shop = request_store(request, store)
    customer = customer_get(store=shop, customer_id=customer_id)
    if customer.merged_into_id:
        raise InvalidInput(f"customer {customer_id} was merged into {customer.merged_into_id}")
    store_credit_grant(
        customer=customer,
        amount=body.amount,
        reason=body.reason,
        currency=body.currency,
        source=Source(body.source),
        reference=body.reference,
        limit=credit_limit(request.user, shop),  # type: ignore[arg-type]
        caller=caller_of(request),
        idempotency_key=idempotency_key,
    )
    return credit_out(customer_id, shop)


class PointsIn(Schema):
    points: int
    reason: str


@customer_care_router.post("/{customer_id}/points", response=BalanceOut, summary="Add or remove loyalty points")
def add_points(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    customer_id: int,
    body: PointsIn,
    idempotency_key: str = IdempotencyKey,
    store: str | None = None,
):
    """``points`` negative removes them. Within the token's user's role's limit at once (the
    store's loyalty settings; admins: none); anyone who is not an agent is refused (403)."""
    shop = request_store(request, store)
    customer = customer_get(store=shop, customer_id=customer_id)
    points_adjust(
        customer=customer,
        points=body.points,
        reason=body.reason,
        limit=points_limit(request.user, shop),  # type: ignore[arg-type]
        actor=f"api:{request.user.get_username()}",
        key=idempotency_key.strip()[:120],
    )
    return balance_out(customer)


@customer_care_router.get("/{customer_id}/export", summary="Everything Stay holds about a customer (JSON)")
def export_customer(request: HttpRequest, customer_id: int, store: str | None = None) -> dict[str, Any]:
    """Every app's part (core.privacy), for a lead's or an admin's token; audited."""
    shop = request_store(request, store)
    customer = _personal_data_of(request, shop, customer_id)
    return customer_export(store=shop, customer_id=customer.pk, actor=f"api:{request.user.get_username()}", via="api")


@customer_care_router.post("/{customer_id}/erase", summary="Erase a customer's personal data")
def erase_customer(request: HttpRequest, customer_id: int, store: str | None = None) -> dict[str, Any]:
    """Names, addresses, contact details, messages and attachments are removed or anonymised
    in every app; orders' amounts, refunds and the gift-card ledger stay. A lead's or an
    admin's token; audited. Erasing twice changes nothing more."""
    shop = request_store(request, store)
    customer = _personal_data_of(request, shop, customer_id)
    changed = customer_erase(store=shop, customer_id=customer.pk, actor=f"api:{request.user.get_username()}", via="api")
    return {"customer_id": customer.pk, "changed": changed}


def _personal_data_of(request: HttpRequest, shop: Any, customer_id: int) -> Any:
    if not selectors.may_handle_personal_data(request.user):  # type: ignore[arg-type]
        raise NotAllowed(
            "exporting or erasing a customer's data needs a lead's or an admin's token", code="not_allowed"
        )
    return customer_get(store=shop, customer_id=customer_id)
