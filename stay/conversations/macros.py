"""Saved replies with variables filled in for the conversation at hand."""

import string
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from stay.orders.models import Order

from .models import Conversation, Macro

VARIABLES = ("first_name", "name", "last_order", "tracking_link", "agent_name", "store_name")


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


def macro_variables(conversation: Conversation, agent: AbstractBaseUser | None) -> dict[str, str]:
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
    }


def macro_render(macro: Macro, conversation: Conversation, agent: AbstractBaseUser | None) -> str:
    """The macro's text with ``{variable}`` filled in; an unknown ``{name}`` is left as written."""
    values = macro_variables(conversation, agent)
    formatter = string.Formatter()
    try:
        return formatter.vformat(macro.body, (), _Leave(values))
    except (ValueError, IndexError):  # a stray brace in the text: fill what can be filled
        text = macro.body
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text
