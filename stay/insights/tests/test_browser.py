"""In Chromium, as a lead would: the insights page draws its charts (images the strict content
security policy lets through), on a desktop and a phone screen, and the staffing form works."""

import os

import pytest
from playwright.sync_api import Page, expect

from stay.console.tests.test_browser import log_in

pytestmark = pytest.mark.usefixtures("browser_ready")


def test_the_charts_are_drawn_and_fit_a_phone(page: Page, asgi_server, shop, agent_user):
    log_in(page, asgi_server, "alex", "agent-pass")
    page.get_by_role("link", name="Insights").click()
    expect(page.get_by_role("heading", name="Repeat-purchase rate")).to_be_visible()
    charts = page.locator("img.chart")
    expect(charts).to_have_count(3)
    for n in range(3):  # each image decoded: the policy did not block it
        assert charts.nth(n).evaluate("img => img.complete && img.naturalWidth > 0")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1  # nothing pushed off the side
    if os.environ.get("STAY_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["STAY_SHOTS"], "insights-phone.png"), full_page=True)
        page.set_viewport_size({"width": 1280, "height": 800})
        page.screenshot(path=os.path.join(os.environ["STAY_SHOTS"], "insights.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    page.get_by_role("link", name="Service", exact=True).click()
    expect(page.get_by_role("heading", name="Conversations opened in the period")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    if os.environ.get("STAY_SHOTS"):
        page.screenshot(path=os.path.join(os.environ["STAY_SHOTS"], "service-phone.png"), full_page=True)
    page.get_by_role("link", name="Staffing", exact=True).click()
    page.get_by_label("Contacts an hour").fill("60")
    page.get_by_label("Minutes each takes").fill("5")
    page.get_by_label("Shoppers give up after minutes (0: never)").fill("0")
    page.get_by_label("Chats at once per agent").fill("1")
    page.get_by_role("button", name="Work it out").click()
    expect(page.locator("tbody tr").first.locator("strong")).to_have_text("8")


def test_a_lead_types_the_roster(page: Page, asgi_server, store, lead_user):
    """A line that is not a shift is named and the text kept to fix; then it saves."""
    log_in(page, asgi_server, "lee", "lead-pass")
    page.goto(f"{asgi_server.url}/insights/staffing")
    shifts = page.get_by_label("Shifts")
    shifts.fill("Mon-Fri 09-18 3\nSat 22-06 1")
    page.get_by_role("button", name="Save the roster").click()
    expect(page.get_by_role("alert")).to_contain_text("line 2: hours")
    expect(shifts).to_have_value("Mon-Fri 09-18 3\nSat 22-06 1")
    shifts.fill("Mon-Fri 09-18 3\nSat 22-24 1\n일 00-06 1")
    page.get_by_role("button", name="Save the roster").click()
    expect(shifts).to_have_value("Mon-Fri 09-18 3\nSat 22-24 1\nSun 00-06 1")
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
