"""Full-text search over what customers and agents wrote, through the database's own index
(PostgreSQL full-text, SQLite FTS5; migration 0002).

Korean attaches particles to words (배송 → 배송이, 배송은), so a search word matches the start
of a word on PostgreSQL (a prefix query) and any part of a word on SQLite (trigram tokens)."""

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import Q, QuerySet

from stay.core.models import Store
from stay.customers.models import Customer
from stay.customers.selectors import customer_match

from .models import Conversation, Message

MAX_MATCHES = 2000
_WORD = re.compile(r"\w+")


def _conversations_saying(q: str) -> Iterable[int]:
    words = _WORD.findall(q)
    if not words:
        return []
    if connection.vendor == "postgresql":
        query = SearchQuery(" & ".join(f"{w}:*" for w in words), config="simple", search_type="raw")
        return (
            Message.objects.annotate(doc=SearchVector("text", config="simple"))
            .filter(doc=query)
            .order_by()
            .values_list("conversation_id", flat=True)[:MAX_MATCHES]
        )
    long_words = [w for w in words if len(w) >= 3]
    short_words = [w for w in words if len(w) < 3]  # below a trigram: the index cannot help
    if not long_words:
        qs = Message.objects.order_by()
        for word in short_words:
            qs = qs.filter(text__contains=word)
        return qs.values_list("conversation_id", flat=True)[:MAX_MATCHES]
    match = " AND ".join(f'"{w}"' for w in long_words)
    sql = (
        "SELECT m.conversation_id FROM conversations_message_fts f "
        "JOIN conversations_message m ON m.id = f.rowid WHERE conversations_message_fts MATCH %s"
    )
    params: list[Any] = [match]
    for word in short_words:
        sql += " AND m.text LIKE %s"
        params.append(f"%{word}%")
    with connection.cursor() as cursor:
        cursor.execute(sql + " LIMIT %s", [*params, MAX_MATCHES])
        return [row[0] for row in cursor.fetchall()]


def conversation_search(*, store: Store, q: str, base: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Narrow ``base`` to conversations whose messages say ``q``, or whose customer is called
    or reached by it (name, email, phone)."""
    q = q.strip()
    if not q:
        return base
    customers = Customer.objects.filter(customer_match(store=store, q=q), store=store).values("pk")
    return base.filter(Q(pk__in=list(_conversations_saying(q))) | Q(customer__in=customers))
