"""As a person would: an agent in Chromium logs in, finds a customer's conversation, sees the
orders panel and replies, and the shopper gets the mail; a shopper chats from a storefront
page with the widget and sees the agent's answer appear live."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload
from stay.conversations.models import Message

pytestmark = pytest.mark.usefixtures("browser_ready")


def log_in(page: Page, server, username: str, password: str) -> None:
    page.goto(f"{server.url}/console/")
    expect(page).to_have_url(re.compile("/console/login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Conversations")).to_be_visible()


def test_agent_finds_the_conversation_sees_orders_and_replies(
    page: Page, asgi_server, post_webhook, mailbox, outbox, agent_user
):
    post_webhook("orders/create", payload("orders_create"))
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    conversation = email_receive(raw=raw).message.conversation
    name = conversation.customer.name

    log_in(page, asgi_server, "alex", "agent-pass")
    page.get_by_role("searchbox").fill("jon@example.com")
    page.keyboard.press("Enter")
    page.get_by_role("link", name=name).click()

    expect(page.get_by_role("heading", name=re.compile("Where is my order"))).to_be_visible()
    panel = page.locator("#panel")
    expect(panel).to_contain_text("#1001")
    expect(panel).to_contain_text("Ridgeline 2P Tent")
    expect(panel.get_by_role("button", name="Cancel order")).to_be_visible()

    page.get_by_label("Message").fill("Hi Jon, your tent ships today.")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#timeline")).to_contain_text("Hi Jon, your tent ships today.")
    reply = page.locator("#timeline .msg.out", has_text="your tent ships today")
    expect(reply).to_contain_text("Sent", timeout=10_000)

    # (The gift card bought in the fixture order went out too, as an automatic notice.)
    [received] = [m for m in outbox.unique() if m["Auto-Submitted"] is None]
    assert received["To"] == "jon@example.com"
    assert "your tent ships today" in received.get_content()
    assert reply.count() == 1  # the live poll did not add a copy


def test_shopper_chats_with_the_widget_and_sees_the_answer_live(
    page: Page, browser, asgi_server, chat_widget, agent_user
):
    page.goto(f"{asgi_server.url}/channels/webchat/storefront")
    page.get_by_role("button", name="Chat with us").click()
    page.get_by_placeholder("Write a message…").fill("Is the Ridgeline tent waterproof?")
    page.get_by_placeholder("Write a message…").press("Enter")

    expect(page.locator("#stay-chat")).to_contain_text("Is the Ridgeline tent waterproof?")
    for _ in range(50):  # the widget shows the text at once; the server files it a moment later
        if Message.objects.filter(text="Is the Ridgeline tent waterproof?").exists():
            break
        page.wait_for_timeout(100)
    conversation = Message.objects.get(text="Is the Ridgeline tent waterproof?").conversation

    agent = browser.new_context().new_page()
    log_in(agent, asgi_server, "alex", "agent-pass")
    agent.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    agent.get_by_label("Message").fill("Yes: 3,000 mm of waterproofing.")
    agent.get_by_role("button", name="Send", exact=True).click()

    expect(page.locator("#stay-chat")).to_contain_text("Yes: 3,000 mm of waterproofing.", timeout=10_000)
    agent.context.close()


def test_an_agent_switches_on_notifications_for_conversations_assigned_to_them(
    page: Page, asgi_server, store, agent_user
):
    """Issue 25: with "Notify me" on, a message in a conversation assigned to me shows a
    desktop notification (the browser's own; recorded here as the page makes it)."""
    from stay.conversations.inputs import InboundMessage
    from stay.conversations.services import conversation_assign, message_receive

    def text_in(words: str):
        data = InboundMessage(channel="sms", sender_kind="phone", sender="+14155550123", sender_name="Dana", text=words)
        return message_receive(store=store, data=data)[0].conversation

    conversation = text_in("hi, my order?")
    conversation_assign(conversation=conversation, assignee=agent_user, actor=agent_user)
    page.add_init_script(
        "window.shown = [];"
        "window.Notification = function (title, options) { window.shown.push([title, options.body]); return {}; };"
        "window.Notification.permission = 'granted';"
        "window.Notification.requestPermission = () => Promise.resolve('granted');"
    )
    page.clock.install()
    log_in(page, asgi_server, "alex", "agent-pass")
    page.get_by_role("button", name="Notify me").click()
    expect(page.get_by_role("button", name="Notifying")).to_have_attribute("aria-pressed", "true")
    page.wait_for_timeout(500)  # the first poll marks where "new" starts
    assert text_in("are you there? it's the blue tent").pk == conversation.pk
    for _ in range(20):
        page.clock.run_for(16_000)
        page.wait_for_timeout(100)
        if page.evaluate("window.shown.length"):
            break
    assert page.evaluate("window.shown") == [[conversation.customer.name, "are you there? it's the blue tent"]]


def test_two_agents_on_one_conversation_see_each_other_and_who_is_typing(
    page: Page, browser, asgi_server, mailbox, agent_user, lead_user
):
    from django.core.cache import caches

    caches["presence"].clear()
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    log_in(page, asgi_server, "alex", "agent-pass")
    page.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    other = browser.new_context().new_page()
    log_in(other, asgi_server, "lee", "lead-pass")
    other.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    expect(other.locator("#presence")).to_contain_text("Alex is viewing", timeout=10_000)
    other.get_by_label("Message").fill("Checking with the warehouse")
    expect(page.locator("#presence")).to_contain_text("Lee is typing a reply", timeout=10_000)


def test_on_a_wide_screen_a_conversation_opens_beside_the_list(page: Page, asgi_server, mailbox, agent_user):
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    page.set_viewport_size({"width": 1600, "height": 900})
    log_in(page, asgi_server, "alex", "agent-pass")
    expect(page.locator("#pane")).to_contain_text("Choose a conversation")
    page.locator(f"#row-{conversation.pk} td.who a").click()
    expect(page.locator("#pane h1")).to_contain_text("Where is my order")
    expect(page).to_have_url(re.compile(f"/console/c/{conversation.pk}$"))
    expect(page.locator(f"#row-{conversation.pk}")).to_be_visible()  # the list stays beside it
    page.locator("#pane textarea[name=text]").fill("On its way today.")
    page.locator("#pane").get_by_role("button", name="Send", exact=True).click()
    expect(page.locator("#pane #timeline")).to_contain_text("On its way today.")
