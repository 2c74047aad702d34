"""Calls back to the platform, in the Shopify Admin REST API's shapes.

The base URL is configurable per store, so tests (and other platforms speaking the same
shapes) can stand in for Shopify; see ``fake.py``.
"""

import re
from decimal import Decimal
from typing import Any

import httpx

from stay.core.errors import StayError
from stay.core.models import Store

API_VERSION = "2025-01"


class ShopifyError(StayError):
    def __init__(self, message: str, *, status: int = 0, body: str = ""):
        super().__init__(message)
        self.status, self.body = status, body


class ShopifyClient:
    def __init__(self, *, base_url: str, token: str, api_version: str = API_VERSION, timeout: float = 15.0):
        if not base_url:
            raise ShopifyError("the store has no API base URL; set it in the admin")
        self._http = httpx.Client(
            base_url=f"{base_url.rstrip('/')}/admin/api/{api_version}",
            headers={"X-Shopify-Access-Token": token, "Accept": "application/json"},
            timeout=timeout,
        )

    @classmethod
    def for_store(cls, store: Store) -> "ShopifyClient":
        return cls(base_url=store.api_base_url, token=store.api_token)

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        return self._send("POST", path, body, key)

    def _send(self, method: str, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
        try:
            response = self._http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise ShopifyError(f"could not reach the platform: {exc}") from exc
        if response.status_code >= 400:
            raise ShopifyError(
                f"the platform answered {response.status_code} to {method} {path}: {response.text[:300]}",
                status=response.status_code,
                body=response.text,
            )
        data = response.json()
        if key not in data:
            raise ShopifyError(
                f"the platform's answer to {method} {path} has no {key!r}",
                status=response.status_code,
                body=response.text,
            )
        return data[key]

    def create_refund(
        self,
        *,
        order_id: str,
        line_items: list[dict[str, Any]],
        note: str = "",
        notify: bool = True,
        currency: str = "",
        transactions: list[dict[str, Any]] | None = None,
        shipping_amount: Decimal | None = None,
    ) -> dict[str, Any]:
        refund: dict[str, Any] = {"notify": notify, "note": note, "refund_line_items": line_items}
        if currency:
            refund["currency"] = currency
        if transactions:
            refund["transactions"] = [{**t, "amount": str(t["amount"])} for t in transactions]
        if shipping_amount is not None:
            refund["shipping"] = {"amount": str(shipping_amount)}
        return self._post(f"/orders/{order_id}/refunds.json", {"refund": refund}, "refund")

    def cancel_order(self, *, order_id: str, reason: str = "customer", email: bool = True) -> dict[str, Any]:
        return self._post(f"/orders/{order_id}/cancel.json", {"reason": reason, "email": email}, "order")

    def create_order(
        self,
        *,
        line_items: list[dict[str, Any]],
        customer_id: str = "",
        email: str = "",
        shipping_address: dict[str, Any] | None = None,
        note: str = "",
        tags: list[str] | None = None,
        financial_status: str = "paid",
        currency: str = "",
    ) -> dict[str, Any]:
        """Create an order, e.g. a free replacement or an exchange. Lines: ``variant_id``,
        ``quantity`` and optionally ``price``."""
        order: dict[str, Any] = {
            "line_items": [{**ln, "price": str(ln["price"])} if "price" in ln else ln for ln in line_items],
            "financial_status": financial_status,
            "note": note,
            "tags": ", ".join(tags or []),
            "send_receipt": True,
            "inventory_behaviour": "decrement_obeying_policy",
        }
        if customer_id:
            order["customer"] = {"id": int(customer_id) if customer_id.isdigit() else customer_id}
        elif email:
            order["email"] = email
        if shipping_address:
            order["shipping_address"] = shipping_address
        if currency:
            order["currency"] = currency
        return self._post("/orders.json", {"order": order}, "order")

    def adjust_inventory(self, *, inventory_item_id: str, location_id: str, delta: int) -> dict[str, Any]:
        body = {
            "inventory_item_id": _id(inventory_item_id),
            "location_id": _id(location_id),
            "available_adjustment": delta,
        }
        return self._post("/inventory_levels/adjust.json", body, "inventory_level")

    def create_discount(
        self,
        *,
        code: str,
        value_type: str,
        value: str,
        minimum: str = "",
        starts_at: str,
        ends_at: str = "",
        customer_id: str = "",
        title: str = "",
        target: str = "line_item",
        variant_id: str = "",
    ) -> dict[str, Any]:
        """A single-use discount code: a price rule (``value_type`` fixed_amount or percentage,
        ``value`` a positive amount, one use, once per customer, for that customer when the
        platform knows them) and its code. ``target`` shipping_line takes it off the shipping
        (free shipping at 100%); ``variant_id`` gives it on one unit of that variant only (a
        free product at 100%). Sent again after a failure half-way, it finds the code it made
        (codes are unique per shop) instead of making a second rule."""
        found = self._lookup_code(code)
        if found is not None:
            return found
        rule: dict[str, Any] = {
            "title": title or code,
            "target_type": "line_item",
            "target_selection": "all",
            "allocation_method": "across",
            "value_type": value_type,
            "value": f"-{value}",
            "usage_limit": 1,
            "once_per_customer": True,
            "starts_at": starts_at,
            "customer_selection": "all",
        }
        if target == "shipping_line":
            rule.update(target_type="shipping_line", allocation_method="each")
        elif variant_id:
            rule.update(
                target_selection="entitled",
                entitled_variant_ids=[_id(variant_id)],
                allocation_method="each",
                allocation_limit=1,
            )
        if ends_at:
            rule["ends_at"] = ends_at
        if minimum:
            rule["prerequisite_subtotal_range"] = {"greater_than_or_equal_to": minimum}
        if customer_id.isdigit():
            rule["customer_selection"] = "prerequisite"
            rule["prerequisite_customer_ids"] = [int(customer_id)]
        made = self._post("/price_rules.json", {"price_rule": rule}, "price_rule")
        return self._post(
            f"/price_rules/{made['id']}/discount_codes.json", {"discount_code": {"code": code}}, "discount_code"
        )

    def members_discount(self, *, code: str, title: str, customer_ids: list[str], starts_at: str) -> dict[str, Any]:
        """Free shipping on every order for the listed customers only (a loyalty tier's
        members), under one reusable code: made the first time, its customers replaced on each
        later call. With nobody on the list the rule is ended (Shopify wants a customer for a
        rule that names them), and started again when someone is."""
        ids = sorted({int(c) for c in customer_ids if str(c).isdigit()})
        found = self._lookup_code(code)
        if found is None:
            if not ids:
                return {"code": code, "customers": 0}
            rule = {
                "title": title or code,
                "target_type": "shipping_line",
                "target_selection": "all",
                "allocation_method": "each",
                "value_type": "percentage",
                "value": "-100.0",
                "customer_selection": "prerequisite",
                "prerequisite_customer_ids": ids,
                "starts_at": starts_at,
            }
            made = self._post("/price_rules.json", {"price_rule": rule}, "price_rule")
            return self._post(
                f"/price_rules/{made['id']}/discount_codes.json", {"discount_code": {"code": code}}, "discount_code"
            )
        rule_id = found.get("price_rule_id")
        if not rule_id:
            raise ShopifyError(f"the platform did not say which price rule the code {code} belongs to")
        change: dict[str, Any] = {"id": rule_id}
        if ids:
            change.update(customer_selection="prerequisite", prerequisite_customer_ids=ids, ends_at=None)
        else:
            change["ends_at"] = starts_at  # nobody: ended from now
        self._send("PUT", f"/price_rules/{rule_id}.json", {"price_rule": change}, "price_rule")
        return {**found, "customers": len(ids)}

    def _lookup_code(self, code: str) -> dict[str, Any] | None:
        try:
            response = self._http.get("/discount_codes/lookup.json", params={"code": code})
        except httpx.HTTPError as exc:
            raise ShopifyError(f"could not reach the platform: {exc}") from exc
        if response.status_code in (301, 302, 303):
            # Shopify sends the code's address: .../price_rules/{rule}/discount_codes/{id}.json
            where = re.search(r"price_rules/(\d+)/discount_codes/(\d+)", response.headers.get("location", ""))
            if where is None:
                return {"code": code, "id": ""}
            return {"code": code, "id": int(where.group(2)), "price_rule_id": int(where.group(1))}
        if response.status_code == 200:
            try:
                return response.json().get("discount_code") or {"code": code, "id": ""}
            except ValueError:
                return {"code": code, "id": ""}
        if response.status_code == 404:
            return None
        raise ShopifyError(
            f"the platform answered {response.status_code} to a discount code look-up", status=response.status_code
        )


def _id(value: str) -> int | str:
    return int(value) if str(value).isdigit() else value
