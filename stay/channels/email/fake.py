"""A mail server on loopback that keeps what it is sent: stands in for the store's outgoing
mail relay in tests. Like a mail client, ``unique()`` shows one message per Message-ID."""

import asyncio
import email
import threading
from email import policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session


class _Keep:
    def __init__(self, outbox: "CapturingSMTP"):
        self.outbox = outbox

    async def _stall(self, at: str) -> None:
        # Stall as a slow relay does, so that a test can kill the sender meanwhile.
        if self.outbox.hold_at == at:
            self.outbox.stalled.set()
            while self.outbox.hold_at == at:
                await asyncio.sleep(0.05)

    async def handle_QUIT(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await self._stall("quit")
        return "221 Bye"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        await self._stall("data")
        if server.transport is None or server.transport.is_closing():
            return "421 the client went away before the message was accepted"  # not accepted: not kept
        raw = envelope.original_content or b""
        msg = email.message_from_bytes(raw if isinstance(raw, bytes) else raw.encode(), policy=policy.default)
        with self.outbox.lock:
            self.outbox.messages.append(msg)  # type: ignore[arg-type]
        return "250 OK"


class CapturingSMTP:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()
        self.hold_at = ""  # "data": stall before accepting; "quit": accept, then stall
        self.stalled = threading.Event()
        self.controller = Controller(_Keep(self), hostname=host, port=port or _free_port(), decode_data=False)

    @property
    def port(self) -> int:
        return int(self.controller.port)

    def __enter__(self) -> "CapturingSMTP":
        self.controller.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.hold_at = ""
        self.controller.stop()

    def unique(self) -> list[EmailMessage]:
        with self.lock:
            seen: dict[str, EmailMessage] = {}
            for msg in self.messages:
                seen.setdefault(str(msg["Message-ID"]), msg)
            return list(seen.values())


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
