"""The block of products in a marketing message (``{products}``): each shopper's own "for you"
list from the recommendations (their model once trained; the store's in-stock best sellers
before), never gift cards or what cannot be bought."""

from stay.core.models import Store
from stay.recommendations.serving import linked, recommend_for


def product_block(
    store: Store, customer_ids: list[int], shop_url: str, limit: int = 3
) -> dict[int, list[tuple[str, str]]]:
    """Per customer, (title, link or "") in order."""
    picks = recommend_for(store=store, customer_ids=customer_ids, limit=limit)
    return {customer_id: linked(mine, shop_url) for customer_id, mine in picks.items()}
