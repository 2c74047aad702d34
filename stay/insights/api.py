"""``/api/v1/insights/...``: each retention figure as JSON, for stores that chart them
elsewhere. Read with an API token; ``store`` names the store for a token that may read several."""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router

from stay.conversations.models import Channel
from stay.core.api import request_store
from stay.core.errors import InvalidInput

from . import kept, plans, roster, selectors, service, services
from .models import Source
from .scorecard import scorecard
from .staffing import plan

router = Router(tags=["insights"])


def _months(months: int) -> int:
    if not 1 <= months <= 60:
        raise InvalidInput("months: a whole number from 1 to 60")
    return months


@router.get("/repeat-rate", summary="The share of customers with two orders or more, month by month")
def repeat_rate(request: HttpRequest, months: int = 12, store: str | None = None) -> list[dict[str, Any]]:
    shop = request_store(request, store)
    return [asdict(p) for p in selectors.repeat_rate(store=shop, months=_months(months))]


@router.get("/second-order", summary="Time from the first order to the second (Kaplan-Meier)")
def second_order(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    found = selectors.second_order(store=request_store(request, store))
    return {
        "buyers": found.buyers,
        "again": found.again,
        "median_days": found.median_days,
        "within": {str(days): share for days, share in found.within.items()},
        "curve": [{"days": days, "ordered_again": share} for days, share in found.curve],
    }


@router.get("/cohorts", summary="Cohorts by month of the first order: the share who ordered in each later month")
def cohorts(request: HttpRequest, months: int = 12, source: str = "", store: str | None = None) -> list[dict[str, Any]]:
    if source and source not in Source.values:
        raise InvalidInput(f"source: one of {', '.join(Source.values)}")
    shop = request_store(request, store)
    return [asdict(row) for row in selectors.cohorts(store=shop, months=_months(months), source=source)]


@router.get("/segments", summary="Customers by recency, frequency and value, and who moved this month")
def segments(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    found = selectors.segments(store=request_store(request, store))
    return {
        "month": found.month,
        "segments": [{"segment": s.segment, "customers": s.customers, "spent": str(s.spent)} for s in found.sizes],
        "moves": [{"from": was or None, "to": now, "customers": n} for (was, now), n in found.moves.items()],
    }


@router.get("/first-orders", summary="Gift-card recipients' first order against everyone's")
def first_orders(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    found = selectors.first_orders(store=request_store(request, store))
    return {
        "buyers": found.buyers,
        "average": _money(found.average),
        "recipients": found.recipients,
        "recipients_average": _money(found.recipients_average),
        "ratio": found.ratio,
    }


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@router.get("/staffing", summary="The agents a queue needs for a service level (Erlang C, or Erlang A with patience)")
def staffing(
    request: HttpRequest,
    per_hour: float,
    handle_minutes: float,
    target: float = 0.8,
    answer_seconds: float = 60,
    patience_minutes: float = 0,
    concurrency: int = 1,
    abandon_most: float = 0.05,
) -> dict[str, Any]:
    """``per_hour`` contacts an hour of ``handle_minutes`` each; ``target`` of them answered
    within ``answer_seconds``; shoppers give up after ``patience_minutes`` on average (0: never);
    an agent works ``concurrency`` chats at once; at most ``abandon_most`` may give up."""
    return plan(per_hour, handle_minutes, target, answer_seconds, patience_minutes, concurrency, abandon_most)


@router.get("/staffing/ahead", summary="The next four weeks: contacts, returns and the people they need, hour by hour")
def staffing_ahead(request: HttpRequest, store: str | None = None) -> dict[str, Any]:
    """The plan of the staffing page, against the store's roster. The service level takes the
    staffing figures' parameters (``handle_minutes``, ``target``, ``answer_seconds``,
    ``patience_minutes``, ``concurrency``, ``abandon_most``, ``email_minutes``,
    ``return_minutes``, ``email_within_hours``); left out, the store's measured handling times
    and the page's defaults. ``what_if``: ``orders`` (30% more) or ``assistant`` (it answers 10% more).
    ``days`` is null while the store has under 20 weeks of orders."""
    shop = request_store(request, store)
    handling = plans.measured(shop)
    level = plans.values(request.GET, plans.defaults(handling))
    found = plans.ahead(shop, level, handling, request.GET.get("what_if", ""))
    return {
        "service_level": level,
        "handling": {
            channel: {"minutes": h.minutes, "reply_minutes": h.reply_minutes, "by_assistant": h.by_assistant}
            for channel, h in handling.items()
        },
        "roster": roster.text_of(services.roster_of(shop)),
        "backtest": None
        if found is None or found.tested is None
        else {
            "start": found.tested.start,
            "daily_error": found.tested.error,
            "total_error": found.tested.total_error,
            "forecast": found.tested.forecast,
            "actual": found.tested.actual,
        },
        "days": None
        if found is None
        else [
            {
                "day": p.day.day,
                "orders": p.day.orders,
                "contacts": p.day.contacts,
                "returns": p.day.returns,
                "exchanges": p.day.exchanges,
                "faults": p.day.faults,
                "email_hours": p.email_hours,
                "email_people": p.email_people,
                "returns_hours": p.returns_hours,
                "spare_hours": p.spare_hours,
                "covered": p.covered,
                "hours": [asdict(h) for h in p.hours],
            }
            for p in found.days
        ],
    }


@router.get("/service", summary="Service per channel, the backlog, contacts by hour and intent, returns, gift cards")
def service_figures(
    request: HttpRequest, days: int = 30, channel: str = "", agent_id: int | None = None, store: str | None = None
) -> dict[str, Any]:
    """The period is the last ``days`` (1-366); ``channel`` and ``agent_id`` narrow it.
    Times are in minutes (first response) and hours (resolution): median and p90."""
    if not 1 <= days <= 366:
        raise InvalidInput("days: a whole number from 1 to 366")
    if channel and channel not in Channel.values:
        raise InvalidInput(f"channel: one of {', '.join(Channel.values)}")
    period = service.last_days(request_store(request, store), days, channel=channel, agent_id=agent_id)
    # The page's figures, kept a few minutes (``as_of``: when they were worked out).
    (rows, hours, returned, backlog, asked, intent_hours, cards, reached, members), as_of = kept.service_figures(period)
    return {
        "start": period.start,
        "end": period.end,
        "as_of": as_of,
        "channels": [
            {
                "channel": row.channel or None,
                "conversations": row.conversations,
                "first_response_minutes": _spread(row.first_response_minutes),
                "resolution_hours": _spread(row.resolution_hours),
                "csat": row.csat,
                "csat_answers": row.csat_answers,
                "late_first_responses": row.breaches,
                "by_assistant": row.by_assistant,
            }
            for row in rows
        ],
        "backlog": [{"age": label, "conversations": n} for label, n in backlog],
        "contacts_by_hour": hours,
        "intents": [{"intent": i, "messages": n, "handed_off": h} for i, n, h in asked],
        "intents_by_hour": intent_hours,
        "returns": {
            "orders": returned.orders,
            "returns": returned.returns,
            "rate": returned.rate,
            "reasons": dict(returned.reasons),
            "outcomes": dict(returned.outcomes),
            "lines_kept": returned.kept,
            "exchange_share": returned.exchange_share,
            "revenue_kept": {currency: str(v) for currency, v in returned.kept_value.items()},
        },
        "gift_cards": [
            {
                "currency": c.currency,
                "gift_cards": str(c.gift_cards),
                "store_credit": str(c.credit),
                "breakage": str(c.breakage),
            }
            for c in cards
        ],
        "outreach": {
            "channels": [asdict(row) for row in reached.channels],
            "orders_credited": reached.orders,
            "revenue_credited": str(reached.revenue),
            "opt_outs": reached.opt_outs,
        },
        "loyalty": members,
    }


def _spread(pair: tuple[float | None, float | None]) -> dict[str, float | None]:
    return {"median": pair[0], "p90": pair[1]}


@router.get("/scorecard", summary="The store's customer-experience scorecard, from what is set up and used")
def scorecard_points(request: HttpRequest, store: str | None = None) -> list[dict[str, Any]]:
    """Each point: ``live`` (used in the last 30 days), ``unused`` (set up only) or
    ``missing``; what was found; where to fix it; the survey's figure where it gave one."""
    return [
        {
            "point": p.key,
            "label": str(p.label),
            "state": p.state,
            "found": p.found,
            "fix": p.fix,
            "survey": str(p.survey),
        }
        for p in scorecard(request_store(request, store))
    ]
