"""Orders, fulfilments, refunds and checkouts as the outside world describes them, parsed and
ready for :mod:`stay.orders.services`. Connectors, the importer and the demo all build these."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from stay.customers.inputs import CustomerInput

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class LineInput:
    platform_id: str
    title: str
    quantity: int
    unit_price: Decimal
    total_discount: Decimal = ZERO
    variant_platform_id: str = ""
    product_platform_id: str = ""
    sku: str = ""
    variant_title: str = ""
    is_gift_card: bool = False
    requires_shipping: bool = True
    # What the shopper typed on the product page, e.g. a gift card's "Recipient email".
    properties: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class TrackingEventInput:
    status: str
    happened_at: datetime
    message: str = ""


@dataclass(frozen=True)
class FulfilmentInput:
    platform_id: str
    order_platform_id: str
    status: str = ""
    shipment_status: str = ""
    carrier: str = ""
    tracking_number: str = ""
    tracking_url: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    delivered_at: datetime | None = None
    lines: tuple[tuple[str, int], ...] = ()  # (line platform id, quantity)
    events: tuple[TrackingEventInput, ...] = ()


@dataclass(frozen=True)
class RefundLineInput:
    line_platform_id: str
    quantity: int
    subtotal: Decimal = ZERO
    restock_type: str = ""


@dataclass(frozen=True)
class RefundInput:
    platform_id: str
    order_platform_id: str
    amount: Decimal
    created_at: datetime
    reason: str = ""
    lines: tuple[RefundLineInput, ...] = ()


@dataclass(frozen=True)
class OrderInput:
    platform_id: str
    name: str
    placed_at: datetime
    currency: str
    total: Decimal
    lines: tuple[LineInput, ...]
    number: str = ""
    customer: CustomerInput | None = None
    email: str = ""
    phone: str = ""
    locale: str = ""
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str = ""
    closed_at: datetime | None = None
    subtotal: Decimal = ZERO
    total_discounts: Decimal = ZERO
    total_shipping: Decimal = ZERO
    total_tax: Decimal = ZERO
    financial_status: str = ""
    fulfillment_status: str = ""
    discount_codes: tuple[dict, ...] = ()
    shipping_address: dict | None = None
    billing_address: dict | None = None
    is_gift: bool = False
    gift_message: str = ""
    note: str = ""
    tags: tuple[str, ...] = ()
    source: str = ""
    fulfilments: tuple[FulfilmentInput, ...] = ()
    refunds: tuple[RefundInput, ...] = ()


@dataclass(frozen=True)
class CheckoutLineInput:
    title: str
    quantity: int
    unit_price: Decimal
    variant_platform_id: str = ""


@dataclass(frozen=True)
class CheckoutInput:
    token: str
    lines: tuple[CheckoutLineInput, ...] = ()
    platform_id: str = ""
    customer: CustomerInput | None = None
    email: str = ""
    phone: str = ""
    currency: str = ""
    total: Decimal = ZERO
    recovery_url: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
