"""The staffing plan as the page and the API both give it: the service level asked for (with
the store's measured handling times as defaults), the agents a queue needs, and the coming
four weeks hour by hour against the roster, with the contacts forecast's own test."""

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from stay.conversations.models import Channel
from stay.core.errors import InvalidInput
from stay.core.models import Store

from . import kept, roster, rush, service, services
from .staffing import plan

FIELDS = {  # name: the default where the store has nothing measured
    "per_hour": 30.0,
    "handle_minutes": 8.0,
    "target": 0.8,
    "answer_seconds": 60.0,
    "patience_minutes": 3.0,
    "concurrency": 2.0,
    "abandon_most": 0.05,
    "email_minutes": 6.0,
    "return_minutes": 6.0,
    "email_within_hours": 8.0,
}


def measured(store: Store) -> dict[str, service.Handling]:
    found, _as_of = kept.handling(store)
    return found


def defaults(handling: dict[str, service.Handling]) -> dict[str, float]:
    """The defaults, with the handling times the store's own replies show: live channels
    weighted by their conversations, and e-mail."""
    found = dict(FIELDS)
    live = [(h.minutes, h.conversations) for h in handling.values() if h.channel in service.LIVE_CHANNELS]
    timed = [(minutes, n) for minutes, n in live if minutes is not None]
    if timed:
        found["handle_minutes"] = round(sum(m * n for m, n in timed) / sum(n for _m, n in timed), 1)
    mail = handling.get(Channel.EMAIL)
    if mail is not None and mail.minutes:
        found["email_minutes"] = round(mail.minutes, 1)
    return found


def values(given: Mapping[str, str], default: dict[str, float]) -> dict[str, float]:
    """The service level from ``given`` (a query string), ``default`` for what it leaves out;
    a value that is not a number, or out of range, is refused by name."""
    out = {}
    for name, fallback in default.items():
        raw = (given.get(name) or "").strip()
        try:
            out[name] = float(raw) if raw else fallback
        except ValueError:
            example = {"field": name, "example": fallback}
            raise InvalidInput(_("%(field)s: a number, e.g. %(example)s") % example) from None
    for name in ("email_minutes", "return_minutes"):
        if not 0 < out[name] <= 600:
            raise InvalidInput(_("%(field)s: more than 0, at most 600") % {"field": name})
    if not 1 <= out["email_within_hours"] <= 72:
        raise InvalidInput(_("%(field)s: 1 to 72 hours") % {"field": "email_within_hours"})
    queue(out["per_hour"], out)  # the queue's own checks, before any work
    return out


def queue(per_hour: float, level: dict[str, float]) -> dict[str, Any]:
    """``per_hour`` contacts at the service level ``level``."""
    return plan(
        per_hour,
        level["handle_minutes"],
        level["target"],
        level["answer_seconds"],
        level["patience_minutes"],
        int(level["concurrency"]),
        level["abandon_most"],
    )


def agents_for(level: dict[str, float]) -> Callable[[float], int]:
    """The agents ``per_hour`` live contacts need, worked out once per tenth of a contact an
    hour (rounded up): a four-week plan asks for 672 hours, most of them alike."""

    @functools.cache
    def at(tenths: int) -> int:
        return int(queue(tenths / 10, level)["agents"])

    return lambda per_hour: at(math.ceil(round(per_hour * 10, 6)))


@dataclass(frozen=True)
class Ahead:
    days: list[rush.DayPlan]
    tested: rush.Backtest | None
    shifts: list[roster.Shift]


WHAT_IF = {  # name: (orders times, the people's share of contacts times)
    "": (1.0, 1.0),
    "orders": (1.3, 1.0),  # 30% more orders
    "assistant": (1.0, 0.9),  # the assistant answers 10% more
}


def ahead(
    store: Store, level: dict[str, float], handling: dict[str, service.Handling], what_if: str = ""
) -> Ahead | None:
    """The next four weeks hour by hour at ``level``, against the roster, as forecast or in one
    of the ``WHAT_IF`` cases; None while there is too little history to forecast orders."""
    if what_if not in WHAT_IF:
        raise InvalidInput(_("what_if: one of orders, assistant (or nothing)"))
    orders, people = WHAT_IF[what_if]
    days, _as_of = kept.contacts_ahead(store)
    if days is None:
        return None
    tested, _as_of = kept.backtest(store)
    shifts = services.roster_of(store)
    plans = rush.people_ahead(
        [day.scaled(orders) for day in days],
        agents_for=agents_for(level),
        email_minutes=level["email_minutes"],
        return_minutes=level["return_minutes"],
        alone={channel: 1 - (1 - h.by_assistant) * people for channel, h in handling.items()},
        email_within_hours=level["email_within_hours"],
        duty=roster.on_duty(shifts) if shifts else None,
    )
    return Ahead(plans, tested, shifts)
