"""As people would, in Chromium: a gift's recipient swaps a jacket for a larger size with the
gift receipt in a few clicks, never seeing a price; the agent finds it in the inbox with the
exchange in the order panel."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.catalog.models import Variant
from stay.console.tests.test_browser import log_in
from stay.returns.models import Return
from stay.returns.receipts import receipt_code

pytestmark = pytest.mark.usefixtures("browser_ready")


def test_gift_recipient_exchanges_a_size_and_the_agent_sees_it(page: Page, browser, asgi_server, shop, agent_user):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    url = asgi_server.url

    page.goto(f"{url}/returns/")
    page.get_by_label("Gift receipt code").fill(receipt_code(order))
    page.get_by_role("button", name="Find my gift").click()
    expect(page.get_by_role("heading", name="Your gift")).to_be_visible()
    page.get_by_label("How many").select_option("1")
    page.get_by_label("Why").select_option("too_small")
    page.get_by_role("button", name="Show my options").click()

    page.get_by_role("radio", name=re.compile("Exchange for another size")).check()
    page.get_by_label("New size or colour").select_option(label="L")
    page.get_by_role("textbox", name="Your name").fill("Jun Lee")
    page.get_by_role("textbox", name="Your email").fill("jun@example.com")
    expect(page.locator("main")).not_to_contain_text("120")  # a gift shows no price
    page.get_by_role("button", name="Confirm my return").click()

    ret = Return.objects.get()
    expect(page.get_by_role("heading", name=f"Return {ret.number}")).to_be_visible()
    expect(page.locator("#status")).to_have_text("Label issued")
    expect(page.get_by_role("link", name="Print label and packing slip")).to_be_visible()
    assert Variant.objects.get(pk=shop.jacket_l.pk).inventory_quantity == 0  # reserved at once

    agent = browser.new_context().new_page()
    log_in(agent, asgi_server, "alex", "agent-pass")
    agent.goto(f"{url}/console/?status=all")
    agent.get_by_role("link", name=re.compile("Jun Lee")).first.click()
    panel = agent.locator("#panel")
    expect(panel).to_contain_text(ret.number)
    expect(panel).to_contain_text("Exchange for another size or colour L")
    expect(agent.locator("#timeline")).to_contain_text("Print your label")
    agent.context.close()
