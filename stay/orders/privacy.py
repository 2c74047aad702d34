"""The orders app's part of a person's data (core.privacy): contact details and addresses on
orders and carts. Amounts, lines and refunds stay: they are the store's accounts."""

from typing import Any

from .models import Checkout, Order, OrderLine


def export(customer_id: int) -> dict[str, Any]:
    orders = Order.objects.filter(customer_id=customer_id).prefetch_related("lines", "refunds").order_by("placed_at")
    return {
        "orders": [
            {
                "name": o.name,
                "placed_at": o.placed_at.isoformat(),
                "currency": o.currency,
                "total": str(o.total),
                "total_refunded": str(o.total_refunded),
                "email": o.email,
                "phone": o.phone,
                "shipping_address": o.shipping_address,
                "billing_address": o.billing_address,
                "gift_message": o.gift_message,
                "note": o.note,
                "lines": [
                    {
                        "title": ln.title,
                        "variant": ln.variant_title,
                        "quantity": ln.quantity,
                        "price": str(ln.unit_price),
                    }
                    for ln in o.lines.all()
                ],
                "refunds": [{"amount": str(r.amount), "at": r.refunded_at.isoformat()} for r in o.refunds.all()],
            }
            for o in orders
        ],
        "carts": [
            {"started_at": c.started_at.isoformat() if c.started_at else None, "email": c.email, "total": str(c.total)}
            for c in Checkout.objects.filter(customer_id=customer_id).order_by("id")
        ],
    }


def erase(customer_id: int) -> int:
    orders = Order.objects.filter(customer_id=customer_id)
    changed = orders.update(email="", phone="", shipping_address=None, billing_address=None, gift_message="", note="")
    changed += OrderLine.objects.filter(order__customer_id=customer_id).exclude(properties={}).update(properties={})
    changed += Checkout.objects.filter(customer_id=customer_id).update(email="", phone="", recovery_url="")
    return changed
