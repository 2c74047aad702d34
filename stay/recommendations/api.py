"""``/api/v1/recommendations``: ranked products for a shopper ("for you", "new to you") or for a
product ("bought together"), each with the reason. Admin calls carry a token and name the
customer; a storefront calls for its signed-in shopper, signed as the chat widget signs them
(``X-Stay-Key``, ``X-Stay-Customer``, ``X-Stay-Signature``)."""

from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from stay.core.api import request_store
from stay.core.auth import ApiTokenAuth, StorefrontShopperAuth
from stay.core.storefront import Shopper
from stay.customers.callers import caller_customer

from .serving import Pick, recommend, search

router = Router(tags=["recommendations"])
search_router = Router(tags=["recommendations"])


class PickOut(Schema):
    product_id: str
    title: str
    handle: str
    reason: str
    reason_label: str


@router.get(
    "",
    response=list[PickOut],
    summary="Products for a shopper or a product",
    auth=[ApiTokenAuth(), StorefrontShopperAuth()],
)
def get_recommendations(
    request: HttpRequest,
    kind: str = "for_you",
    customer_id: int | None = None,
    product_id: str = "",
    limit: int = 10,
    store: str | None = None,
) -> list[dict[str, Any]]:
    """``kind``: for_you, new, bought_together. ``for_you`` and ``new`` are for a shopper (``customer_id``
    with a token; a signed storefront call is for its own shopper); ``bought_together`` is for
    ``product_id`` (the platform's id). ``limit``: 1-50."""
    customer = None
    if kind != "bought_together" or customer_id is not None or isinstance(request.auth, Shopper):  # type: ignore[attr-defined]
        customer, _caller = caller_customer(request, store, customer_id)
    shop = customer.store if customer is not None else request_store(request, store)
    picks = recommend(store=shop, kind=kind, customer=customer, product_id=product_id, limit=limit)
    return [pick_out(pick) for pick in picks]


def pick_out(pick: Pick) -> dict[str, Any]:
    return {
        "product_id": pick.product.platform_id,
        "title": pick.product.title,
        "handle": pick.product.handle,
        "reason": pick.reason,
        "reason_label": pick.reason_label,
    }


@search_router.get(
    "/products",
    response=list[PickOut],
    summary="Search the catalogue, ranked for a shopper",
    auth=[ApiTokenAuth(), StorefrontShopperAuth()],
)
def search_products(
    request: HttpRequest, q: str, customer_id: int | None = None, limit: int = 20, store: str | None = None
) -> list[dict[str, Any]]:
    """Products matching every word of ``q`` (English or Korean; spaces don't matter), the best
    text matches first, then what this shopper is likeliest to buy; without a shopper, the
    store's best sellers first. A signed storefront call is for its own shopper."""
    customer = None
    if customer_id is not None or isinstance(request.auth, Shopper):  # type: ignore[attr-defined]
        customer, _caller = caller_customer(request, store, customer_id)
    shop = customer.store if customer is not None else request_store(request, store)
    return [pick_out(pick) for pick in search(store=shop, query=q, customer=customer, limit=limit)]
