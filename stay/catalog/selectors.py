"""Reads for the catalog."""

from django.db.models import Prefetch, Q, QuerySet

from stay.core.errors import NotFound
from stay.core.models import Store

from .models import Product, Variant


def product_list(*, store: Store, q: str = "") -> QuerySet[Product]:
    products = Product.objects.filter(store=store, deleted_at__isnull=True)
    if q:
        products = products.filter(Q(title__icontains=q) | Q(variants__sku__iexact=q)).distinct()
    live = Variant.objects.filter(deleted_at__isnull=True)
    return products.prefetch_related(Prefetch("variants", queryset=live)).order_by("title", "id")


def product_get(*, store: Store, product_id: int) -> Product:
    live = Variant.objects.filter(deleted_at__isnull=True)
    try:
        return Product.objects.prefetch_related(Prefetch("variants", queryset=live)).get(store=store, pk=product_id)
    except Product.DoesNotExist:
        raise NotFound(f"no product {product_id}") from None


def variants_by_platform_id(*, store: Store, platform_ids: set[str]) -> dict[str, Variant]:
    if not platform_ids:
        return {}
    variants = Variant.objects.filter(store=store, platform_id__in=platform_ids).only("id", "platform_id")
    return {v.platform_id: v for v in variants.order_by()}
