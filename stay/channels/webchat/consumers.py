"""The widget's websocket: ``/ws/chat/<public key>?visitor=…&customer_id=…&hash=…``.

Messages from the shopper are filed at once and acknowledged with their id. Replies reach
the shopper two ways: pushed through the channel layer the moment they are written (when the
writer shares the layer: always with Redis), and found by a short poll of the conversation
otherwise (the in-process layer cannot hear a reply written by another process)."""

import asyncio
import logging
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import close_old_connections

from stay.conversations.live import conversation_group
from stay.core.errors import StayError

from . import services
from .models import Visitor

log = logging.getLogger(__name__)


def _hello(visitor: Visitor) -> dict[str, Any]:
    conversation = services.chat_conversation(visitor)
    return {
        "type": "hello",
        "visitor": visitor.token,
        "verified": visitor.verified,
        "agents_online": services.agents_online(),
        "conversation": conversation.pk if conversation else None,
        "messages": services.history(conversation),
        "orders": services.visible_orders(visitor),
    }


def _since(visitor: Visitor, after_id: int) -> tuple[int | None, list[dict[str, Any]]]:
    close_old_connections()
    conversation = services.chat_conversation(visitor)
    return (conversation.pk if conversation else None), services.history(conversation, after_id=after_id)


class ChatConsumer(AsyncJsonWebsocketConsumer):
    visitor: Visitor | None = None
    conversation_id: int | None = None
    last_id = 0
    poller: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        query = {k: v[0] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        widget = await database_sync_to_async(services.widget_for)(self.scope["url_route"]["kwargs"]["key"])
        if widget is None:
            await self.close(code=4404)
            return
        origin = dict(self.scope.get("headers", [])).get(b"origin", b"").decode()
        if origin and not services.origin_allowed(widget, origin):
            await self.close(code=4403)
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
        hello = await database_sync_to_async(_hello)(visitor)
        if notice:
            hello["notice"] = notice
        await self._watch(hello["conversation"])
        self.last_id = max([0, *(m["id"] for m in hello["messages"])])
        await self.send_json(hello)
        if settings.WEBCHAT_POLL_SECONDS:
            self.poller = asyncio.create_task(self._poll())

    async def disconnect(self, code: int) -> None:
        if self.poller:
            self.poller.cancel()
        if self.visitor is not None:
            await database_sync_to_async(services.presence)(self.visitor, -1)
        if self.conversation_id:
            await self.channel_layer.group_discard(conversation_group(self.conversation_id), self.channel_name)

    async def _watch(self, conversation_id: int | None) -> None:
        if conversation_id and conversation_id != self.conversation_id:
            if self.conversation_id:
                await self.channel_layer.group_discard(conversation_group(self.conversation_id), self.channel_name)
            self.conversation_id = conversation_id
            await self.channel_layer.group_add(conversation_group(conversation_id), self.channel_name)

    async def _forward_new(self) -> None:
        assert self.visitor is not None
        conversation_id, rows = await database_sync_to_async(_since)(self.visitor, self.last_id)
        await self._watch(conversation_id)
        for row in rows:
            if row["id"] > self.last_id:
                self.last_id = row["id"]
                await self.send_json({"type": "message", "message": row})

    async def _poll(self) -> None:
        try:
            while True:
                await asyncio.sleep(settings.WEBCHAT_POLL_SECONDS)
                await self._forward_new()
        except asyncio.CancelledError:
            pass
        except Exception:
            log.exception("chat poll stopped")

    async def message_changed(self, event: dict[str, Any]) -> None:
        """Pushed by the inbox after a message of this conversation was written."""
        if event.get("direction") != "note":
            await self._forward_new()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        assert self.visitor is not None
        kind = content.get("type") if isinstance(content, dict) else None
        try:
            if kind == "message":
                message, _ = await database_sync_to_async(services.chat_receive)(
                    visitor=self.visitor, text=str(content.get("text", "")), client_id=str(content.get("client_id", ""))
                )
                await self._watch(message.conversation_id)
                await self.send_json(
                    {
                        "type": "ack",
                        "client_id": content.get("client_id"),
                        "id": message.pk,
                        "at": message.created_at.isoformat(),
                    }
                )
                await self._forward_new()
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
