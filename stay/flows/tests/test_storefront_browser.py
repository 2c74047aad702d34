"""Sign-up and back-in-stock on a storefront page in Chromium (issue 20): the chat widget's one
tag brings the form, the shopper signs up, the confirmation link's page confirms only with its
button, and a sold-out variant's button asks to be told when it is back."""

import re

import pytest
from playwright.sync_api import Page, expect

from stay.catalog.models import Product, Variant
from stay.customers.models import ConsentState, Customer
from stay.customers.selectors import consent_current
from stay.flows.models import RestockRequest

pytestmark = pytest.mark.usefixtures("browser_ready")


def test_sign_up_on_the_storefront_and_confirm_in_the_browser(
    page: Page, asgi_server, chat_widget, mailbox, outbox, settings
):
    settings.PUBLIC_URL = asgi_server.url
    store = chat_widget.store
    product = Product.objects.create(store=store, platform_id="p1", title="Down Vest")
    Variant.objects.create(store=store, product=product, platform_id="v-sold-out", title="M", price=90)

    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang=en")
    signup = page.locator("[data-stay-signup]")
    expect(signup).to_contain_text("Yes, send me news and offers from Summit Outdoor by e-mail")
    signup.locator("input[type=email]").fill("mina@example.com")
    signup.locator("button").click()
    expect(signup.locator("[role=status]")).to_contain_text("Almost done")
    customer = Customer.objects.get(identities__value="mina@example.com")
    pending = consent_current(customer)["email"]
    assert pending.state == ConsentState.PENDING and pending.source == "storefront" and pending.evidence["ip"]

    for _ in range(50):
        mails = [m for m in outbox.unique() if "Confirm your subscription" in m["Subject"]]
        if mails:
            break
        page.wait_for_timeout(100)
    link = re.search(r"(http://127\.0\.0\.1:\d+/subscribe/confirm/\S+)", mails[0].get_content()).group(1)
    page.goto(link)
    assert consent_current(customer)["email"].state == ConsentState.PENDING  # opening it confirms nothing
    page.get_by_role("button", name=re.compile("subscribe", re.IGNORECASE)).click()
    expect(page.locator("body")).to_contain_text("Thank you")
    assert consent_current(customer)["email"].state == ConsentState.SUBSCRIBED

    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang=en")
    page.get_by_role("button", name="Tell me when it is back").click()
    restock = page.locator("form.stay-form").last
    restock.locator("input[type=email]").fill("jun@example.com")
    restock.locator("button").click()
    expect(restock.locator("[role=status]")).to_contain_text("as soon as it is back")
    assert RestockRequest.objects.get().variant.platform_id == "v-sold-out"
