"""Saved replies with variables filled in for the conversation at hand."""

import string
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.urls import reverse

from stay.orders.models import Order

from .models import Conversation, Macro
from .selectors import conversation_language

VARIABLES = (
    "first_name",
    "name",
    "last_order",
    "tracking_link",
    "returns_link",
    "help_link",
    "agent_name",
    "store_name",
)
# Links the layers above fill in (the returns portal): name -> (conversation, order, language) -> url.
_LINKS: dict[str, Callable[[Conversation, Order | None, str], str]] = {}


def register_link(name: str, make: Callable[[Conversation, Order | None, str], str]) -> None:
    _LINKS[name] = make


class _Leave(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def first_name(name: str, locale: str) -> str:
    """Korean names are written family name first and used whole ("김민지 님"); elsewhere
    the first word."""
    name = name.strip()
    if not name:
        return ""
    if locale == "ko" or any("\uac00" <= ch <= "\ud7a3" for ch in name):
        return name
    return name.split()[0]


def macro_variables(conversation: Conversation, agent: AbstractBaseUser | None, language: str = "en") -> dict[str, str]:
    customer = conversation.customer
    order = Order.objects.filter(customer=customer).order_by("-placed_at").prefetch_related("fulfilments").first()
    tracking = ""
    if order is not None:
        tracking = next((f.tracking_url for f in order.fulfilments.all() if f.tracking_url), "")
    agent_name = ""
    if agent is not None:
        agent_name = getattr(agent, "first_name", "") or agent.get_username()
    return {
        "first_name": first_name(customer.name, customer.locale),
        "name": customer.name,
        "last_order": order.name if order else "",
        "tracking_link": tracking,
        "agent_name": agent_name,
        "store_name": conversation.store.name,
        "help_link": help_link(conversation, language),
        **{name: make(conversation, order, language) for name, make in _LINKS.items()},
    }


def help_link(conversation: Conversation, language: str) -> str:
    path = reverse("helpcentre:home", args=[conversation.store.slug])
    return f"{settings.PUBLIC_URL}{path}?lang={language}"


def macro_render(macro: Macro, conversation: Conversation, agent: AbstractBaseUser | None) -> str:
    """The macro's text in the shopper's language (when it has one) with ``{variable}`` filled
    in; an unknown ``{name}`` is left as written."""
    language = conversation_language(conversation)
    body = macro.body_ko if language == "ko" and macro.body_ko.strip() else macro.body
    values = macro_variables(conversation, agent, language)
    formatter = string.Formatter()
    try:
        return formatter.vformat(body, (), _Leave(values))
    except (ValueError, IndexError):  # a stray brace in the text: fill what can be filled
        text = body
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text
