"""Issue 18 #12: `stay check --deploy` had four warnings no setting could turn off; the
console and the shoppers' pages had no Content-Security-Policy."""

import os
import socket
import subprocess
import sys

import pytest


def _check(**env: str) -> str:
    run = subprocess.run(
        [sys.executable, "-m", "stay", "check", "--deploy"],
        env={
            **{k: v for k, v in os.environ.items() if k not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "STAY_HTTPS")},
            "DJANGO_SETTINGS_MODULE": "stay.settings.base",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.stdout + run.stderr


def test_stay_https_turns_every_transport_setting_on():
    warned = _check()
    for code in ("W004", "W008", "W012", "W016"):
        assert f"security.{code}" in warned
    with socket.socket() as mail_server:  # something answers where STAY_SMTP_URL says (stay.W001 otherwise)
        mail_server.bind(("127.0.0.1", 0))
        mail_server.listen()
        clean = _check(STAY_HTTPS="1", STAY_SMTP_URL=f"smtp://127.0.0.1:{mail_server.getsockname()[1]}")
    assert "security.W" not in clean, clean
    assert "no issues" in clean


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/console/login", "/returns/summit/", "/help/summit/", "/stores/summit/gift-card-balance"]
)
def test_console_and_portals_send_a_content_security_policy(client, store, path):
    response = client.get(path)
    assert response.status_code in (200, 302), (path, response.status_code)
    policy = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "unsafe" not in policy
