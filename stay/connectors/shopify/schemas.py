"""Shopify's REST resources as its webhooks send them (only the fields Stay uses).

Unknown fields are ignored, money arrives as strings, most fields may be null. Validation
errors name the field path, so a 400 says exactly what is wrong.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

Id = int | str


class Resource(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=False)


class Money(Resource):
    amount: Decimal
    currency_code: str | None = None


class MoneySet(Resource):
    shop_money: Money


class Consent(Resource):
    state: str | None = None
    opt_in_level: str | None = None
    consent_updated_at: datetime | None = None
    consent_collected_from: str | None = None


class Address(Resource):
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    company: str | None = None
    address1: str | None = None
    address2: str | None = None
    city: str | None = None
    province: str | None = None
    province_code: str | None = None
    zip: str | None = None
    country: str | None = None
    country_code: str | None = None
    phone: str | None = None


class Customer(Resource):
    id: Id
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    locale: str | None = None
    note: str | None = None
    tags: str | None = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    email_marketing_consent: Consent | None = None
    sms_marketing_consent: Consent | None = None
    default_address: Address | None = None


class DiscountAllocation(Resource):
    amount: Decimal


class LineProperty(Resource):
    name: str
    value: str | int | float | bool | None = None


class LineItem(Resource):
    id: Id
    title: str
    quantity: int = Field(ge=0)
    price: Decimal
    variant_id: Id | None = None
    product_id: Id | None = None
    sku: str | None = None
    variant_title: str | None = None
    total_discount: Decimal = Decimal("0")
    gift_card: bool = False
    requires_shipping: bool = True
    discount_allocations: list[DiscountAllocation] = []
    properties: list[LineProperty] = []


class ShippingLine(Resource):
    price: Decimal = Decimal("0")
    title: str | None = None


class DiscountCode(Resource):
    code: str
    amount: Decimal = Decimal("0")
    type: str | None = None


class NoteAttribute(Resource):
    name: str
    value: Any = None


class FulfillmentLineItem(Resource):
    id: Id
    quantity: int = Field(ge=0)


class Fulfillment(Resource):
    id: Id
    order_id: Id
    status: str | None = None
    shipment_status: str | None = None
    tracking_company: str | None = None
    tracking_number: str | None = None
    tracking_numbers: list[str] = []
    tracking_url: str | None = None
    tracking_urls: list[str] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None
    line_items: list[FulfillmentLineItem] = []


class RefundLineItem(Resource):
    line_item_id: Id
    quantity: int = Field(ge=0)
    subtotal: Decimal = Decimal("0")
    restock_type: str | None = None


class Transaction(Resource):
    amount: Decimal
    kind: str | None = None
    status: str | None = None


class Refund(Resource):
    id: Id
    order_id: Id
    created_at: datetime
    note: str | None = None
    refund_line_items: list[RefundLineItem] = []
    transactions: list[Transaction] = []


class Order(Resource):
    id: Id
    name: str
    created_at: datetime
    currency: str = Field(min_length=3, max_length=3)
    total_price: Decimal = Field(ge=0)
    line_items: list[LineItem]
    order_number: int | str | None = None
    email: str | None = None
    contact_email: str | None = None
    phone: str | None = None
    customer_locale: str | None = None
    processed_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: str | None = None
    closed_at: datetime | None = None
    subtotal_price: Decimal = Decimal("0")
    total_discounts: Decimal = Decimal("0")
    total_tax: Decimal = Decimal("0")
    total_shipping_price_set: MoneySet | None = None
    shipping_lines: list[ShippingLine] = []
    financial_status: str | None = None
    fulfillment_status: str | None = None
    discount_codes: list[DiscountCode] = []
    note: str | None = None
    note_attributes: list[NoteAttribute] = []
    tags: str | None = ""
    source_name: str | None = None
    buyer_accepts_marketing: bool | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    fulfillments: list[Fulfillment] = []
    refunds: list[Refund] = []


class Variant(Resource):
    id: Id
    price: Decimal = Field(ge=0)
    title: str | None = None
    sku: str | None = None
    position: int | None = None
    option1: str | None = None
    option2: str | None = None
    option3: str | None = None
    barcode: str | None = None
    compare_at_price: Decimal | None = None
    inventory_item_id: Id | None = None
    inventory_quantity: int | None = None
    inventory_management: str | None = None


class ProductOption(Resource):
    name: str
    position: int | None = None


class Product(Resource):
    id: Id
    title: str
    handle: str | None = None
    vendor: str | None = None
    product_type: str | None = None
    status: str | None = "active"
    tags: str | None = ""
    updated_at: datetime | None = None
    options: list[ProductOption] = []
    variants: list[Variant] = []


class ProductDeleted(Resource):
    id: Id


class InventoryLevel(Resource):
    inventory_item_id: Id
    location_id: Id
    available: int | None
    updated_at: datetime | None = None


class CheckoutLineItem(Resource):
    title: str
    quantity: int = Field(ge=0)
    price: Decimal = Decimal("0")
    variant_id: Id | None = None


class Checkout(Resource):
    token: str
    id: Id | None = None
    email: str | None = None
    phone: str | None = None
    currency: str | None = None
    total_price: Decimal = Decimal("0")
    abandoned_checkout_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    completed_at: datetime | None = None
    customer: Customer | None = None
    line_items: list[CheckoutLineItem] = []

    @field_validator("token")
    @classmethod
    def token_not_empty(cls, value: str) -> str:
        if not value:
            raise ValueError("must not be empty")
        return value
