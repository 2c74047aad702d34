"""What the console says is what happened (issue 19), as an agent in Chromium sees it."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.customers.models import Identity, IdentityKind

from .test_browser import log_in

pytestmark = pytest.mark.usefixtures("browser_ready")


def open_conversation(page: Page, server, conversation) -> None:
    log_in(page, server, "alex", "agent-pass")
    page.goto(f"{server.url}/console/c/{conversation.pk}")
    page.on("dialog", lambda dialog: dialog.accept())


def test_a_refused_reply_says_why_beside_the_box_and_keeps_the_text(page: Page, asgi_server, conversation, agent_user):
    Identity.objects.create(
        store=conversation.store, customer=conversation.customer, kind=IdentityKind.WHATSAPP, value="+15550101234"
    )
    open_conversation(page, asgi_server, conversation)

    reply = page.locator("#reply")
    reply.get_by_label("Channel").select_option("whatsapp")
    reply.get_by_label("Message").fill("Your parcel left today.")
    reply.get_by_role("button", name="Send", exact=True).click()

    expect(reply.get_by_role("alert")).to_have_text("No WhatsApp number is connected to this store.")
    expect(reply.get_by_label("Message")).to_have_value("Your parcel left today.")
    expect(page.locator("#timeline")).not_to_contain_text("Your parcel left today.")


def test_a_refund_over_what_is_left_says_how_much_can_be(page: Page, asgi_server, conversation, order, agent_user):
    open_conversation(page, asgi_server, conversation)
    refund = page.locator(f"#order-{order.pk} form.refund")
    refund.get_by_label("or an amount").fill("99999")
    refund.get_by_role("button", name="Refund").click()

    expect(refund.get_by_role("alert")).to_contain_text(
        re.compile(rf"At most {order.total} {order.currency} can be refunded")
    )
    expect(refund.get_by_label("or an amount")).to_have_value("99999")


def test_the_inbox_shows_a_new_conversation_without_a_reload(page: Page, asgi_server, mailbox, agent_user):
    from stay.channels.email.services import email_receive
    from stay.conftest import mail

    log_in(page, asgi_server, "alex", "agent-pass")
    expect(page.locator("tr.row")).to_have_count(0)
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    row = page.locator(f"#row-{conversation.pk}")
    expect(row).to_be_visible(timeout=12_000)
    expect(page.locator(".list .empty")).to_have_count(0)
    page.wait_for_timeout(6_000)  # the next polls bring nothing new: still one row
    expect(page.locator("tr.row")).to_have_count(1)
