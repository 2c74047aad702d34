"""The built-in mail server: ``stay smtpd`` receives mail for the stores' mailboxes."""

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from stay.core.errors import InvalidInput, NotFound

from .services import email_receive, store_for_recipients

log = logging.getLogger(__name__)
MAX_BYTES = 30 * 1024 * 1024


def _deliver(raw: bytes, recipients: list[str]) -> str:
    close_old_connections()
    try:
        received = email_receive(raw=raw, recipients=recipients)
    except InvalidInput as exc:
        return f"550 5.6.0 {exc}"
    except NotFound as exc:
        return f"550 5.1.1 {exc}"
    except Exception:
        log.exception("could not file a message from the SMTP server")
        return "451 4.3.0 Temporary failure, try again later"
    finally:
        close_old_connections()
    return f"250 2.0.0 OK {received.disposition}"


def _known(address: str) -> bool:
    close_old_connections()
    try:
        store_for_recipients([address])
    except NotFound:
        return False
    return True


class Handler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if not await sync_to_async(_known, thread_sensitive=False)(address):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        if isinstance(raw, str):
            raw = raw.encode()
        return await sync_to_async(_deliver, thread_sensitive=False)(raw, list(envelope.rcpt_tos))


def controller(host: str, port: int, **kwargs: Any) -> Controller:
    # decode_data=False keeps the bytes as sent (8-bit Korean mail must not be re-decoded).
    return Controller(Handler(), hostname=host, port=port, data_size_limit=MAX_BYTES, decode_data=False, **kwargs)


def serve_forever(host: str, port: int) -> None:
    server = controller(host, port)
    server.start()
    log.info("SMTP server listening on %s:%s", host, port)
    try:
        asyncio.run(_wait())
    finally:
        server.stop()


async def _wait() -> None:
    while True:
        await asyncio.sleep(3600)
