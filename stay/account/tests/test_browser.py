"""The account page in Chromium on a phone-sized screen (issue 21): sign in by the e-mailed
link, see the points, spend them on a reward."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.giftcards.models import GiftCard, Kind

from .conftest import HOME, sent_to

pytestmark = pytest.mark.usefixtures("browser_ready")


def test_sign_in_and_redeem_on_a_phone(page: Page, asgi_server, jon, settings):
    settings.PUBLIC_URL = asgi_server.url
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{asgi_server.url}{HOME}?lang=en")
    page.get_by_label("E-mail or phone").fill("jon@example.com")
    page.get_by_role("button", name="Send me a way in").click()
    expect(page.locator("h1")).to_have_text("Check your messages")
    link = re.search(r"(http://127\.0\.0\.1:\d+/account/summit/in/\S+)", sent_to(jon)).group(1)
    page.goto(link)
    page.get_by_role("button", name="Sign in to Summit Outdoor").click()
    expect(page.locator("h1")).to_contain_text("Hello, Jon")
    expect(page.locator("#points")).to_contain_text("120 points")
    page.locator("#rewards").get_by_role("button", name="Use my points").click()
    expect(page.locator("[role=status]")).to_contain_text("Done: $5 store credit for 100 points")
    expect(page.locator("#points")).to_contain_text("20 points")
    expect(page.locator("#cards")).to_contain_text("Store credit: 5.00 USD")
    assert GiftCard.objects.get(customer=jon, kind=Kind.STORE_CREDIT).balance == 5
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing off the screen
