"""A small stand-in for a Shopify store, over real HTTP on 127.0.0.1.

- ``FakeShopify`` serves the Admin REST endpoints :mod:`.client` calls (refunds, cancel,
  create order, adjust inventory), checks the access token, keeps what it was asked in
  memory and answers in Shopify's shapes.
- ``send_webhook`` posts a payload to Stay the way Shopify does: signed body and headers.
"""

import itertools
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from stay.core.fakehttp import FakeServer, Request

from .signing import sign


class FakeShopify(FakeServer):
    def __init__(self, *, token: str = "shpat_test", api_version: str = "2025-01"):
        super().__init__()
        self.token, self.api_version = token, api_version
        self.calls: list[tuple[str, str, Any]] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.levels: dict[tuple[str, str], int] = {}
        self.price_rules: dict[int, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}  # by lower-case code: unique per shop
        self._ids = itertools.count(9_000_000_000)

    def _now(self) -> str:
        return datetime.now(UTC).isoformat(timespec="seconds")

    def handle(self, request: Request) -> tuple[int, Any] | tuple[int, Any, dict[str, str]]:
        if request.headers.get("x-shopify-access-token") != self.token:
            return 401, {"errors": "[API] Invalid API key or access token"}
        try:
            body = request.json()
        except ValueError:
            return 400, {"errors": "invalid JSON"}
        method, path = request.method, request.path
        prefix = f"/admin/api/{self.api_version}"
        if not path.startswith(prefix):
            return 404, {"errors": "Not Found"}
        path = path[len(prefix) :]
        with self.lock:
            self.calls.append((method, path, body))
            parts = path.strip("/").removesuffix(".json").split("/")
            if method == "POST" and parts == ["orders"]:
                return self._create_order(body)
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "cancel":
                return self._cancel(parts[1])
            if method == "POST" and len(parts) == 3 and parts[0] == "orders" and parts[2] == "refunds":
                return self._refund(parts[1], body)
            if method == "POST" and parts == ["inventory_levels", "adjust"]:
                return self._adjust(body)
            if method == "POST" and parts == ["price_rules"]:
                return self._price_rule(body)
            if method == "PUT" and len(parts) == 2 and parts[0] == "price_rules":
                return self._price_rule_update(parts[1], body)
            if method == "POST" and len(parts) == 3 and parts[0] == "price_rules" and parts[2] == "discount_codes":
                return self._discount_code(parts[1], body)
            if method == "GET" and parts == ["discount_codes", "lookup"]:
                found = self.codes.get(request.query.get("code", [""])[0].lower())
                if not found:
                    return 404, {"errors": "Not Found"}
                # As Shopify: 303 See Other to the code's own address, with a page saying so.
                rule, code_id = found["price_rule_id"], found["id"]
                where = f"{self.base_url}{prefix}/price_rules/{rule}/discount_codes/{code_id}.json"
                page = b'<html><body>You are being <a href="">redirected</a>.</body></html>'
                return 303, page, {"Location": where}
        return 404, {"errors": "Not Found"}

    def _create_order(self, body: Any) -> tuple[int, dict[str, Any]]:
        order = (body or {}).get("order")
        if not order or not order.get("line_items"):
            return 422, {"errors": {"line_items": ["can't be blank"]}}
        order_id = str(next(self._ids))
        number = 5000 + len(self.orders)
        stored = {
            **order,
            "id": int(order_id),
            "name": f"#{number}",
            "order_number": number,
            "created_at": self._now(),
            "updated_at": self._now(),
            "cancelled_at": None,
        }
        self.orders[order_id] = stored
        return 201, {"order": stored}

    def _cancel(self, order_id: str) -> tuple[int, dict[str, Any]]:
        order = self.orders.setdefault(order_id, {"id": int(order_id) if order_id.isdigit() else order_id})
        if order.get("cancelled_at"):
            return 422, {"error": "Order has already been cancelled"}
        order["cancelled_at"] = order["updated_at"] = self._now()
        return 200, {"order": order}

    def _refund(self, order_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        refund = (body or {}).get("refund")
        if refund is None:
            return 400, {"errors": {"refund": "Required parameter missing or invalid"}}
        stored = {
            **refund,
            "id": next(self._ids),
            "order_id": int(order_id) if order_id.isdigit() else order_id,
            "created_at": self._now(),
            "transactions": [{**t, "kind": "refund", "status": "success"} for t in refund.get("transactions", [])],
        }
        self.orders.setdefault(order_id, {}).setdefault("refunds", []).append(stored)
        return 201, {"refund": stored}

    def _price_rule(self, body: Any) -> tuple[int, dict[str, Any]]:
        rule = (body or {}).get("price_rule") or {}
        missing = [k for k in ("title", "value_type", "value", "target_type", "starts_at") if not rule.get(k)]
        if missing or rule.get("value_type") not in ("fixed_amount", "percentage"):
            return 422, {"errors": {name: ["can't be blank"] for name in missing} or {"value_type": ["is invalid"]}}
        if not str(rule["value"]).startswith("-"):
            return 422, {"errors": {"value": ["must be less than or equal to 0"]}}
        if rule["target_type"] == "shipping_line" and rule.get("allocation_method") != "each":
            return 422, {"errors": {"allocation_method": ["must be each for shipping lines"]}}
        if rule.get("target_selection") == "entitled" and not rule.get("entitled_variant_ids"):
            return 422, {"errors": {"entitled_variant_ids": ["can't be blank"]}}
        if problem := self._customers_problem(rule):
            return problem
        stored = {**rule, "id": next(self._ids), "created_at": self._now()}
        self.price_rules[stored["id"]] = stored
        return 201, {"price_rule": stored}

    @staticmethod
    def _customers_problem(rule: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
        if rule.get("customer_selection") != "prerequisite":
            return None
        ids = rule.get("prerequisite_customer_ids")
        if not ids or not all(isinstance(i, int) for i in ids):
            return 422, {"errors": {"prerequisite_customer_ids": ["can't be blank when customers are prerequisite"]}}
        return None

    def _price_rule_update(self, rule_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        if not rule_id.isdigit() or int(rule_id) not in self.price_rules:
            return 404, {"errors": "Not Found"}
        change = (body or {}).get("price_rule")
        if not isinstance(change, dict):
            return 400, {"errors": {"price_rule": "Required parameter missing or invalid"}}
        updated = {**self.price_rules[int(rule_id)], **change, "id": int(rule_id), "updated_at": self._now()}
        if problem := self._customers_problem(updated):
            return problem
        self.price_rules[int(rule_id)] = updated
        return 200, {"price_rule": updated}

    def _discount_code(self, rule_id: str, body: Any) -> tuple[int, dict[str, Any]]:
        code = str(((body or {}).get("discount_code") or {}).get("code") or "")
        if not rule_id.isdigit() or int(rule_id) not in self.price_rules:
            return 404, {"errors": "Not Found"}
        if not code or code.lower() in self.codes:
            return 422, {"errors": {"code": ["must be unique. Please try a different code."]}}
        stored = {"id": next(self._ids), "price_rule_id": int(rule_id), "code": code, "usage_count": 0}
        self.codes[code.lower()] = stored
        return 201, {"discount_code": stored}

    def _adjust(self, body: Any) -> tuple[int, dict[str, Any]]:
        try:
            key = (str(body["inventory_item_id"]), str(body["location_id"]))
            delta = int(body["available_adjustment"])
        except (KeyError, TypeError, ValueError):
            return 422, {"errors": "inventory_item_id, location_id and available_adjustment are required"}
        self.levels[key] = self.levels.get(key, 0) + delta
        return 200, {
            "inventory_level": {
                "inventory_item_id": body["inventory_item_id"],
                "location_id": body["location_id"],
                "available": self.levels[key],
                "updated_at": self._now(),
            }
        }


def webhook_headers(
    body: bytes, *, topic: str, secret: str, webhook_id: str | None = None, shop: str = "demo.myshopify.com"
) -> dict[str, str]:
    """The headers Shopify sends with a webhook."""
    return {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-API-Version": "2025-01",
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Triggered-At": datetime.now(UTC).isoformat(),
    }


def send_webhook(
    url: str, payload: dict[str, Any], *, topic: str, secret: str, webhook_id: str | None = None
) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(
        url, content=body, headers=webhook_headers(body, topic=topic, secret=secret, webhook_id=webhook_id)
    )
