"""A small outdoor store with orders to return: jackets in three sizes, socks, a final-sale
cap and stickers, shipped and delivered on dates the tests choose."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

import pytest
from django.utils import timezone

from stay.catalog.inputs import ProductInput, VariantInput
from stay.catalog.models import Variant
from stay.catalog.services import product_upsert
from stay.customers.inputs import CustomerInput
from stay.orders.inputs import FulfilmentInput, LineInput, OrderInput
from stay.orders.models import Order
from stay.orders.services import order_upsert
from stay.returns.services import Pick, Requester, return_request

_ids = count(1000)


@dataclass
class Shop:
    store: object
    jacket_s: Variant
    jacket_m: Variant
    jacket_l: Variant
    socks: Variant
    cap: Variant
    sticker: Variant

    def order(
        self,
        *items: tuple[Variant, int],
        placed: datetime | None = None,
        delivered: datetime | None = None,
        email: str = "mina@example.com",
        shipped: bool = True,
        is_gift: bool = False,
        zip_code: str = "04524",
    ) -> Order:
        n = next(_ids)
        placed = placed or timezone.now() - timedelta(days=12)
        lines = tuple(
            LineInput(
                platform_id=f"L{n}-{i}",
                title=v.product.title,
                variant_title=v.title,
                quantity=q,
                unit_price=v.price,
                variant_platform_id=v.platform_id,
                product_platform_id=v.product.platform_id,
                sku=v.sku,
            )
            for i, (v, q) in enumerate(items)
        )
        fulfilments = ()
        if shipped:
            when = delivered or placed + timedelta(days=2)
            fulfilments = (
                FulfilmentInput(
                    platform_id=f"F{n}",
                    order_platform_id=f"O{n}",
                    status="success",
                    shipment_status="delivered",
                    carrier="CJ",
                    created_at=placed + timedelta(days=1),
                    updated_at=when,
                    delivered_at=when,
                    lines=tuple((ln.platform_id, ln.quantity) for ln in lines),
                ),
            )
        total = sum((v.price * q for v, q in items), Decimal("0"))
        order, _ = order_upsert(
            store=self.store,
            data=OrderInput(
                platform_id=f"O{n}",
                name=f"#{n}",
                number=str(n),
                placed_at=placed,
                currency="USD",
                total=total,
                subtotal=total,
                lines=lines,
                customer=CustomerInput(platform_id=f"C-{email}", email=email, name="Mina Park"),
                email=email,
                financial_status="paid",
                fulfillment_status="fulfilled" if shipped else "",
                shipping_address={"address1": "12 Trail Rd", "city": "Seoul", "zip": zip_code, "country_code": "KR"},
                is_gift=is_gift,
                fulfilments=fulfilments,
            ),
            actor="test",
        )
        return order


def _product(store, pid, title, variants, tags=()):
    product, _ = product_upsert(
        store=store,
        data=ProductInput(
            platform_id=pid,
            title=title,
            tags=tuple(tags),
            product_type="Apparel",
            variants=tuple(
                VariantInput(
                    platform_id=f"{pid}-{t}",
                    title=t,
                    price=Decimal(price),
                    sku=f"{pid}-{t}",
                    inventory_quantity=stock,
                    inventory_item_id=f"inv-{pid}-{t}",
                    options={"Size": t},
                    position=i,
                )
                for i, (t, price, stock) in enumerate(variants, start=1)
            ),
        ),
        actor="test",
    )
    return {v.title: v for v in product.variants.all()}


@pytest.fixture
def shop(store):
    from stay.returns.policy import settings_for

    returns = settings_for(store)  # labels need somewhere to go and a carrier to take them
    returns.return_address, returns.carrier = (
        "Summit Outdoor Returns\n12 Seongsui-ro 7-gil\nSeoul 04780",
        "CJ Logistics",
    )
    returns.save()
    jackets = _product(store, "P1", "Trail Jacket", [("S", "120.00", 3), ("M", "120.00", 5), ("L", "130.00", 1)])
    socks = _product(store, "P2", "Merino Socks", [("One size", "18.00", 40)])
    cap = _product(store, "P3", "Summit Cap", [("One size", "25.00", 9)], tags=["final-sale"])
    sticker = _product(store, "P4", "Trail Sticker", [("One size", "4.00", 100)])
    return Shop(
        store, jackets["S"], jackets["M"], jackets["L"], socks["One size"], cap["One size"], sticker["One size"]
    )


def line_of(order: Order, variant: Variant):
    return order.lines.get(variant=variant)


BUYER = Requester(actor="shopper:test")


def gift_recipient(**kwargs) -> Requester:
    return Requester(actor="shopper:test", gift=True, name="Jun Lee", email="jun@example.com", **kwargs)


def ask(order: Order, *picks: Pick, who: Requester = BUYER, **kwargs):
    ret, _ = return_request(order=order, picks=list(picks), requester=who, **kwargs)
    return ret


def ago(days: int) -> datetime:
    return timezone.now() - timedelta(days=days)


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 15, tzinfo=UTC)
