"""The customer's page (issue 25): who they are (identities, consent, the store's note), the
team's internal notes from every conversation, and everything that happened with them (every
conversation and order) in one timeline. Read only: notes are written in a conversation, and
``Customer.note`` is the store platform's, kept in step by its webhooks."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from stay.conversations.models import Conversation, Direction, Message
from stay.conversations.services import actor_of
from stay.core.errors import NotFound
from stay.core.privacy import audit
from stay.customers.models import Customer, Identity
from stay.customers.selectors import customer_get
from stay.orders.selectors import orders_of_customer

from .views import _consent_context, agent_required, current_store

TIMELINE_MOST = 100
NOTES_MOST = 20


@dataclass(frozen=True)
class Happening:
    at: datetime
    kind: str  # conversation | order
    item: Any


def _customer(request: HttpRequest, pk: int) -> Customer:
    try:
        return customer_get(store=current_store(request), customer_id=pk)
    except NotFound:
        raise Http404(_("No such customer.")) from None


def timeline(customer: Customer) -> list[Happening]:
    """The customer's conversations and orders, newest first."""
    conversations = Conversation.objects.filter(customer=customer, merged_into__isnull=True).order_by(
        "-last_message_at"
    )[:TIMELINE_MOST]
    orders = orders_of_customer(customer=customer, limit=TIMELINE_MOST)
    found = [Happening(c.last_message_at, "conversation", c) for c in conversations]
    found += [Happening(o.placed_at, "order", o) for o in orders]
    return sorted(found, key=lambda h: h.at, reverse=True)[:TIMELINE_MOST]


@agent_required
@require_GET
def page(request: HttpRequest, pk: int) -> HttpResponse:
    customer = _customer(request, pk)
    audit(store=customer.store_id, actor=actor_of(request.user), action="read", customer_id=customer.pk, via="console")  # type: ignore[arg-type]
    return render(
        request,
        "console/customer.html",
        {
            "customer": customer,
            "identities": Identity.objects.filter(customer=customer).order_by("kind", "id"),
            "timeline": timeline(customer),
            "notes": Message.objects.filter(conversation__customer=customer, direction=Direction.NOTE)
            .select_related("author")
            .order_by("-created_at")[:NOTES_MOST],
            **_consent_context(customer),
        },
    )
