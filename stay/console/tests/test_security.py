"""Issue 18 #11: console sign-in took 60 wrong passwords in 24.5 s and then the right one.
Now wrong passwords lock the account and the address out (django-axes), agents can turn on
TOTP two-factor sign-in (django-otp), and a session ends after the store's idle time."""

import time

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from stay.conversations.models import AgentLimits


@pytest.fixture
def axes_on(settings):
    settings.AXES_ENABLED = True
    settings.AUTHENTICATION_BACKENDS = [
        "axes.backends.AxesStandaloneBackend",
        "django.contrib.auth.backends.ModelBackend",
    ]


def sign_in(client, username, password, code="", ip="203.0.113.5"):
    data = {"username": username, "password": password, "otp_token": code}
    return client.post("/console/login", data, REMOTE_ADDR=ip)


def test_wrong_passwords_lock_the_account_and_the_address_out(axes_on, agent_user, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert sign_in(client, "alex", "guess").status_code == 200  # the form again, with an error
    assert sign_in(client, "alex", "guess").status_code == 429  # the last one allowed locks
    locked = sign_in(client, "alex", "agent-pass")
    assert locked.status_code == 429 and "Too many wrong sign-ins" in locked.content.decode()
    # From another address the account is still locked; from this address, another account too.
    assert sign_in(Client(), "alex", "agent-pass", ip="198.51.100.9").status_code == 429
    assert sign_in(Client(), "someone", "x").status_code == 429


def test_two_factor_sign_in(agent_user, client):
    assert client.login(username="alex", password="agent-pass")
    page = client.get("/console/security")
    assert "Set up two-factor sign-in" in page.content.decode()
    client.post("/console/security", {"action": "start"})
    device = TOTPDevice.objects.get(user=agent_user)
    assert "<svg" in client.get("/console/security").content.decode()
    wrong = client.post("/console/security", {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400
    device.refresh_from_db()
    device.throttle_reset()  # a wrong code makes the next try wait a second: not what is tested
    assert (
        client.post("/console/security", {"action": "confirm", "code": f"{totp(device.bin_key):06d}"}).status_code
        == 302
    )
    device.refresh_from_db()
    assert device.confirmed

    fresh = Client()
    without = sign_in(fresh, "alex", "agent-pass")
    assert without.status_code == 200 and "two-factor code didn't match" in without.content.decode()
    assert fresh.get("/console/").status_code == 302
    device.refresh_from_db()
    device.last_t = -1  # a code may be used once; the test's next code is the same one
    device.save()
    assert sign_in(fresh, "alex", "agent-pass", code=f"{totp(device.bin_key):06d}").status_code == 302
    assert fresh.get("/console/").status_code == 200

    # A session from a password alone (before two-factor was on) is sent to give the code.
    stale = Client()
    stale.force_login(agent_user)
    assert stale.get("/console/").status_code == 302


def test_a_session_ends_after_the_stores_idle_time(agent_user, client, store):
    from stay.console.middleware import SessionIdleMiddleware

    AgentLimits.objects.create(store=store, session_idle_minutes=1)
    SessionIdleMiddleware._cache.clear()
    assert client.login(username="alex", password="agent-pass")
    assert client.get("/console/").status_code == 200
    session = client.session
    session["seen_at"] = time.time() - 120
    session.save()
    response = client.get("/console/")
    assert response.status_code == 302 and "/console/login" in response["Location"]
    assert client.get("/console/").status_code == 302  # signed out
