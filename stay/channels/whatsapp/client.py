"""The WhatsApp Cloud API calls Stay makes: send a message, fetch a media file."""

from typing import Any

import httpx

from .models import WhatsAppAccount


class WhatsAppError(Exception):
    def __init__(self, message: str, *, status: int = 0):
        super().__init__(message)
        self.status = status


class WhatsAppClient:
    def __init__(self, account: WhatsAppAccount, *, timeout: float = 15.0):
        self.account = account
        self.http = httpx.Client(
            base_url=account.api_base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {account.access_token}"},
            timeout=timeout,
        )

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise WhatsAppError(f"could not reach the WhatsApp API: {exc}") from exc
        if response.status_code >= 400:
            try:
                detail = response.json().get("error", {}).get("message", response.text[:200])
            except ValueError:
                detail = response.text[:200]
            raise WhatsAppError(f"WhatsApp API {response.status_code}: {detail}", status=response.status_code)
        return response

    def send(self, *, to: str, body: dict[str, Any]) -> str:
        """Send one message (``body`` is the type-specific part, e.g. ``{"type": "text", ...}``);
        returns the message id (``wamid…``)."""
        payload = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **body}
        data = self._call("POST", f"/{self.account.phone_number_id}/messages", json=payload).json()
        try:
            return str(data["messages"][0]["id"])
        except (KeyError, IndexError, TypeError):
            raise WhatsAppError(f"the WhatsApp API answered without a message id: {data!r}") from None

    def media(self, media_id: str) -> tuple[bytes, str]:
        """A media file a shopper sent: its bytes and type."""
        info = self._call("GET", f"/{media_id}").json()
        response = self._call("GET", info["url"])
        return response.content, info.get("mime_type") or response.headers.get("content-type", "")
