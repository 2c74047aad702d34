"""A stand-in for the WhatsApp Cloud API on 127.0.0.1, and Meta's side of the webhooks.

``FakeWhatsApp`` answers ``POST /{phone-number-id}/messages`` in the Graph API's shape (after
checking the bearer token and the body), serves media files, and keeps what it was sent.
``inbound_text`` builds a webhook body in the documented shape; ``signed_headers`` signs it."""

import itertools
import json
import time
from typing import Any

from stay.core.fakehttp import FakeServer, Request

from .signing import signature


class FakeWhatsApp(FakeServer):
    def __init__(self, *, token: str = "wa-token", phone_number_id: str = "106540352242922"):
        super().__init__()
        self.token, self.phone_number_id = token, phone_number_id
        self.sent: list[dict[str, Any]] = []
        self.media: dict[str, tuple[bytes, str]] = {}
        self._ids = itertools.count(1)

    def handle(self, request: Request) -> tuple[int, Any]:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return 401, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        parts = request.path.strip("/").split("/")
        if request.method == "POST" and parts == [self.phone_number_id, "messages"]:
            body = request.json()
            if body.get("messaging_product") != "whatsapp" or not body.get("to") or not body.get("type"):
                return 400, {"error": {"message": "(#100) Invalid parameter", "code": 100}}
            wamid = f"wamid.FAKE{next(self._ids):08d}"
            with self.lock:
                self.sent.append({**body, "id": wamid})
            return 200, {
                "messaging_product": "whatsapp",
                "contacts": [{"input": body["to"], "wa_id": body["to"]}],
                "messages": [{"id": wamid}],
            }
        if request.method == "GET" and len(parts) == 1 and parts[0] in self.media:
            _, mime = self.media[parts[0]]
            return 200, {"url": f"{self.base_url}/files/{parts[0]}", "mime_type": mime, "id": parts[0]}
        if request.method == "GET" and len(parts) == 2 and parts[0] == "files" and parts[1] in self.media:
            return 200, self.media[parts[1]][0]
        return 404, {"error": {"message": "Unknown path", "code": 803}}


def inbound(
    messages: list[dict[str, Any]] | None = None,
    *,
    statuses: list[dict[str, Any]] | None = None,
    phone_number_id: str = "106540352242922",
    contacts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": phone_number_id},
    }
    if messages is not None:
        value["contacts"] = contacts or []
        value["messages"] = messages
    if statuses is not None:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "102290129340398", "changes": [{"value": value, "field": "messages"}]}],
    }


def text_message(sender: str, body: str, *, wamid: str, name: str = "", at: int | None = None) -> dict[str, Any]:
    message = {
        "from": sender,
        "id": wamid,
        "timestamp": str(at or int(time.time())),
        "type": "text",
        "text": {"body": body},
    }
    return inbound([message], contacts=[{"profile": {"name": name}, "wa_id": sender}])


def signed_headers(body: bytes | dict[str, Any], app_secret: str) -> tuple[bytes, dict[str, str]]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return raw, {"X-Hub-Signature-256": signature(raw, app_secret)}
