"""The widget's websocket: ``/ws/chat/<public key>?visitor=…&customer_id=…&hash=…``.

Messages from the shopper are filed at once and acknowledged with their id. Replies reach
the shopper two ways: pushed through the channel layer the moment they are written (when the
writer shares the layer: always with Redis), and found by one poller per process otherwise
(the in-process layer cannot hear a reply written by another process): one query a second
for every socket of the process together, not one per socket."""

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from stay.conversations.live import conversation_group
from stay.core.errors import RateLimited, StayError
from stay.core.http import client_address

from . import services
from .models import Visitor

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

# Channels runs all database work of a process in one thread. On PostgreSQL a message waits
# on the server for each of its statements, so that thread saturated at ~100 messages a
# second (bench/inbox.py chat); there messages are filed in the executor's threads, each with
# a pooled connection. SQLite has one writer anyway: there threads would only queue on its lock.
file_message = database_sync_to_async(services.chat_receive, thread_sensitive=not settings.IS_POSTGRES)


def reading(read: Callable[P, R]) -> Callable[P, Awaitable[R]]:
    """A read, run in the executor's threads on either database (SQLite's readers never wait
    for its writer in WAL mode), leaving Channels' one database thread to the writes."""
    return database_sync_to_async(read, thread_sensitive=False)


def _hello(visitor: Visitor) -> dict[str, Any]:
    conversation = services.chat_conversation(visitor)
    return {
        "type": "hello",
        "visitor": visitor.token,
        "verified": visitor.verified,
        "agents_online": services.agents_online(),
        "assistant": services.assistant_answers(visitor.store),
        "conversation": conversation.pk if conversation else None,
        "messages": services.history(conversation),
        "orders": services.visible_orders(visitor),
    }


def _since(visitor: Visitor, after_id: int) -> tuple[int | None, list[dict[str, Any]]]:
    conversation = services.chat_conversation(visitor)
    return (conversation.pk if conversation else None), services.history(conversation, after_id=after_id)


class Poller:
    """One per process: every few seconds, one query for new messages in the conversations
    this process's sockets watch; the sockets concerned then fetch what is theirs."""

    def __init__(self) -> None:
        self.watchers: dict[int, set[ChatConsumer]] = defaultdict(set)
        self.task: asyncio.Task[None] | None = None
        self.after = -1

    def watch(self, conversation_id: int, consumer: "ChatConsumer") -> None:
        self.watchers[conversation_id].add(consumer)
        if settings.WEBCHAT_POLL_SECONDS and (self.task is None or self.task.done()):
            self.task = asyncio.create_task(self._run())

    def forget(self, conversation_id: int, consumer: "ChatConsumer") -> None:
        self.watchers[conversation_id].discard(consumer)
        if not self.watchers[conversation_id]:
            del self.watchers[conversation_id]

    async def _run(self) -> None:
        if self.after < 0:
            self.after = await reading(services.last_message_id)()
        while self.watchers:
            await asyncio.sleep(settings.WEBCHAT_POLL_SECONDS)
            try:
                found = await reading(services.new_since)(list(self.watchers), self.after)
            except Exception:
                log.exception("chat poll failed")
                continue
            for conversation_id, message_id in found:
                self.after = max(self.after, message_id)
                for consumer in list(self.watchers.get(conversation_id, ())):
                    if consumer.missing(message_id):
                        await consumer.forward_new()


poller = Poller()


class ChatConsumer(AsyncJsonWebsocketConsumer):
    """``floor``: every message up to this id has been read from the database and sent;
    ``sent``: ids above the floor already sent (pushed, or the shopper's own)."""

    visitor: Visitor | None = None
    conversation_id: int | None = None
    floor = 0

    def missing(self, message_id: int) -> bool:
        return message_id > self.floor and message_id not in self.sent

    async def connect(self) -> None:
        query = {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        widget = await database_sync_to_async(services.widget_for)(self.scope["url_route"]["kwargs"]["key"])
        if widget is None:
            await self.close(code=4404)
            return
        headers = dict(self.scope.get("headers", []))
        origin = headers.get(b"origin", b"").decode()
        if origin and not services.origin_allowed(widget, origin):
            await self.close(code=4403)
            return
        peer = (self.scope.get("client") or ("", 0))[0] or ""
        client = client_address(peer, headers.get(b"x-forwarded-for", b"").decode("latin-1"))
        try:
            await database_sync_to_async(services.connection_count)(widget, client)
        except RateLimited:
            await self.close(code=4429)  # too many sockets from one client: a script, not a shopper
            return
        notice = ""
        try:
            visitor = await database_sync_to_async(services.visitor_open)(
                widget=widget,
                token=query.get("visitor", ""),
                customer_id=query.get("customer_id", ""),
                signature=query.get("hash", ""),
            )
        except StayError as exc:
            notice = str(exc)
            visitor = await database_sync_to_async(services.visitor_open)(widget=widget, token=query.get("visitor", ""))
        self.visitor = visitor
        await self.accept()
        await database_sync_to_async(services.presence)(visitor, +1)
        hello = await reading(_hello)(visitor)
        if notice:
            hello["notice"] = notice
        self.sent: set[int] = set()
        self.assistant = bool(hello["assistant"])
        await self._watch(hello["conversation"])
        self.floor = max([0, *(m["id"] for m in hello["messages"])])
        await self.send_json(hello)

    async def disconnect(self, code: int) -> None:
        if self.visitor is not None:
            await database_sync_to_async(services.presence)(self.visitor, -1)
        if self.conversation_id:
            poller.forget(self.conversation_id, self)
            await self.channel_layer.group_discard(conversation_group(self.conversation_id), self.channel_name)

    async def _watch(self, conversation_id: int | None) -> None:
        if conversation_id and conversation_id != self.conversation_id:
            if self.conversation_id:
                poller.forget(self.conversation_id, self)
                await self.channel_layer.group_discard(conversation_group(self.conversation_id), self.channel_name)
            self.conversation_id = conversation_id
            await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)
            poller.watch(conversation_id, self)

    async def forward_new(self) -> None:
        assert self.visitor is not None
        conversation_id, rows = await reading(_since)(self.visitor, self.floor)
        await self._watch(conversation_id)
        await self._forward(rows)

    async def _forward(self, rows: list[dict[str, Any]]) -> None:
        for row in rows:
            await self._send_message(row)
        if rows:
            self.floor = max(self.floor, rows[-1]["id"])
            self.sent = {i for i in self.sent if i > self.floor}

    async def _send_message(self, row: dict[str, Any]) -> None:
        if self.missing(row["id"]):
            self.sent.add(row["id"])
            await self.send_json({"type": "message", "message": row})

    async def message_changed(self, event: dict[str, Any]) -> None:
        """Pushed by the inbox after a message of this conversation was written: it carries
        what the widget shows, so nothing is read from the database here."""
        row = event.get("message")
        if event.get("direction") == "note" or not row:
            return
        await self._send_message(row)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        assert self.visitor is not None
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "message":
                message, _ = await file_message(
                    visitor=self.visitor, text=str(content.get("text", "")), client_id=str(content.get("client_id", ""))
                )
                joined = message.conversation_id != self.conversation_id
                await self._watch(message.conversation_id)
                await self.send_json(
                    {
                        "type": "ack",
                        "client_id": content.get("client_id"),
                        "id": message.pk,
                        "at": message.created_at.isoformat(),
                    }
                )
                self.sent.add(message.pk)  # the widget shows its own text already
                if joined and self.assistant:
                    # A reply written before this socket joined the new conversation's group
                    # (the assistant answers at once) was pushed to nobody: fetch it. Nobody
                    # else can have answered a conversation this young.
                    rows = await reading(services.history)(message.conversation_id, after_id=message.pk)
                    await self._forward(rows)
            elif kind == "email":
                await database_sync_to_async(services.email_leave)(
                    visitor=self.visitor, email=str(content.get("email", ""))
                )
                await self.send_json({"type": "email_saved"})
            elif kind == "ping":
                await database_sync_to_async(services.presence)(self.visitor, 0)
                await self.send_json({"type": "pong"})
            else:
                await self.send_json({"type": "error", "error": "type must be message, email or ping"})
        except StayError as exc:
            await self.send_json({"type": "error", "client_id": content.get("client_id"), "error": str(exc)})
