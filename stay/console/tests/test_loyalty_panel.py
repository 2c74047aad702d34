"""Loyalty beside the conversation (issue 21): the customer's tier, points and recent activity
in the side panel; an agent changes points within their role's limit, once per click, recorded
in the conversation; a tier with priority support makes the customer's new conversations high
priority with that priority's tighter SLA."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from stay.channels.email.services import email_receive
from stay.conftest import mail
from stay.conversations.models import ConversationEvent, Priority, SlaPolicy
from stay.loyalty.models import Member, Tier
from stay.loyalty.services import points_bonus, settings_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme(store):
    settings = settings_for(store)
    settings.enabled, settings.agent_points_limit = True, 100
    settings.save()
    return settings


def test_the_panel_shows_points_and_an_agent_changes_them_within_the_limit(agent, lead, conversation, programme):
    page = reverse("console:conversation", args=[conversation.pk])
    url = reverse("console:points", args=[conversation.pk])
    shown = agent.get(page).content.decode()
    assert "Loyalty" in shown and "No points yet." in shown and "your limit: 100" in shown
    over = agent.post(url, {"points": "150", "reason": "late parcel", "key": "k1"})
    assert over.status_code == 409 and "ask a lead" in over.content.decode()
    assert agent.post(url, {"points": "ten", "reason": "late", "key": "k2"}).status_code == 400
    assert agent.post(url, {"points": "10", "reason": "", "key": "k3"}).status_code == 400
    for _ in range(2):  # a double click changes them once
        done = agent.post(url, {"points": "80", "reason": "late parcel", "key": "k4"})
        assert done.status_code == 200 and "now has 80 points" in done.content.decode()
    assert lead.post(url, {"points": "-30", "reason": "mistake", "key": "k5"}).status_code == 200
    shown = agent.get(page).content.decode()
    assert "50 points" in shown and "Customer service (late parcel): +80" in shown
    assert ConversationEvent.objects.filter(conversation=conversation, kind="points").count() == 2


def test_the_panel_says_nothing_of_loyalty_when_the_store_has_no_programme(agent, conversation):
    shown = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    assert "Change points" not in shown


def test_a_tier_with_priority_support_raises_new_conversations_and_tightens_the_sla(programme, store, mailbox, order):
    SlaPolicy.objects.create(store=store, priority=Priority.NORMAL, first_response_minutes=480, resolution_minutes=2880)
    SlaPolicy.objects.create(store=store, priority=Priority.HIGH, first_response_minutes=60, resolution_minutes=480)
    gold = Tier.objects.create(store=store, name="Gold", threshold=Decimal("100"), priority_support=True)
    points_bonus(customer=order.customer, rule="review", key="r", actor="t", points=500)
    assert Member.objects.get(customer=order.customer).tier == gold
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    before = timezone.now()
    conversation = email_receive(raw=raw).message.conversation
    assert conversation.customer == order.customer and conversation.priority == Priority.HIGH
    assert conversation.first_response_due_at <= before + timedelta(minutes=61)
