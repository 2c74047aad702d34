"""``/api/v1/orders`` and ``/api/v1/customers``: a customer is served with their orders, so
both routers live here, in the lowest app that knows orders and customers."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from stay.core.api import Pages, request_store
from stay.core.privacy import audit
from stay.customers.models import Customer, IdentityKind
from stay.customers.selectors import consent_current, customer_get
from stay.customers.services import customer_merge

from . import selectors

orders_router = Router(tags=["orders"])
customers_router = Router(tags=["customers"])


class LineOut(Schema):
    id: int
    platform_id: str
    title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: Decimal
    total_discount: Decimal
    is_gift_card: bool
    variant_id: int | None


class TrackingEventOut(Schema):
    status: str
    happened_at: datetime
    message: str


class FulfilmentOut(Schema):
    id: int
    status: str
    shipment_status: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: datetime | None
    delivered_at: datetime | None
    events: list[TrackingEventOut]


class RefundOut(Schema):
    id: int
    amount: Decimal
    reason: str
    refunded_at: datetime


class OrderSummary(Schema):
    id: int
    platform_id: str
    name: str
    customer_id: int | None
    email: str
    placed_at: datetime
    currency: str
    total: Decimal
    total_refunded: Decimal
    financial_status: str
    fulfillment_status: str
    cancelled_at: datetime | None
    is_gift: bool


class OrderOut(OrderSummary):
    subtotal: Decimal
    total_discounts: Decimal
    total_shipping: Decimal
    total_tax: Decimal
    discount_codes: list[dict[str, Any]]
    shipping_address: dict[str, Any] | None
    gift_message: str
    note: str
    tags: list[str]
    lines: list[LineOut]
    fulfilments: list[FulfilmentOut]
    refunds: list[RefundOut]


class IdentityOut(Schema):
    kind: str
    value: str
    verified: bool


class ConsentOut(Schema):
    channel: str
    state: str
    occurred_at: datetime
    source: str


class CustomerSummary(Schema):
    id: int
    name: str
    email: str | None
    phone: str | None
    locale: str
    tags: list[str]
    orders_count: int
    total_spent: Decimal
    first_order_at: datetime | None
    last_order_at: datetime | None

    @staticmethod
    def _first(customer: Customer, *kinds: str) -> str | None:
        return next((i.value for i in customer.identities.all() if i.kind in kinds), None)

    @staticmethod
    def resolve_email(customer: Customer) -> str | None:
        return CustomerSummary._first(customer, IdentityKind.EMAIL)

    @staticmethod
    def resolve_phone(customer: Customer) -> str | None:
        return CustomerSummary._first(customer, IdentityKind.PHONE, IdentityKind.WHATSAPP)


class CustomerOut(CustomerSummary):
    timezone: str
    note: str
    identities: list[IdentityOut]
    consent: list[ConsentOut]
    recent_orders: list[OrderSummary]


class MergeIn(Schema):
    merge_id: int


@orders_router.get("", response=list[OrderSummary], summary="List orders, newest first")
@paginate(Pages)
def list_orders(  # type: ignore[no-untyped-def]
    request: HttpRequest, q: str = "", customer_id: int | None = None, store: str | None = None
):
    """``q`` matches an order number (``1001`` or ``#1001``) or the order's email."""
    return selectors.order_list(store=request_store(request, store), customer_id=customer_id, q=q)


@orders_router.get("/{order_id}", response=OrderOut, summary="One order with lines, fulfilments and refunds")
def get_order(request: HttpRequest, order_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return selectors.order_get(store=request_store(request, store), order_id=order_id)


@customers_router.get("", response=list[CustomerSummary], summary="Search customers")
@paginate(Pages)
def list_customers(request: HttpRequest, q: str = "", store: str | None = None):  # type: ignore[no-untyped-def]
    """``q`` matches an email, a phone number (any format), part of a name, or an order number."""
    return selectors.customer_search(store=request_store(request, store), q=q).prefetch_related("identities")


def _customer_out(customer: Customer) -> Customer:
    customer.consent = list(consent_current(customer).values())  # type: ignore[attr-defined]
    customer.recent_orders = selectors.orders_of_customer(customer=customer)  # type: ignore[attr-defined]
    return customer


@customers_router.get("/{customer_id}", response=CustomerOut, summary="A customer with identities, consent and orders")
def get_customer(request: HttpRequest, customer_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    """Each read is recorded in the personal data audit trail."""
    shop = request_store(request, store)
    customer = customer_get(store=shop, customer_id=customer_id)
    audit(store=shop, actor=f"api:{request.user.get_username()}", action="read", customer_id=customer.pk, via="api")
    return _customer_out(customer)


@customers_router.post("/{customer_id}/merge", response=CustomerOut, summary="Merge another customer into this one")
def merge_customer(request: HttpRequest, customer_id: int, body: MergeIn, store: str | None = None):  # type: ignore[no-untyped-def]
    """Everything of ``merge_id`` (identities, consent, orders, events) moves to ``customer_id``."""
    shop = request_store(request, store)
    survivor = customer_merge(
        survivor=customer_get(store=shop, customer_id=customer_id),
        merged=customer_get(store=shop, customer_id=body.merge_id),
        actor=f"user:{request.user.get_username()}",
    )
    return _customer_out(customer_get(store=shop, customer_id=survivor.pk))
