"""A product as the outside world describes it, parsed and ready for the catalog services."""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class VariantInput:
    platform_id: str
    price: Decimal
    title: str = ""
    sku: str = ""
    options: dict[str, str] | None = None
    compare_at_price: Decimal | None = None
    barcode: str = ""
    inventory_item_id: str = ""
    inventory_quantity: int | None = None
    inventory_tracked: bool = True
    position: int = 1


@dataclass(frozen=True)
class ProductInput:
    platform_id: str
    title: str
    variants: tuple[VariantInput, ...]
    handle: str = ""
    vendor: str = ""
    product_type: str = ""
    tags: tuple[str, ...] = ()
    option_names: tuple[str, ...] = ()
    status: str = "active"
    is_gift_card: bool = False
    updated_at: datetime | None = None
