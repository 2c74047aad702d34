"""Issue 25: axe-core (the engine browsers' accessibility audits use, shipped inside the
axe-playwright-python wheel, so nothing is fetched) finds no serious or critical violation on
the console's inbox and conversation, or on the shopper's storefront with the chat open, in
English and in Korean (the console light and dark)."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload

from .test_browser import log_in

pytestmark = pytest.mark.usefixtures("browser_ready")
SERIOUS = {"serious", "critical"}


def serious(page: Page) -> list[str]:
    found = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_console_has_no_serious_accessibility_violation(
    page: Page, asgi_server, post_webhook, mailbox, agent_user, lang
):
    post_webhook("orders/create", payload("orders_create"))
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    conversation = email_receive(raw=raw).message.conversation
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": asgi_server.url}])
    log_in(page, asgi_server, "alex", "agent-pass") if lang == "en" else log_in_ko(page, asgi_server)
    assert serious(page) == []
    page.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    expect(page.locator("#panel")).to_contain_text("#1001")
    assert serious(page) == []
    page.goto(f"{asgi_server.url}/console/customers/{conversation.customer_id}")
    assert serious(page) == []
    page.emulate_media(color_scheme="dark")  # the same pages, dark: contrast holds there too
    assert serious(page) == []
    page.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    assert serious(page) == []
    page.goto(f"{asgi_server.url}/console/")
    assert serious(page) == []


def log_in_ko(page: Page, server) -> None:
    page.goto(f"{server.url}/console/")
    page.locator("input[name=username]").fill("alex")
    page.locator("input[name=password]").fill("agent-pass")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#rows")).to_be_attached()


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_storefront_and_the_chat_have_no_serious_accessibility_violation(
    page: Page, asgi_server, chat_widget, lang
):
    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang={lang}")
    expect(page.locator("#stay-chat .open")).to_be_visible()
    assert serious(page) == []
    page.locator("#stay-chat .open").click()
    expect(page.locator("#stay-chat input[name=text]")).to_be_visible()
    assert serious(page) == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_shoppers_pages_have_no_serious_accessibility_violation(page: Page, asgi_server, store, lang):
    from stay.demo.articles import help_centre_create

    help_centre_create(store)
    page.context.add_cookies([{"name": "django_language", "value": lang, "url": asgi_server.url}])
    found = {}
    for path in (f"/help/{store.slug}/", f"/returns/{store.slug}/", f"/stores/{store.slug}/gift-card-balance"):
        response = page.goto(f"{asgi_server.url}{path}")
        assert response is not None and response.status == 200, path
        found[path] = serious(page)
    assert found == {path: [] for path in found}
