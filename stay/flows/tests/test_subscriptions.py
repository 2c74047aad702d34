"""Signing up with double opt-in (issue 20): the request keeps its evidence, the confirmation
link's page confirms only with its button, the link expires, and bad input is a 400."""

import re
import time
from datetime import timedelta

import pytest
from django.test import Client

from stay.customers.models import ConsentState, Customer
from stay.customers.selectors import consent_current

pytestmark = pytest.mark.django_db
WORDING = "Yes, send me news and offers from Summit Outdoor by e-mail. I can stop them at any time."


@pytest.fixture
def api(api_for, lead_user):
    return api_for(lead_user)


def subscribe(api, **body):
    return api.post(
        "/api/v1/subscriptions",
        {"channel": "email", "email": "Mina@Example.com", "wording": WORDING, "source": "footer form", **body},
        content_type="application/json",
        headers={"X-Shopper-IP": "203.0.113.9", "X-Shopper-User-Agent": "Firefox"},
    )


def test_email_double_opt_in_keeps_the_evidence_and_confirms_only_on_the_button(
    api, mailbox, outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = subscribe(api)
    assert response.status_code == 202 and response.json()["state"] == "pending"
    customer = Customer.objects.get(pk=response.json()["customer_id"])
    pending = consent_current(customer)["email"]
    assert pending.state == ConsentState.PENDING and pending.source == "footer form"
    assert pending.evidence == {"wording": WORDING, "ip": "203.0.113.9", "user_agent": "Firefox"}

    [mail] = [m for m in outbox.unique() if "Confirm your subscription" in m["Subject"]]
    link = re.search(r"http://127\.0\.0\.1:8000(/subscribe/confirm/\S+)", mail.get_content()).group(1)
    shopper = Client(enforce_csrf_checks=True)
    page = shopper.get(link)  # a mail scanner opening the link
    assert page.status_code == 200 and "Yes, subscribe me" in page.content.decode()
    assert consent_current(customer)["email"].state == ConsentState.PENDING
    done = shopper.post(link)
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    subscribed = consent_current(customer)["email"]
    assert subscribed.state == ConsentState.SUBSCRIBED and subscribed.evidence["confirmed_by"] == "link"
    assert subscribed.evidence["wording"] == WORDING and subscribed.evidence["request"] == pending.pk
    assert subscribe(api).status_code == 200  # signed up already: nothing to confirm again


def test_a_link_expires_and_a_bad_one_is_404(api, mailbox, outbox, django_capture_on_commit_callbacks, monkeypatch):
    with django_capture_on_commit_callbacks(execute=True):
        subscribe(api)
    [mail] = [m for m in outbox.unique() if "Confirm your subscription" in m["Subject"]]
    link = re.search(r"http://127\.0\.0\.1:8000(/subscribe/confirm/\S+)", mail.get_content()).group(1)
    later = time.time() + timedelta(days=8).total_seconds()
    monkeypatch.setattr("django.core.signing.time.time", lambda: later)
    expired = Client().post(link)
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    assert Client().get("/subscribe/confirm/forged").status_code == 404


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ({"channel": "fax"}, "channel must be one of"),
        ({"email": ""}, "e-mail address is needed"),
        ({"channel": "sms"}, "phone number is needed"),
        ({"wording": " "}, "exact text the shopper agreed to"),
    ],
)
def test_bad_input_is_a_400_that_says_what_to_fix(api, body, says):
    response = subscribe(api, **body)
    assert response.status_code == 400 and says in response.json()["detail"]


def test_night_time_consent_is_asked_for_separately_and_kept(api):
    response = subscribe(api, channel="sms", email="", phone="+821012345678", night_time=True)
    assert response.status_code == 202
    pending = consent_current(Customer.objects.get(pk=response.json()["customer_id"]))["sms"]
    assert pending.evidence["night_time"] is True
    plain = subscribe(api, channel="sms", email="", phone="+821098765432")
    assert "night_time" not in consent_current(Customer.objects.get(pk=plain.json()["customer_id"]))["sms"].evidence
