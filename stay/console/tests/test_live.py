"""Issue 25: what another agent does shows without a reload. The open inbox redraws a row
that was assigned, resolved or tagged (or takes it out when it left the view); the open
conversation gets the new events in its timeline and its header drawn again."""

import re
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from stay.conversations import services
from stay.conversations.models import Conversation, Status

from .test_browser import log_in


def data(html: str, name: str) -> str:
    found = re.search(rf'data-{name}="([^"]*)"', html)
    assert found, name
    return found.group(1)


def poll_inbox(agent, page: str, **query: str):
    return agent.get(
        reverse("console:inbox_fresh"), {"since": data(page, "since"), "checked": data(page, "checked"), **query}
    )


def test_the_open_inbox_redraws_a_row_another_agent_assigned(agent, conversation, lead_user):
    page = agent.get(reverse("console:inbox")).content.decode()
    services.conversation_assign(conversation=conversation, assignee=lead_user, actor=lead_user)
    response = poll_inbox(agent, page)
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(rf'<tr class="row [^"]*changed" id="row-{conversation.pk}"', html)
    assert 'title="lee">L</span>' in html  # the new assignee's initials
    assert "X-Stay-Since" not in response  # no new message: the list's place stays
    place = {"since": data(page, "since"), "checked": response["X-Stay-Checked"]}
    # A change stamped a moment before that poll but committed after it is still caught...
    just_before = datetime.fromisoformat(place["checked"]) - timedelta(seconds=1)
    Conversation.objects.filter(pk=conversation.pk).update(tags=["late"], updated_at=just_before)
    assert "late" in agent.get(reverse("console:inbox_fresh"), place).content.decode()
    # ...and nothing changed lately: nothing to draw.
    Conversation.objects.filter(pk=conversation.pk).update(updated_at=just_before - timedelta(hours=1))
    assert agent.get(reverse("console:inbox_fresh"), place).status_code == 204


def test_a_row_that_left_the_view_is_taken_out(agent, conversation, lead_user):
    page = agent.get(reverse("console:inbox"), {"view": "unassigned"}).content.decode()
    assert f'id="row-{conversation.pk}"' in page
    services.conversation_assign(conversation=conversation, assignee=lead_user, actor=lead_user)
    html = poll_inbox(agent, page, view="unassigned").content.decode()
    assert f'<tr class="gone" id="row-{conversation.pk}" hidden></tr>' in html
    assert 'class="row' not in html


def test_a_poll_with_a_broken_place_says_reload(agent, conversation):
    response = agent.get(reverse("console:inbox_fresh"), {"since": "2026-13-01T00:00:00", "checked": "x"})
    assert response.status_code == 400 and "reload" in response.content.decode()


def test_the_open_conversation_gets_what_another_agent_did(agent, conversation, lead_user):
    page = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    url = reverse("console:messages", args=[conversation.pk])
    place = {name: data(page, name) for name in ("after", "events", "seen")}
    assert agent.get(url, place).status_code == 204
    services.conversation_assign(conversation=conversation, assignee=lead_user, actor=lead_user)
    response = agent.get(url, place)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Assigned to lee · lee" in html  # the event, with who did it
    assert '<div id="header" hx-swap-oob="true">' in html and '<option value="lee" selected>' in html
    assert int(response["X-Stay-Events"]) > int(place["events"])
    caught_up = {**place, "events": response["X-Stay-Events"], "seen": response["X-Stay-Seen"]}
    assert agent.get(url, caught_up).status_code == 204


def test_the_agents_own_change_does_not_redraw_the_header_twice(agent, conversation):
    page = agent.get(reverse("console:conversation", args=[conversation.pk])).content.decode()
    changed = agent.post(reverse("console:update", args=[conversation.pk]), {"tags": "vip, late"})
    place = {"after": data(page, "after"), "events": data(page, "events"), "seen": changed["X-Stay-Seen"]}
    html = agent.get(reverse("console:messages", args=[conversation.pk]), place).content.decode()
    assert "hx-swap-oob" not in html and 'class="event"' in html  # the tag event still comes


@pytest.mark.usefixtures("browser_ready")
def test_an_agent_sees_a_colleagues_changes_without_reloading(
    page: Page, asgi_server, conversation, agent_user, lead_user
):
    log_in(page, asgi_server, "alex", "agent-pass")
    row = page.locator(f"#row-{conversation.pk}")
    expect(row.locator(".owner")).to_have_text("—")
    services.conversation_assign(conversation=conversation, assignee=lead_user, actor=lead_user)
    expect(row.locator(".owner .avatar")).to_have_text("L", timeout=10_000)
    expect(page.locator("#rows tr.row")).to_have_count(1)  # redrawn in place, not added

    page.goto(f"{asgi_server.url}/console/c/{conversation.pk}")
    expect(page.locator("#header")).to_contain_text("Open")
    services.conversation_set_status(conversation=conversation, status=Status.RESOLVED, actor=lead_user)
    expect(page.locator("#header .meta")).to_contain_text("Resolved", timeout=10_000)
    expect(page.locator("#timeline .event").last).to_contain_text("Resolved")


def test_a_polls_odd_bookkeeping_is_a_clear_answer_not_a_500(agent, conversation):
    """A page's own numbers and moments come back from the browser and can be anything: a
    digit that is not ASCII, a moment without a time zone. Neither may crash the poll."""
    url = reverse("console:messages", args=[conversation.pk])
    assert agent.get(url, {"after": "²", "events": "³"}).status_code in (200, 204)
    naive = agent.get(url, {"after": "0", "events": "0", "seen": "2026-01-01T00:00:00"})
    assert naive.status_code == 200  # an old moment: the header is drawn again
    inbox = agent.get(reverse("console:inbox_fresh"), {"since": "2026-01-01T00:00:00", "checked": "2026-01-01"})
    assert inbox.status_code == 200
