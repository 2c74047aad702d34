"""What a shopper-facing page of Stay (the help centre) shows of the layers above it: the
chat widget. The web chat registers it; the page asks, without importing the chat."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpResponse

from .models import Store


@dataclass(frozen=True)
class ChatEmbed:
    script: str  # the widget script's address
    connects_to: str  # the origin its websocket opens (the page's Content-Security-Policy allows it)


_chat: list[Callable[[Store], ChatEmbed | None]] = []


def register_chat(find: Callable[[Store], ChatEmbed | None]) -> None:
    _chat.append(find)


def chat_embed(store: Store) -> ChatEmbed | None:
    for find in _chat:
        found = find(store)
        if found is not None:
            return found
    return None


def allow_chat(response: HttpResponse, embed: ChatEmbed | None) -> HttpResponse:
    """Let the page's Content-Security-Policy reach the chat's websocket server."""
    if embed is not None:
        response._csp_update = {"connect-src": [embed.connects_to]}  # type: ignore[attr-defined]
    return response
