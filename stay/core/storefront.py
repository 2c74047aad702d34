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


# --- a signed-in shopper on the storefront ---------------------------------------------------


@dataclass(frozen=True)
class Shopper:
    """A storefront's signed-in shopper: the store, and their id on the store's platform."""

    store: Store
    platform_customer_id: str


# ``check(public_key, platform_customer_id, signature)``: the store whose key it is, if the
# signature (HMAC-SHA256 of the id with the store's secret) is right.
_signatures: list[Callable[[str, str, str], Store | None]] = []


def register_shopper_check(check: Callable[[str, str, str], Store | None]) -> None:
    """The web chat registers it: storefront calls are signed the way its widget is."""
    _signatures[:] = [check]


def shopper_verify(public_key: str, platform_customer_id: str, signature: str) -> Shopper | None:
    if not (public_key and platform_customer_id and signature and _signatures):
        return None
    store = _signatures[0](public_key, platform_customer_id, signature)
    return None if store is None else Shopper(store, platform_customer_id)
