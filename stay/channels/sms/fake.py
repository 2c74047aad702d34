"""A stand-in for Twilio's Messages API on 127.0.0.1, and Twilio's side of the webhooks.

``FakeTwilio`` answers ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (basic auth, form
body) in Twilio's shape and keeps what it was sent. ``signed_form`` signs a webhook the way
Twilio does."""

import base64
import itertools
from typing import Any

from stay.core.fakehttp import FakeServer, Request

from .signing import signature


class FakeTwilio(FakeServer):
    def __init__(self, *, account_sid: str = "AC" + "0" * 32, auth_token: str = "twilio-token"):
        super().__init__()
        self.account_sid, self.auth_token = account_sid, auth_token
        self.sent: list[dict[str, str]] = []
        self._ids = itertools.count(1)

    def handle(self, request: Request) -> tuple[int, Any]:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if request.method == "POST" and request.path == f"/2010-04-01/Accounts/{self.account_sid}/Messages.json":
            form = request.form()
            if not form.get("To") or not (form.get("Body") or form.get("MediaUrl")):
                return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
            sid = f"SM{next(self._ids):032d}"
            with self.lock:
                self.sent.append({**form, "sid": sid})
            return 201, {
                "sid": sid,
                "status": "queued",
                "to": form["To"],
                "from": form.get("From"),
                "body": form.get("Body"),
            }
        return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}


def signed_form(url: str, form: dict[str, str], auth_token: str) -> dict[str, str]:
    """Headers Twilio would send with ``form`` posted to ``url``."""
    return {"X-Twilio-Signature": signature(url, form.items(), auth_token)}


def incoming(sender: str, body: str, *, sid: str, account_sid: str, to: str = "+15005550006") -> dict[str, str]:
    """An incoming-message webhook body in Twilio's documented fields."""
    return {
        "ToCountry": "US",
        "SmsMessageSid": sid,
        "NumMedia": "0",
        "SmsSid": sid,
        "SmsStatus": "received",
        "Body": body,
        "To": to,
        "NumSegments": "1",
        "MessageSid": sid,
        "AccountSid": account_sid,
        "From": sender,
        "ApiVersion": "2010-04-01",
    }
