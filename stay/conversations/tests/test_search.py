"""Search over the inbox: newest first, this store only, the same answer whichever shape the
query takes (a short exact list, or the inbox read newest first)."""

import pytest

from stay.conversations import search
from stay.conversations.selectors import InboxFilter, inbox, page
from stay.conversations.tests.test_conversations import email_in
from stay.core.services import store_create
from stay.customers.models import Customer


def found(store, q):
    everything = inbox(store=store, user=None, f=InboxFilter(status="all"))
    rows, _ = page(search.conversation_search(store=store, q=q, base=everything))
    return [c.subject for c in rows]


def walks(store, q):
    """Whether the search reads the inbox checking messages (the listed shape names ids only)."""
    everything = inbox(store=store, user=None, f=InboxFilter(status="all"))
    return "conversations_message" in str(search.conversation_search(store=store, q=q, base=everything).query)


@pytest.fixture
def inbox_of_six(store):
    texts = ["My tent leaks", "Size XL please", "Tent pole broke", "Refund?", "Another tent question", "XL tent"]
    for n, text in enumerate(texts):
        message = email_in(store, text, sender=f"s{n}@example.com", subject=f"Question {n}")
        if n == 1:  # found by the customer's name, not by what they wrote
            Customer.objects.filter(pk=message.conversation.customer_id).update(name="Tent Fan")
    other = store_create(name="Other", webhook_secret="x" * 32, slug="other", currency="USD", country="US")
    email_in(other, "tent tent tent", sender="s9@example.com", subject="Other store")
    return store


@pytest.mark.parametrize("listed", [search.LISTED, 1], ids=["listed", "newest-first walk"])
def test_matches_come_newest_first_from_this_store_only(inbox_of_six, monkeypatch, listed):
    monkeypatch.setattr(search, "LISTED", listed)
    assert walks(inbox_of_six, "tent") == (listed == 1)  # three matching messages
    assert found(inbox_of_six, "tent") == ["Question 5", "Question 4", "Question 2", "Question 1", "Question 0"]
    assert found(inbox_of_six, "tent XL") == ["Question 5"]  # every word, one shorter than the index's grams
    assert found(inbox_of_six, "XL") == ["Question 5", "Question 1"]
    assert found(inbox_of_six, "s3@example.com") == ["Question 3"]  # the customer, by email
    assert found(inbox_of_six, "kayak") == []
    assert found(inbox_of_six, "  ") == [f"Question {n}" for n in range(5, -1, -1)]  # no words: everything
