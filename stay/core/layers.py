"""The in-process channel layer (the default; Redis at scale, ADR 0006), made to hold 500 sockets.

Channels' ``InMemoryChannelLayer`` sweeps every channel and group for expired entries on each
send and receive, and a push written by a database thread waits for the event loop to deliver
it. With 500 chat sockets that sweep was a fifth of the websocket process's time, and the one
database thread of Channels spent another sixth waiting on pushes (py-spy, ``bench/inbox.py
chat``). Here the sweep runs at most once a second, and a push from another thread is handed to
the loop without waiting for it."""

import asyncio
import logging
import time
from concurrent.futures import Future
from typing import Any

from channels.layers import InMemoryChannelLayer

log = logging.getLogger(__name__)


class InProcessLayer(InMemoryChannelLayer):
    sweep_every = 1.0  # seconds; messages expire after 60 s and memberships after a day

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._swept = float("-inf")
        self._loop: asyncio.AbstractEventLoop | None = None

    def _clean_expired(self) -> None:
        now = time.monotonic()
        if now - self._swept >= self.sweep_every:
            self._swept = now
            super()._clean_expired()

    async def group_add(self, group: str, channel: str) -> None:
        self._loop = asyncio.get_running_loop()  # where the sockets of this process live
        await super().group_add(group, channel)

    def push_soon(self, group: str, message: dict[str, Any]) -> None:
        """Send ``message`` to ``group`` from a thread outside the event loop, without waiting.
        Nobody can be in a group before the loop is known, so then there is nobody to tell."""
        if self._loop is None or self._loop.is_closed() or group not in self.groups:
            return
        sent: Future[None] = asyncio.run_coroutine_threadsafe(self.group_send(group, message), self._loop)
        sent.add_done_callback(_log_failure)


def _log_failure(sent: Future[None]) -> None:
    if not sent.cancelled() and sent.exception() is not None:
        log.error("a push to watchers failed", exc_info=sent.exception())
