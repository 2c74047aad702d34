"""Shopify resources → Stay's domain inputs. Pure functions: no database, no I/O."""

import re
from decimal import Decimal

from django.utils import timezone

from stay.catalog.inputs import ProductInput, VariantInput
from stay.customers.inputs import ConsentInput, CustomerInput
from stay.orders.inputs import (
    CheckoutInput,
    CheckoutLineInput,
    FulfilmentInput,
    LineInput,
    OrderInput,
    RefundInput,
    RefundLineInput,
)

from . import schemas as s

SOURCE = "shopify"
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_GIFT_FLAGS = {"gift", "is_gift", "is gift", "this is a gift"}
_GIFT_MESSAGES = {"gift_message", "gift message", "gift note", "gift_note", "message"}
_CONSENT_STATES = {"subscribed", "not_subscribed", "unsubscribed", "pending"}


def tags(value: str | None) -> tuple[str, ...]:
    return tuple(t.strip() for t in (value or "").split(",") if t.strip())


def person_name(first: str | None, last: str | None) -> str:
    first, last = (first or "").strip(), (last or "").strip()
    if _HANGUL.search(first + last):
        return f"{last}{first}"[:200]  # Korean names read family name first, without a space
    return f"{first} {last}".strip()[:200]  # two names of 100 (the schema's bound) and a space


def _truthy(value: object) -> bool:
    return str(value).strip().lower() in {"true", "yes", "1", "on", "y"}


def customer(data: s.Customer, *, fallback_locale: str = "") -> CustomerInput:
    consents = []
    for channel, consent in (("email", data.email_marketing_consent), ("sms", data.sms_marketing_consent)):
        if consent and consent.state in _CONSENT_STATES:
            consents.append(
                ConsentInput(
                    channel=channel,
                    state=consent.state,
                    occurred_at=consent.consent_updated_at or data.updated_at or data.created_at or timezone.now(),
                    source=f"{SOURCE}:{consent.consent_collected_from or 'customer'}".lower(),
                    evidence={"opt_in_level": consent.opt_in_level} if consent.opt_in_level else {},
                )
            )
    phone = data.phone or (data.default_address.phone if data.default_address else None) or ""
    return CustomerInput(
        platform_id=str(data.id),
        email=data.email or "",
        phone=phone,
        name=person_name(data.first_name, data.last_name),
        locale=(data.locale or fallback_locale or "")[:10],
        tags=tags(data.tags),
        note=data.note or "",
        updated_at=data.updated_at,
        consents=tuple(consents),
    )


def _address(address: s.Address | None) -> dict | None:
    return address.model_dump(exclude_none=True) if address else None


def fulfilment(data: s.Fulfillment) -> FulfilmentInput:
    return FulfilmentInput(
        platform_id=str(data.id),
        order_platform_id=str(data.order_id),
        status=data.status or "",
        shipment_status=data.shipment_status or "",
        carrier=data.tracking_company or "",
        tracking_number=data.tracking_number or next(iter(data.tracking_numbers), ""),
        tracking_url=data.tracking_url or next(iter(data.tracking_urls), ""),
        created_at=data.created_at,
        updated_at=data.updated_at,
        lines=tuple((str(item.id), item.quantity) for item in data.line_items),
    )


def refund(data: s.Refund) -> RefundInput:
    paid_back = [t.amount for t in data.transactions if t.kind == "refund" and t.status in (None, "success")]
    lines = tuple(
        RefundLineInput(
            line_platform_id=str(item.line_item_id),
            quantity=item.quantity,
            subtotal=item.subtotal,
            restock_type=item.restock_type or "",
        )
        for item in data.refund_line_items
    )
    amount = sum(paid_back, Decimal("0")) if data.transactions else sum((ln.subtotal for ln in lines), Decimal("0"))
    return RefundInput(
        platform_id=str(data.id),
        order_platform_id=str(data.order_id),
        amount=amount,
        created_at=data.created_at,
        reason=data.note or "",
        lines=lines,
    )


def order(data: s.Order) -> OrderInput:
    attributes = {a.name.strip().lower(): a.value for a in data.note_attributes}
    order_tags = tags(data.tags)
    gift_message = next((str(v) for k, v in attributes.items() if k in _GIFT_MESSAGES and v), "")
    is_gift = (
        any(_truthy(v) for k, v in attributes.items() if k in _GIFT_FLAGS)
        or bool(gift_message)
        or "gift" in {t.lower() for t in order_tags}
    )
    shipping = (
        data.total_shipping_price_set.shop_money.amount
        if data.total_shipping_price_set
        else sum((line.price for line in data.shipping_lines), Decimal("0"))
    )
    lines = tuple(
        LineInput(
            platform_id=str(item.id),
            title=item.title,
            quantity=item.quantity,
            unit_price=item.price,
            total_discount=item.total_discount or sum((d.amount for d in item.discount_allocations), Decimal("0")),
            variant_platform_id=str(item.variant_id or ""),
            product_platform_id=str(item.product_id or ""),
            sku=item.sku or "",
            variant_title=item.variant_title or "",
            is_gift_card=item.gift_card,
            requires_shipping=item.requires_shipping,
            properties=tuple(
                (p.name, "" if p.value is None else str(p.value)) for p in item.properties if not p.name.startswith("_")
            ),
        )
        for item in data.line_items
    )
    email = data.email or data.contact_email or ""
    return OrderInput(
        platform_id=str(data.id),
        name=data.name,
        number=str(data.order_number or data.name.lstrip("#")),
        customer=customer(data.customer, fallback_locale=data.customer_locale or "") if data.customer else None,
        email=email,
        phone=data.phone or "",
        locale=(data.customer_locale or "")[:10],
        placed_at=data.processed_at or data.created_at,
        updated_at=data.updated_at,
        cancelled_at=data.cancelled_at,
        cancel_reason=data.cancel_reason or "",
        closed_at=data.closed_at,
        currency=data.currency,
        subtotal=data.subtotal_price,
        total_discounts=data.total_discounts,
        total_shipping=shipping,
        total_tax=data.total_tax,
        total=data.total_price,
        financial_status=data.financial_status or "",
        fulfillment_status=data.fulfillment_status or "",
        discount_codes=tuple(
            {"code": d.code, "amount": str(d.amount), "type": d.type or ""} for d in data.discount_codes
        ),
        shipping_address=_address(data.shipping_address),
        billing_address=_address(data.billing_address),
        is_gift=is_gift,
        gift_message=gift_message,
        note=data.note or "",
        tags=order_tags,
        source=data.source_name or "",
        lines=lines,
        fulfilments=tuple(fulfilment(f) for f in data.fulfillments),
        refunds=tuple(refund(r) for r in data.refunds),
    )


def product(data: s.Product) -> ProductInput:
    names = [o.name for o in sorted(data.options, key=lambda o: o.position or 0)]
    variants = []
    for position, v in enumerate(data.variants, start=1):
        values = [v.option1, v.option2, v.option3]
        options = {name: value for name, value in zip(names, values, strict=False) if value is not None}
        variants.append(
            VariantInput(
                platform_id=str(v.id),
                price=v.price,
                title=v.title or "",
                sku=v.sku or "",
                options=options,
                compare_at_price=v.compare_at_price,
                barcode=v.barcode or "",
                inventory_item_id=str(v.inventory_item_id or ""),
                inventory_quantity=v.inventory_quantity,
                inventory_tracked=v.inventory_management is not None,
                position=v.position or position,
            )
        )
    is_gift_card = (data.product_type or "").strip().lower() == "gift card"
    return ProductInput(
        platform_id=str(data.id),
        title=data.title,
        handle=data.handle or "",
        vendor=data.vendor or "",
        product_type=data.product_type or "",
        tags=tags(data.tags),
        option_names=tuple(names),
        status=data.status or "active",
        is_gift_card=is_gift_card,
        updated_at=data.updated_at,
        variants=tuple(variants),
    )


def checkout(data: s.Checkout) -> CheckoutInput:
    return CheckoutInput(
        token=data.token,
        platform_id=str(data.id or ""),
        customer=customer(data.customer) if data.customer else None,
        email=data.email or "",
        phone=data.phone or "",
        currency=data.currency or "",
        total=data.total_price,
        recovery_url=data.abandoned_checkout_url or "",
        created_at=data.created_at,
        updated_at=data.updated_at,
        completed_at=data.completed_at,
        lines=tuple(
            CheckoutLineInput(
                title=ln.title, quantity=ln.quantity, unit_price=ln.price, variant_platform_id=str(ln.variant_id or "")
            )
            for ln in data.line_items
        ),
    )
