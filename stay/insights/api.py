"""``/api/v1/insights/...``: each retention figure as JSON, for stores that chart them
elsewhere. Read with an API token; ``store`` names the store for a token that may read several."""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router

from stay.core.api import request_store
from stay.core.errors import InvalidInput

from . import selectors
from .models import Source
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
