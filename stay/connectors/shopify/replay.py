"""``stay replay``: a real season's orders pushed through the store's signed webhook endpoint
at N times real time, so an operator can watch Stay keep up (the inbox, the flows, the
insights' forecast learning) before the real rush. Each order goes out as Shopify's
``orders/create`` would send it, signed with the store's secret. It is dated when it is sent,
so the season happens now, N times faster."""

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from stay.orders.inputs import OrderInput

from .signing import sign


def order_payload(order: OrderInput, *, at: datetime, number: int) -> dict[str, Any]:
    """``order`` as the body of Shopify's ``orders/create``, placed at ``at``."""
    stamp = at.astimezone(UTC).isoformat()
    customer = order.customer
    return {
        "id": number,
        "name": order.name,
        "order_number": number,
        "created_at": stamp,
        "processed_at": stamp,
        "updated_at": stamp,
        "currency": order.currency,
        "total_price": str(order.total),
        "subtotal_price": str(order.subtotal),
        "total_discounts": str(order.total_discounts),
        "total_tax": str(order.total_tax),
        "shipping_lines": [{"price": str(order.total_shipping), "title": "Shipping"}] if order.total_shipping else [],
        "financial_status": order.financial_status or "paid",
        "email": order.email or None,
        "phone": order.phone or None,
        "tags": ", ".join(order.tags),
        "source_name": "replay",
        "customer": (
            {
                "id": customer.platform_id or f"replay-{customer.email or customer.phone}",
                "email": customer.email or None,
                "phone": customer.phone or None,
                "first_name": customer.name or None,
            }
            if customer is not None
            else None
        ),
        "line_items": [
            {
                "id": f"{number}-{position}",
                "title": line.title,
                "quantity": line.quantity,
                "price": str(line.unit_price),
                "sku": line.sku or None,
                "product_id": line.product_platform_id or None,
                "variant_id": line.variant_platform_id or None,
            }
            for position, line in enumerate(order.lines, start=1)
        ],
    }


@dataclass
class Replayed:
    sent: int = 0
    refused: list[str] = field(default_factory=list)  # what the endpoint said no to, and why
    behind_seconds: float = 0.0  # the most an order went out later than its time


def replay(
    orders: Iterable[OrderInput],
    *,
    url: str,
    secret: str,
    speed: float,
    post: Callable[..., httpx.Response] | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Replayed:
    """Send each of ``orders`` (oldest first) to ``url`` when its turn comes: the gaps between
    their dates divided by ``speed``."""
    ordered = sorted(orders, key=lambda order: order.placed_at)
    result = Replayed()
    if not ordered:
        return result
    if post is None:
        with httpx.Client(timeout=30) as client:
            return replay(ordered, url=url, secret=secret, speed=speed, post=client.post, clock=clock, sleep=sleep)
    send = post
    first, started = ordered[0].placed_at, clock()
    base = int(time.time() * 1000)  # order ids: unique for this run
    for n, order in enumerate(ordered, start=1):
        due = started + (order.placed_at - first).total_seconds() / speed
        wait = due - clock()
        if wait > 0:
            sleep(wait)
        else:
            result.behind_seconds = max(result.behind_seconds, -wait)
        body = json.dumps(order_payload(order, at=datetime.now(UTC), number=base + n), default=_plain).encode()
        response = send(
            url,
            content=body,
            headers={
                "Content-Type": "application/json",
                "X-Shopify-Topic": "orders/create",
                "X-Shopify-Hmac-Sha256": sign(body, secret),
                "X-Shopify-Webhook-Id": f"replay-{uuid.uuid4()}",
            },
        )
        if response.status_code == 200:
            result.sent += 1
        else:
            result.refused.append(f"order {order.name}: HTTP {response.status_code} {response.text[:200]}")
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON")
