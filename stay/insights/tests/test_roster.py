"""The team's roster (issue 23): typed as lines, refused by line number when a line is not a
shift, changed by leads only, and compared with the plan hour by hour on the staffing page
and in its CSV."""

import csv
import io
from datetime import date

import pytest
from django.test import Client

from stay.core.errors import InvalidInput, NotAllowed
from stay.insights import roster
from stay.insights.models import Roster
from stay.insights.services import roster_of, roster_set


def test_a_week_typed_as_lines():
    shifts = roster.parse("Mon-Fri 09-18 3\n# the weekend\nSat,Sun 10:00-16:00 1\n월-수 18-22 2  # evenings\n\n")
    assert shifts == [
        roster.Shift((0, 1, 2, 3, 4), 9, 18, 3),
        roster.Shift((5, 6), 10, 16, 1),
        roster.Shift((0, 1, 2), 18, 22, 2),
    ]
    duty = roster.on_duty(shifts + roster.parse("monday 09-10 1"))
    assert duty[(0, 9)] == 4 and duty[(0, 17)] == 3 and duty[(0, 18)] == 2 and (3, 18) not in duty
    assert duty[(6, 15)] == 1 and (6, 16) not in duty and (0, 8) not in duty
    assert roster.parse(roster.text_of(shifts)) == shifts
    assert roster.text_of(shifts).splitlines()[0] == "Mon-Fri 09-18 3"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Mon-Fri 09-18 3\nFri 22-06 2", "line 2: hours: from 00 to 24, the end after the start"),
        ("Mon-Fri 09-18", "line 1: a shift is days, hours and people"),
        ("Mon-Fri 09-18 3\n\nFunday 09-18 3", "line 3: days: Mon-Fri, Sat,Sun or 월-금"),
        ("Fri-Mon 09-18 3", "line 1: days: a range runs Monday to Sunday"),
        ("Mon 09-25 3", "line 1: hours"),
        ("Mon 09-18 0", "line 1: people: 1 to 1000"),
    ],
)
def test_a_line_that_is_not_a_shift_is_refused_by_its_number(text, says):
    with pytest.raises(InvalidInput, match=says):
        roster.parse(text)


@pytest.mark.django_db
def test_only_a_lead_changes_the_roster_and_a_bad_line_changes_nothing(store, agent_user, lead_user):
    with pytest.raises(NotAllowed):
        roster_set(store=store, text="Mon 09-17 1", user=agent_user)
    roster_set(store=store, text="Mon-Fri 09-17 2", user=lead_user)
    with pytest.raises(InvalidInput, match="line 2"):
        roster_set(store=store, text="Mon 09-17 1\nnonsense", user=lead_user)
    assert roster_of(store) == [roster.Shift((0, 1, 2, 3, 4), 9, 17, 2)]
    assert Roster.objects.get(store=store).updated_by == lead_user.get_username()


@pytest.mark.django_db
def test_the_staffing_page_compares_the_plan_with_the_roster(store, lead_user, agent_user):
    """A season of orders and chats ending today: a 28-day plan. The roster has one person on
    weekdays 09-17: the hours with chats outside it are short, and the CSV says so hour by hour."""
    from django.utils import timezone

    from stay.conversations.models import Channel, Conversation
    from stay.insights.tests.test_rush import build

    build(store, timezone.localdate(timezone.now(), store.zone))
    Conversation.objects.filter(customer__identities__value="kim@example.com").update(channel=Channel.WEBCHAT)
    lead = Client()
    lead.force_login(lead_user)
    refused = lead.post("/insights/roster", {"shifts": "Mon-Fri 09-17 1\nMon 25-26 1"})
    assert refused.status_code == 400
    assert "line 2: hours" in refused.content.decode() and "Mon 25-26 1" in refused.content.decode()
    saved = lead.post("/insights/roster", {"shifts": "Mon-Fri 09-17 1"})
    assert saved.status_code == 303 and saved["Location"].endswith("/insights/staffing#roster")

    agent = Client()
    agent.force_login(agent_user)
    assert agent.post("/insights/roster", {"shifts": ""}).status_code == 403
    assert roster_of(store) == [roster.Shift((0, 1, 2, 3, 4), 9, 17, 1)]
    html = agent.get("/insights/staffing").content.decode()
    assert "On the roster then" in html and "Mon-Fri 09-17 1" in html
    assert 'name="shifts"' not in html  # an agent reads the roster; a lead edits it
    assert "<strong>Orders +30%</strong>" in agent.get("/insights/staffing?what_if=orders").content.decode()
    assert agent.get("/insights/staffing?what_if=x").status_code == 400

    rows = list(csv.DictReader(io.StringIO(agent.get("/insights/staffing?format=csv").content.decode())))
    assert len(rows) == 28 * 24
    for row in rows:
        weekday = date.fromisoformat(row["day"]).weekday()
        on = 1 if weekday < 5 and 9 <= int(row["hour"][:2]) < 17 else 0
        assert int(row["on the roster"]) == on
        assert int(row["short"]) == max(0, int(row["agents needed"]) - on)
    chats = [row for row in rows if float(row["live contacts"]) > 0]
    assert chats and all(int(row["agents needed"]) >= 1 for row in chats)
    assert len({row["hour"] for row in chats}) == 1  # the hour kim's chat came


@pytest.mark.django_db
def test_the_plan_ahead_as_json(store, lead_user, api):
    from django.core.cache import caches
    from django.utils import timezone

    from stay.insights.tests.test_rush import build

    assert api.get("/api/v1/insights/staffing/ahead").json()["days"] is None  # no history yet
    build(store, timezone.localdate(timezone.now(), store.zone))
    caches["insights"].clear()  # the plan is kept an hour
    roster_set(store=store, text="Sat,Sun 10-16 2", user=lead_user)
    found = api.get("/api/v1/insights/staffing/ahead?email_minutes=12").json()
    assert found["roster"] == "Sat-Sun 10-16 2" and found["service_level"]["email_minutes"] == 12
    assert len(found["days"]) == 28 and all(len(day["hours"]) == 24 for day in found["days"])
    weekend = [d for d in found["days"] if date.fromisoformat(d["day"]).weekday() >= 5]
    assert all(d["hours"][12]["on_duty"] == 2 and d["hours"][9]["on_duty"] == 0 for d in weekend)
    assert found["backtest"] is None  # four weeks ago there were 17 weeks of orders: too few
    assert all("email_people" in day for day in found["days"])
    assert api.get("/api/v1/insights/staffing/ahead?email_within_hours=0").status_code == 400
    more = api.get("/api/v1/insights/staffing/ahead?what_if=orders").json()
    assert sum(d["contacts"] for d in more["days"]) > sum(d["contacts"] for d in found["days"])
    assert api.get("/api/v1/insights/staffing/ahead?what_if=doubled").status_code == 400
    refused = api.get("/api/v1/insights/staffing/ahead?target=2")
    assert refused.status_code == 400 and "target" in refused.json()["detail"]
