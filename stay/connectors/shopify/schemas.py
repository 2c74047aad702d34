"""Shopify's REST resources as its webhooks send them (only the fields Stay uses).

Unknown fields are ignored, money arrives as strings, most fields may be null. Validation
errors name the field path, so a 400 says exactly what is wrong.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints, field_validator, model_validator

# Sizes and ranges are checked here, at the door, so a delivery that could never be stored is
# a 400 naming the field, not a row that fails in the worker (issue 18 #4). An id is a whole
# number or a short string: ``true`` is not an id (it became 1 and overwrote order #1001).
Id = Annotated[StrictInt, Field(ge=0, le=2**63 - 1)] | Annotated[str, StringConstraints(min_length=1, max_length=64)]
Quantity = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
# What DECIMAL(14, 2) holds.
Amount = Annotated[Decimal, Field(ge=Decimal("-999999999999.99"), le=Decimal("999999999999.99"), allow_inf_nan=False)]


# Text of at most N characters: the size of the column it fills.
Text3 = Annotated[str, StringConstraints(max_length=3)]
Text20 = Annotated[str, StringConstraints(max_length=20)]
Text24 = Annotated[str, StringConstraints(max_length=24)]
Text32 = Annotated[str, StringConstraints(max_length=32)]
Text40 = Annotated[str, StringConstraints(max_length=40)]
Text64 = Annotated[str, StringConstraints(max_length=64)]
Text100 = Annotated[str, StringConstraints(max_length=100)]
Text254 = Annotated[str, StringConstraints(max_length=254)]
Text255 = Annotated[str, StringConstraints(max_length=255)]
Text500 = Annotated[str, StringConstraints(max_length=500)]
Text1000 = Annotated[str, StringConstraints(max_length=1000)]


class Resource(BaseModel):
    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=False)

    @model_validator(mode="before")
    @classmethod
    def no_nul(cls, data: Any) -> Any:
        # PostgreSQL's text cannot hold a NUL character: refused here, naming the field.
        if isinstance(data, dict):
            for key, value in data.items():
                if isinstance(value, str) and "\x00" in value:
                    raise ValueError(f"{key} contains a NUL character")
        return data


class Money(Resource):
    amount: Amount
    currency_code: Text3 | None = None


class MoneySet(Resource):
    shop_money: Money


class Consent(Resource):
    state: str | None = None
    opt_in_level: str | None = None
    consent_updated_at: datetime | None = None
    consent_collected_from: str | None = None


class Address(Resource):
    first_name: Text100 | None = None
    last_name: Text100 | None = None
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
    phone: Text32 | None = None


class Customer(Resource):
    id: Id
    email: Text254 | None = None
    phone: Text32 | None = None
    first_name: Text100 | None = None
    last_name: Text100 | None = None
    locale: str | None = None
    note: str | None = None
    tags: str | None = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    email_marketing_consent: Consent | None = None
    sms_marketing_consent: Consent | None = None
    default_address: Address | None = None


class DiscountAllocation(Resource):
    amount: Amount


class LineProperty(Resource):
    name: str
    value: str | int | float | bool | None = None


class LineItem(Resource):
    id: Id
    title: Text255
    quantity: Quantity
    price: Amount
    variant_id: Id | None = None
    product_id: Id | None = None
    sku: Text100 | None = None
    variant_title: Text255 | None = None
    total_discount: Amount = Decimal("0")
    gift_card: bool = False
    requires_shipping: bool = True
    discount_allocations: list[DiscountAllocation] = []
    properties: list[LineProperty] = []


class ShippingLine(Resource):
    price: Amount = Decimal("0")
    title: Text255 | None = None


class DiscountCode(Resource):
    code: str
    amount: Amount = Decimal("0")
    type: str | None = None


class NoteAttribute(Resource):
    name: str
    value: Any = None


class FulfillmentLineItem(Resource):
    id: Id
    quantity: Quantity


class Fulfillment(Resource):
    id: Id
    order_id: Id
    status: Text24 | None = None
    shipment_status: Text32 | None = None
    tracking_company: Text100 | None = None
    tracking_number: Text100 | None = None
    tracking_numbers: list[str] = []
    tracking_url: Text500 | None = None
    tracking_urls: list[str] = []
    created_at: datetime | None = None
    updated_at: datetime | None = None
    line_items: list[FulfillmentLineItem] = []


class RefundLineItem(Resource):
    line_item_id: Id
    quantity: Quantity
    subtotal: Amount = Decimal("0")
    restock_type: Text20 | None = None


class Transaction(Resource):
    amount: Amount
    kind: str | None = None
    status: Text24 | None = None


class Refund(Resource):
    id: Id
    order_id: Id
    created_at: datetime
    note: str | None = None
    refund_line_items: list[RefundLineItem] = []
    transactions: list[Transaction] = []


class Order(Resource):
    id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    created_at: datetime
    currency: str = Field(min_length=3, max_length=3)
    total_price: Amount = Field(ge=0)
    line_items: list[LineItem]
    order_number: Annotated[StrictInt, Field(ge=0, le=10**15)] | Text32 | None = None
    email: Text254 | None = None
    contact_email: Text254 | None = None
    phone: Text32 | None = None
    customer_locale: str | None = None
    processed_at: datetime | None = None
    updated_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancel_reason: Text40 | None = None
    closed_at: datetime | None = None
    subtotal_price: Amount = Decimal("0")
    total_discounts: Amount = Decimal("0")
    total_tax: Amount = Decimal("0")
    total_shipping_price_set: MoneySet | None = None
    shipping_lines: list[ShippingLine] = []
    financial_status: Text24 | None = None
    fulfillment_status: Text24 | None = None
    discount_codes: list[DiscountCode] = []
    note: str | None = None
    note_attributes: list[NoteAttribute] = []
    tags: str | None = ""
    source_name: Text40 | None = None
    buyer_accepts_marketing: bool | None = None
    customer: Customer | None = None
    shipping_address: Address | None = None
    billing_address: Address | None = None
    fulfillments: list[Fulfillment] = []
    refunds: list[Refund] = []


class Variant(Resource):
    id: Id
    price: Amount = Field(ge=0)
    title: Text255 | None = None
    sku: Text100 | None = None
    position: Annotated[int, Field(ge=0, le=10**6)] | None = None
    option1: Text255 | None = None
    option2: Text255 | None = None
    option3: Text255 | None = None
    barcode: Text64 | None = None
    compare_at_price: Amount | None = None
    inventory_item_id: Id | None = None
    inventory_quantity: Annotated[StrictInt, Field(ge=-(10**9), le=10**9)] | None = None
    inventory_management: str | None = None


class ProductOption(Resource):
    name: str
    position: Annotated[int, Field(ge=0, le=10**6)] | None = None


class Product(Resource):
    id: Id
    title: Text255
    handle: Text255 | None = None
    vendor: Text255 | None = None
    product_type: Text255 | None = None
    status: Text24 | None = "active"
    tags: str | None = ""
    updated_at: datetime | None = None
    options: list[ProductOption] = []
    variants: list[Variant] = []


class ProductDeleted(Resource):
    id: Id


class InventoryLevel(Resource):
    inventory_item_id: Id
    location_id: Id
    available: Annotated[StrictInt, Field(ge=-(10**9), le=10**9)] | None
    updated_at: datetime | None = None


class CheckoutLineItem(Resource):
    title: Text255
    quantity: Quantity
    price: Amount = Decimal("0")
    variant_id: Id | None = None


class Checkout(Resource):
    token: Text100
    id: Id | None = None
    email: Text254 | None = None
    phone: Text32 | None = None
    currency: str | None = None
    total_price: Amount = Decimal("0")
    abandoned_checkout_url: Text1000 | None = None
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


# The privacy webhooks every Shopify app must handle (GDPR): a customer asks for their data,
# a customer asks to be erased, a shop that uninstalled the app asks for everything to go.
class PrivacyCustomer(Resource):
    id: Id | None = None
    email: Text254 | None = None
    phone: Text32 | None = None


class DataRequestId(Resource):
    id: Id | None = None


class CustomerDataRequest(Resource):
    shop_domain: Text255 | None = None
    customer: PrivacyCustomer
    orders_requested: list[Id] = []
    data_request: DataRequestId | None = None


class CustomerRedact(Resource):
    shop_domain: Text255 | None = None
    customer: PrivacyCustomer
    orders_to_redact: list[Id] = []


class ShopRedact(Resource):
    shop_domain: Text255 | None = None
