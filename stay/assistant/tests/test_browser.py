"""As a person would: a shopper asks the chat widget where their order is, proves it is theirs,
gets the tracking link, asks for a person; the agent opens the conversation and reads the
assistant's summary note."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.assistant.models import AssistantSettings
from stay.console.tests.test_browser import log_in
from stay.conversations.models import Direction, Message
from stay.demo.articles import help_centre_create

from .conftest import TRACKING

pytestmark = pytest.mark.usefixtures("browser_ready")


def test_shopper_verifies_gets_tracking_then_a_person_with_the_summary(
    page: Page, browser, asgi_server, chat_widget, agent_user, shop
):
    from django.utils import timezone

    from stay.orders.models import Fulfilment

    help_centre_create(shop.store)
    AssistantSettings.objects.create(store=shop.store, enabled=True, channels=["webchat"])
    order = shop.order((shop.jacket_m, 1), placed=timezone.now(), email="mina@example.com")
    Fulfilment.objects.filter(order=order).update(carrier="CJ Logistics", tracking_url=TRACKING, delivered_at=None)

    page.goto(f"{asgi_server.url}/channels/webchat/storefront")
    page.get_by_role("button", name="Chat with us").click()
    box = page.get_by_placeholder("Write a message…")
    chat = page.locator("#stay-chat")

    box.fill("Where is my order?")
    box.press("Enter")
    expect(chat).to_contain_text("send me its number and the email", timeout=30_000)
    expect(chat).to_contain_text("Assistant · automatic reply")  # the shopper knows it is not a person
    expect(chat.locator(".typing")).to_have_count(0)  # the "typing" dots went with the answer
    expect(chat).not_to_contain_text("No one is online")  # the assistant is there: no email form

    box.fill(f"{order.name} mina@example.com")
    box.press("Enter")
    expect(chat.locator(f'a[href="{TRACKING}"]')).to_be_visible(timeout=15_000)  # a link, not text to copy
    expect(chat).to_contain_text("CJ Logistics")

    box.fill("Thanks, but I'd like to talk to a person please")
    box.press("Enter")
    expect(chat).to_contain_text(re.compile("passing you to a person|away right now"), timeout=15_000)

    note = Message.objects.get(direction=Direction.NOTE)
    agent = browser.new_context().new_page()
    log_in(agent, asgi_server, "alex", "agent-pass")
    agent.goto(f"{asgi_server.url}/console/c/{note.conversation_id}")
    timeline = agent.locator("#timeline")
    expect(timeline).to_contain_text("Handed over by the assistant")
    expect(timeline).to_contain_text("the shopper asked for a person")
    expect(timeline).to_contain_text(f"Order: {order.name} (verified)")
    expect(timeline).to_contain_text(TRACKING)  # the assistant's answer is in the timeline too
    agent.context.close()
