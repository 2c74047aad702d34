"""Issue 25: each page an agent or a shopper sees, photographed at 1280x800 and 390x844 in
English and Korean and compared with the reference committed beside this file, so a layout
that breaks by accident (a button pushed out of its card, a launcher off the phone's screen)
fails the suite.

The browser is given one font only, Nanum Gothic (it covers Latin and Hangul; it comes in the
koreanize-matplotlib wheel the return labels use), through its own fontconfig: the pictures do
not depend on the fonts a machine happens to have. What changes from run to run (times, ids
that depend on the database's sequences) is written over with fixed text before the picture.

After a change to the look that is meant, take the references again and look at them before
committing: ``STAY_SCREENS=update .venv/bin/pytest stay/console/tests/test_screens.py``.
A mismatch leaves the picture taken and a difference image in ``var/screens-failed/``.
"""

import importlib.util
import os
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from playwright.sync_api import Browser, BrowserContext, Page, expect

from stay.channels.email.services import email_receive
from stay.conftest import mail, payload

pytestmark = pytest.mark.usefixtures("browser_ready")

REFERENCES = Path(__file__).parent / "screens"
FAILED = Path(__file__).resolve().parents[3] / "var" / "screens-failed"
SIZES = {"wide": (1280, 800), "phone": (390, 844)}
# A pixel counts as changed when a colour channel moves by more than this (of 255), and a
# picture fails when more than this share of its pixels changed. Two runs on one machine give
# identical pictures; the margin absorbs anti-aliasing, while a card, button or line of text
# moved covers far more.
CHANNEL_TOLERANCE = 40
SHARE_TOLERANCE = 0.002

# Text that differs between runs of the same page, written over before the picture.
STEADY = """() => {
  document.querySelectorAll("time").forEach((t) => { t.textContent = "12:00"; });
  document.querySelectorAll(".sla").forEach((t) => { t.textContent = "SLA"; });
  document.querySelectorAll("h1 small, h2 small").forEach((t) => { t.textContent = "#1"; });
  document.querySelectorAll(".last4").forEach((t) => { t.textContent = "0000"; });
}"""


@pytest.fixture(scope="module")
def one_font_browser(browser_type, browser_type_launch_args, tmp_path_factory) -> Browser:
    spec = importlib.util.find_spec("koreanize_matplotlib")
    assert spec is not None and spec.origin, "koreanize-matplotlib (the font) is installed by make test"
    fonts = Path(spec.origin).parent / "fonts"
    folder = tmp_path_factory.mktemp("fontconfig")
    config = folder / "fonts.conf"
    config.write_text(
        f'<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n'
        f"<fontconfig><dir>{fonts}</dir><cachedir>{folder / 'cache'}</cachedir></fontconfig>\n"
    )
    browser = browser_type.launch(**browser_type_launch_args, env={**os.environ, "FONTCONFIG_FILE": str(config)})
    yield browser
    browser.close()


def looks_as_before(page: Page, name: str) -> str | None:
    """The page in the viewport, compared with ``screens/<name>.png``: what differs, or None."""
    page.evaluate(STEADY)
    page.wait_for_timeout(100)  # a repaint after the text changed
    taken = page.screenshot(animations="disabled", caret="hide")
    reference = REFERENCES / f"{name}.png"
    if os.environ.get("STAY_SCREENS") == "update":
        REFERENCES.mkdir(exist_ok=True)
        reference.write_bytes(taken)
        return None
    if not reference.exists():
        return f"no reference for {name}: take them with STAY_SCREENS=update, look at them, commit them"
    FAILED.mkdir(parents=True, exist_ok=True)
    (FAILED / f"{name}.png").write_bytes(taken)
    now = Image.open(FAILED / f"{name}.png").convert("RGB")
    before = Image.open(reference).convert("RGB")
    if now.size != before.size:
        return f"{name}: {now.size} now, {before.size} in the reference"
    changed = ImageChops.difference(now, before).convert("L").point(lambda v: 255 if v > CHANNEL_TOLERANCE else 0)
    share = changed.histogram()[255] / (now.width * now.height)
    if share > SHARE_TOLERANCE:
        changed.save(FAILED / f"{name}.diff.png")
        return (
            f"{name} looks different: {share:.2%} of its pixels changed (at most {SHARE_TOLERANCE:.2%}). "
            f"See {FAILED / name}.png and .diff.png; if the change is meant, take the references again."
        )
    for stale in (FAILED / f"{name}.png", FAILED / f"{name}.diff.png"):
        stale.unlink(missing_ok=True)
    return None


def context_for(browser: Browser, server, size: str, lang: str) -> BrowserContext:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height},
        device_scale_factor=1,
        is_mobile=size == "phone",
        has_touch=size == "phone",
        locale="ko-KR" if lang == "ko" else "en-GB",
        timezone_id="Asia/Seoul",
        color_scheme="light",
    )
    context.add_cookies([{"name": "django_language", "value": lang, "url": server.url}])
    return context


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_console_looks_as_it_did(one_font_browser, asgi_server, post_webhook, mailbox, agent_user, size, lang):
    post_webhook("orders/create", payload("orders_create"))
    raw = mail("order_question_qp").replace(b"Jamie.Lee@Example.com", b"jon@example.com")
    conversation = email_receive(raw=raw).message.conversation
    context = context_for(one_font_browser, asgi_server, size, lang)
    page = context.new_page()
    page.goto(f"{asgi_server.url}/console/")
    page.locator("input[name=username]").fill("alex")
    page.locator("input[name=password]").fill("agent-pass")
    page.locator("form button[type=submit]").click()
    expect(page.locator("#rows tr.row")).to_have_count(1)
    differ = [looks_as_before(page, f"inbox-{size}-{lang}")]
    page.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    expect(page.locator("#panel")).to_contain_text("#1001")
    differ.append(looks_as_before(page, f"conversation-{size}-{lang}"))
    page.goto(f"{asgi_server.url}/console/customers/{conversation.customer_id}")
    differ.append(looks_as_before(page, f"customer-{size}-{lang}"))
    context.close()
    assert [d for d in differ if d] == []


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", list(SIZES))
def test_the_shoppers_pages_look_as_they_did(one_font_browser, asgi_server, store, chat_widget, size, lang):
    from stay.demo.articles import help_centre_create

    help_centre_create(store)
    context = context_for(one_font_browser, asgi_server, size, lang)
    page = context.new_page()
    page.goto(f"{asgi_server.url}/channels/webchat/storefront?lang={lang}")
    page.locator("#stay-chat .open").click()
    expect(page.locator("#stay-chat input[name=text]")).to_be_visible()
    differ = [looks_as_before(page, f"chat-{size}-{lang}")]
    for name, path in (
        ("help", f"/help/{store.slug}/"),
        ("returns", f"/returns/{store.slug}/"),
        ("gift-card", f"/stores/{store.slug}/gift-card-balance"),
    ):
        response = page.goto(f"{asgi_server.url}{path}")
        assert response is not None and response.status == 200, path
        differ.append(looks_as_before(page, f"{name}-{size}-{lang}"))
    context.close()
    assert [d for d in differ if d] == []
