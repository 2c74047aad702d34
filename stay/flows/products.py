"""The block of products in a marketing message (``{products}``), filled by one function that
personalised recommendations will replace (issue 22): until then, the store's best sellers of
the last 30 days that are in stock and are not gift cards."""

from collections.abc import Callable
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone

from stay.catalog.models import Product
from stay.core.models import Store
from stay.orders.models import OrderLine

# (store, customer ids, shop URL, how many) -> per customer, (title, link or "") in order
ProductBlock = Callable[[Store, list[int], str, int], dict[int, list[tuple[str, str]]]]


def best_sellers(store: Store, customer_ids: list[int], shop_url: str, limit: int) -> dict[int, list[tuple[str, str]]]:
    since = timezone.now() - timedelta(days=30)
    ranked = (
        OrderLine.objects.filter(order__store=store, order__placed_at__gte=since, is_gift_card=False)
        .exclude(product_platform_id="")
        .values("product_platform_id")
        .annotate(sold=Sum("quantity"))
        .order_by("-sold")[: limit * 4]
    )
    ids = [row["product_platform_id"] for row in ranked]
    products = {
        p.platform_id: p
        for p in Product.objects.filter(
            store=store,
            platform_id__in=ids,
            deleted_at__isnull=True,
            is_gift_card=False,
            variants__inventory_quantity__gt=0,
        ).distinct()
    }
    base = shop_url.rstrip("/")
    lines: list[tuple[str, str]] = []
    for pid in ids:
        product = products.get(pid)
        if product is not None and len(lines) < limit:
            lines.append((product.title, f"{base}/products/{product.handle}" if base and product.handle else ""))
    return {customer_id: lines for customer_id in customer_ids}


_block: list[ProductBlock] = [best_sellers]


def register_product_block(block: ProductBlock) -> None:
    """Replace what fills ``{products}`` (the recommendations app plugs in here)."""
    _block[:] = [block]


def product_block(
    store: Store, customer_ids: list[int], shop_url: str, limit: int = 3
) -> dict[int, list[tuple[str, str]]]:
    return _block[0](store, customer_ids, shop_url, limit)
