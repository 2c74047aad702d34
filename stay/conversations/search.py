"""Full-text search over what customers and agents wrote, through the database's own index
(PostgreSQL full-text, SQLite FTS5; migration 0002).

Korean attaches particles to words (배송 → 배송이, 배송은), so a search word matches the start
of a word on PostgreSQL (a prefix query) and any part of a word on SQLite (trigram tokens).

Results come newest first, like the inbox. The text index finds matching messages in no
useful order, so a search takes one of two shapes, by how many messages match:

- up to ``LISTED`` (most searches: an order number, a name, a rare word), the matching
  conversations are listed exactly and the database sorts that short list;
- beyond it (a word in every other message), the inbox is read newest first and each
  conversation checked for a matching message: with that many matches a page fills after a
  few hundred checks. Listing them all instead costs the database a sort of every match.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.expressions import RawSQL

from stay.core.models import Store
from stay.customers.models import Customer
from stay.customers.selectors import customer_match
from stay.orders.selectors import orders_named

from .models import Conversation, Message

LISTED = 5000
_WORD = re.compile(r"\w+")


def _messages_saying(store: Store, q: str) -> QuerySet[Message]:
    words = _WORD.findall(q)
    messages = Message.objects.filter(store=store).order_by()
    if not words:
        return messages.none()
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{w}:*" for w in words), config="simple", search_type="raw")
        return messages.annotate(doc=SearchVector("text", config="simple")).filter(doc=query)
    long_words = [w for w in words if len(w) >= 3]
    for word in (w for w in words if len(w) < 3):  # below a trigram: the index cannot help
        messages = messages.filter(text__contains=word)
    if long_words:
        match = " AND ".join(f'"{w}"' for w in long_words)
        fts = "SELECT rowid FROM conversations_message_fts WHERE conversations_message_fts MATCH %s"
        messages = messages.filter(pk__in=RawSQL(fts, (match,)))  # noqa: S611 (the words are a parameter)
    return messages


def conversation_search(*, store: Store, q: str, base: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Narrow ``base`` to conversations whose messages say ``q``, or whose customer is called
    or reached by it (name, email, phone)."""
    q = q.strip()
    if not q:
        return base
    saying = _messages_saying(store, q)
    customers = Customer.objects.filter(
        customer_match(store=store, q=q) | Q(pk__in=orders_named(store=store, q=q).values("customer_id")),
        store=store,
    ).values_list("pk", flat=True)
    conversation_ids = list(saying.values_list("conversation_id", flat=True)[: LISTED + 1])
    customer_ids = list(customers[: LISTED + 1])
    if len(conversation_ids) <= LISTED and len(customer_ids) <= LISTED:
        return base.filter(Q(pk__in=set(conversation_ids)) | Q(customer__in=customer_ids))
    # One message looked up per conversation (a scalar subquery: an EXISTS beside the OR would
    # let PostgreSQL hash every match first, which is the sort this shape avoids).
    first_said = saying.filter(conversation=OuterRef("pk")).values("pk")[:1]
    return base.alias(said=Subquery(first_said)).filter(Q(said__isnull=False) | Q(customer__in=customers))
