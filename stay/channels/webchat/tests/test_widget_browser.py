"""The chat widget in Chromium (issue 19): it speaks the page's language and the conversation's,
shows links as links with short words, and offers e-mail when the assistant says a person has it."""

import pytest
from playwright.sync_api import Page, expect

from stay.conversations.models import AuthorKind, Message
from stay.conversations.services import message_send

pytestmark = pytest.mark.usefixtures("browser_ready")
PORTAL = "http://127.0.0.1:8000/returns/summit/?t=eyJvIjoxMDAxfQ:1tZ8xY:aVeryLongSignedTokenThatNobodyWantsToCopyByHand"


def open_chat(page: Page, server, lang: str = "en") -> None:
    page.goto(f"{server.url}/channels/webchat/storefront?lang={lang}")
    page.locator("#stay-chat .open").click()


def first_message(page: Page, text: str):
    page.locator("#stay-chat input[name=text]").fill(text)
    page.locator("#stay-chat input[name=text]").press("Enter")
    for _ in range(50):
        found = Message.objects.filter(text=text).first()
        if found is not None:
            return found.conversation
        page.wait_for_timeout(100)
    raise AssertionError("the message was not filed")


def test_a_korean_page_gets_a_korean_widget(page: Page, asgi_server, chat_widget):
    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang=ko")
    expect(page.locator("#stay-chat .open")).to_have_text("채팅 상담")
    page.locator("#stay-chat .open").click()
    expect(page.locator("#stay-chat input[name=text]")).to_have_attribute("placeholder", "메시지를 입력하세요…")


def test_links_are_links_with_short_words_and_the_widget_follows_korean(
    page: Page, asgi_server, chat_widget, agent_user
):
    open_chat(page, asgi_server)
    expect(page.locator("#stay-chat .open")).to_be_hidden()
    conversation = first_message(page, "교환하고 싶어요")
    expect(page.locator("#stay-chat .send button")).to_have_text("보내기")  # the shopper wrote Korean
    message_send(
        conversation=conversation,
        text=f"사이즈 교환은 여기서 할 수 있어요: {PORTAL}",
        author=None,
        author_kind=AuthorKind.BOT,
        meta={"links": [{"url": PORTAL, "label": "교환 시작하기"}]},
    )
    link = page.locator("#stay-chat a", has_text="교환 시작하기")
    expect(link).to_have_attribute("href", PORTAL, timeout=10_000)
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("#stay-chat .log")).not_to_contain_text("aVeryLongSignedToken")

    message_send(
        conversation=conversation, text="javascript:alert(1) and https://summit.example/help/sizes", author=agent_user
    )
    plain = page.locator("#stay-chat a", has_text="summit.example/help/sizes")
    expect(plain).to_have_attribute("href", "https://summit.example/help/sizes", timeout=10_000)
    assert page.locator("#stay-chat a[href^=javascript]").count() == 0


def test_the_acknowledgement_after_a_handoff_offers_email(page: Page, asgi_server, chat_widget, agent_user):
    from django.utils import timezone

    from stay.conversations.models import Agent

    Agent.objects.filter(user=agent_user).update(seen_at=timezone.now())  # someone is online: no offer yet
    open_chat(page, asgi_server)
    conversation = first_message(page, "hello")
    assert page.locator("#stay-chat input[type=email]").count() == 0
    message_send(
        conversation=conversation,
        text="Thank you, I have added this to your request.",
        author=None,
        author_kind=AuthorKind.BOT,
        meta={"handoff_ack": True, "offer_email": True},
    )
    expect(page.locator("#stay-chat input[type=email]")).to_be_visible(timeout=10_000)


def test_the_help_centre_button_opens_the_chat_under_its_strict_policy(page: Page, asgi_server, chat_widget):
    from stay.demo.articles import help_centre_create

    help_centre_create(chat_widget.store)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.goto(f"{asgi_server.url}/help/summit/?lang=en")
    page.get_by_role("button", name="Chat with us").first.click()
    box = page.locator("#stay-chat .box")
    expect(box).to_be_visible()
    expect(page.locator("#stay-chat input[name=text]")).to_be_focused()
    # Styled (a fixed panel in the corner), and the websocket opened: nothing was refused.
    assert box.evaluate("e => getComputedStyle(e).position") == "fixed"
    conversation = first_message(page, "hello from the help centre")
    assert conversation is not None and not refused, refused


def test_a_signed_in_shopper_is_offered_their_account_page(page: Page, asgi_server, chat_widget, settings):
    """Issue 21: the widget links a shopper the storefront vouched for to their account page."""
    from stay.customers.models import Customer, Identity, IdentityKind

    settings.DEMO_STOREFRONT = True
    customer = Customer.objects.create(store=chat_widget.store, name="Mina")
    Identity.objects.create(store=chat_widget.store, customer=customer, kind=IdentityKind.PLATFORM, value="7001")
    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang=en&customer=7001")
    page.locator("#stay-chat .open").click()
    link = page.locator("#stay-chat a.account")
    expect(link).to_have_text("Your account: points, orders and returns")
    expect(link).to_have_attribute("href", "http://127.0.0.1:8000/account/summit/?lang=en")

    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang=en")  # signed out: no link
    page.evaluate("localStorage.clear()")
    page.reload()
    page.locator("#stay-chat .open").click()
    expect(page.locator("#stay-chat .log")).to_be_visible()
    page.wait_for_timeout(1000)  # the connection's hello has come by now
    assert page.locator("#stay-chat a.account").count() == 0


def test_the_assistants_two_choices_are_buttons_that_send_their_words(page: Page, asgi_server, chat_widget):
    """Issue 24: when the assistant asks which of two things the shopper means, each is a
    button; pressing one sends its words as the shopper's answer."""
    open_chat(page, asgi_server)
    conversation = first_message(page, "Does this come in navy?")
    message_send(
        conversation=conversation,
        text="Do you mean: 1. Delivery options and costs, or 2. Whether something is in stock? Reply 1 or 2.",
        author=None,
        author_kind=AuthorKind.BOT,
        meta={"choices": ["Delivery options and costs", "Whether something is in stock"]},
    )
    stock = page.locator("#stay-chat button.choice", has_text="Whether something is in stock")
    expect(stock).to_be_visible(timeout=10_000)
    expect(page.locator("#stay-chat button.choice")).to_have_count(2)
    stock.click()
    for _ in range(50):
        if conversation.messages.filter(direction="in", text="Whether something is in stock").exists():
            break
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the button's words were not sent")


def test_on_a_phone_the_launcher_is_on_screen_and_the_chat_takes_the_screen(page: Page, asgi_server, chat_widget):
    """Issue 25: on a 390 by 844 phone the demo storefront pushed the chat button off the screen
    (the page's long script tag widened it). The storefront shows the store's products."""
    from decimal import Decimal

    from stay.catalog.models import Product, Variant

    jacket = Product.objects.create(store=chat_widget.store, platform_id="p1", title="Ridge Shell Jacket")
    Variant.objects.create(
        store=chat_widget.store, product=jacket, platform_id="v1", price=Decimal("189.00"), inventory_quantity=4
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{asgi_server.url}/channels/webchat/storefront")
    expect(page.locator(".grid .card").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    launcher = page.locator("#stay-chat .open")
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390 and box["y"] + box["height"] <= 844
    launcher.click()
    chat = page.locator("#stay-chat .box").bounding_box()
    assert chat is not None and chat["width"] == 390


def test_the_chat_wears_the_stores_colour_offers_quick_replies_and_a_person(page: Page, asgi_server, chat_widget):
    """Issue 25: the store's colour, quick replies for the commonest questions before the
    first message, and "Talk to a person" always in the chat's head."""
    store = chat_widget.store
    store.brand_colour = "#1f3a2d"
    store.save()
    open_chat(page, asgi_server)
    head = page.locator("#stay-chat .head")
    assert head.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(31, 58, 45)"
    quick = page.locator("#stay-chat .quick button")
    expect(quick).to_have_count(3)
    quick.first.click()
    expect(page.locator("#stay-chat .quick")).to_have_count(0)
    for _ in range(50):
        if Message.objects.filter(text="Where is my order?").exists():
            break
        page.wait_for_timeout(100)
    assert Message.objects.filter(text="Where is my order?").exists()
    page.locator("#stay-chat .human").click()
    expect(page.locator("#stay-chat .log")).to_contain_text("I'd like to talk to a person, please.")
