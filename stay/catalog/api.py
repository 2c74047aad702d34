"""``/api/v1/products``: the catalog, read-only (the platform owns it)."""

from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.pagination import paginate

from stay.core.api import Pages, request_store

from . import selectors

router = Router(tags=["catalog"])


class VariantOut(Schema):
    id: int
    platform_id: str
    sku: str
    title: str
    options: dict[str, str]
    price: Decimal
    compare_at_price: Decimal | None
    barcode: str
    inventory_quantity: int
    inventory_tracked: bool


class ProductOut(Schema):
    id: int
    platform_id: str
    title: str
    handle: str
    vendor: str
    product_type: str
    tags: list[str]
    status: str
    is_gift_card: bool
    updated_at: datetime
    variants: list[VariantOut]


@router.get("", response=list[ProductOut], summary="List products with their variants")
@paginate(Pages)
def list_products(request: HttpRequest, q: str = "", store: str | None = None):  # type: ignore[no-untyped-def]
    """``q`` matches the title or an exact SKU."""
    return selectors.product_list(store=request_store(request, store), q=q)


@router.get("/{product_id}", response=ProductOut, summary="One product")
def get_product(request: HttpRequest, product_id: int, store: str | None = None):  # type: ignore[no-untyped-def]
    return selectors.product_get(store=request_store(request, store), product_id=product_id)
