"""Serving recommendations from the trained file, held in memory per process and reloaded when
training swaps in a new one (a ``stat`` per request; a request never waits for training).

Never recommended: gift cards, deleted or inactive products, products with no variant to buy
(every tracked variant out of stock), products tagged with one of the store's excluded tags;
on a "new" list, anything the shopper has bought. Before a store's first training, the list is
its best sellers."""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
from django.db.models import F, Q, Sum, Value
from django.db.models.functions import Concat, Lower, Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stay.catalog.models import Product, ProductStatus, Variant
from stay.core.db import hot_cursor, in_lists
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store
from stay.customers.models import Customer
from stay.giftcards.models import GiftCard
from stay.orders.models import Order, OrderLine

from .models import RecommendationSettings
from .training import load_csr, model_path

KINDS = ("for_you", "new", "bought_together")
REASONS = {
    "again": _("bought before"),
    "like_you": _("popular with shoppers like you"),
    "together": _("bought together with it"),
    "popular": _("a best seller"),
}
MAX_LIMIT = 50

# ``unwanted(customer ids) -> {customer id: product ids}``: what must not be offered to a shopper
# again (the returns app registers what they sent back as defective or not as described).
Unwanted = Callable[[list[int]], dict[int, set[str]]]
_unwanted: list[Unwanted] = []


def register_unwanted(check: Unwanted) -> None:
    if check not in _unwanted:
        _unwanted.append(check)


def unwanted_by(customer_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = {pk: set() for pk in customer_ids}
    for check in _unwanted:
        for pk, products in check(customer_ids).items():
            found.setdefault(pk, set()).update(products)
    return found


class Model:
    def __init__(self, files: Any) -> None:
        self.items: list[str] = [str(item) for item in files["items"]]
        self.index = {item: n for n, item in enumerate(self.items)}
        self.customers = {int(pk): n for n, pk in enumerate(files["customers"])}
        self.popularity = np.asarray(files["popularity"], dtype=float)
        self.blend = load_csr(files, "blend")
        # A model trained before lists of new items had their own scores: the blend serves them.
        self.explore = load_csr(files, "explore") if "explore_data" in files.files else self.blend
        self.follows = load_csr(files, "follows")

    def scores(self, kind: str, customer_id: int | None, product: str | None) -> tuple[Any, bool]:
        """Each item's score, and whether it is personal (else the popular items)."""
        if kind == "bought_together":
            row = self.index.get(product or "")
            if row is None:  # a product nobody has bought yet: the popular ones
                return self.popularity, False
            return self.follows[row].toarray().ravel(), True
        row = self.customers.get(customer_id) if customer_id is not None else None
        if row is None:
            return self.popularity, False
        chosen = self.explore if kind == "new" else self.blend
        return chosen[row].toarray().ravel() + 1e-6 * self.popularity, True


_loaded: dict[int, tuple[int, Model]] = {}
_lock = threading.Lock()


def model_of(store: Store) -> Model | None:
    path = model_path(store)
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return None
    cached = _loaded.get(store.pk)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    with _lock:
        with np.load(path) as files:
            model = Model(files)
        _loaded[store.pk] = (stamp, model)
    return model


@dataclass(frozen=True)
class Item:
    """A product as a list shows it."""

    platform_id: str
    title: str
    handle: str

    def link(self, shop_url: str) -> str:
        """Its page on the store's site ("" without the site's address or a handle)."""
        base = shop_url.rstrip("/")
        return f"{base}/products/{self.handle}" if base and self.handle else ""


@dataclass(frozen=True)
class Pick:
    product: Item
    reason: str

    @property
    def reason_label(self) -> str:
        return str(REASONS[self.reason])


def linked(picks: list[Pick], shop_url: str) -> list[tuple[str, str]]:
    """Each pick as (title, its page on the store's site or "")."""
    return [(pick.product.title, pick.product.link(shop_url)) for pick in picks]


def bought_by(customer_ids: list[int]) -> dict[int, set[str]]:
    """The products each customer ordered (cancelled orders aside), in one statement."""
    found: dict[int, set[str]] = {pk: set() for pk in customer_ids}
    lines, orders = OrderLine._meta.db_table, Order._meta.db_table
    with hot_cursor() as cursor:
        for among, params in in_lists("o.customer_id", customer_ids):
            cursor.execute(
                f"SELECT o.customer_id, l.product_platform_id FROM {lines} l JOIN {orders} o ON o.id = l.order_id "  # noqa: S608 (names from the models, values as parameters)
                f"WHERE {among} AND o.cancelled_at IS NULL AND l.product_platform_id <> ''",
                params,
            )
            for customer_id, product in cursor.fetchall():
                found[customer_id].add(product)
    return found


def recommend(
    *, store: Store, kind: str, customer: Customer | None = None, product_id: str = "", limit: int = 10
) -> list[Pick]:
    """A ranked list for a shopper (``for_you``, ``new``) or a product (``bought_together``)."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", code="invalid_kind")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    if kind != "bought_together":
        if customer is None:
            raise InvalidInput("customer_id is required for this kind", code="customer_required")
        return recommend_for(store=store, customer_ids=[customer.pk], kind=kind, limit=limit)[customer.pk]
    if not Product.objects.filter(store=store, platform_id=product_id).exists():
        raise NotFound(f"no product {product_id!r} in this store", code="unknown_product")
    model = model_of(store)
    if model is None:
        ranked, personal = _best_sellers(store), False
    else:
        scores, personal = model.scores(kind, None, product_id)
        ranked = _top(model, scores, limit * 5 + 1)
    ranked = [item for item in ranked if item != product_id]
    products = _buyable(store, ranked)
    reason = "together" if personal else "popular"
    return [Pick(products[item], reason) for item in ranked if item in products][:limit]


def popular(*, store: Store, limit: int = 10) -> list[Pick]:
    """The store's best sellers that can be bought now, for a shopper Stay does not know."""
    model = model_of(store)
    ranked = _top(model, model.popularity, limit * 5) if model is not None else _best_sellers(store)
    products = _buyable(store, ranked)
    return [Pick(products[item], "popular") for item in ranked if item in products][:limit]


# Option names that hold a size (a variant's options are the platform's, e.g. {"Size": "M"}).
SIZE_OPTIONS = {"size", "shoe size", "사이즈", "크기", "치수"}


def size_of(variant: Variant) -> dict[str, str]:
    """The variant's size options ({} for a product without sizes)."""
    return {name: value for name, value in (variant.options or {}).items() if name.strip().lower() in SIZE_OPTIONS}


def fits_too(*, store: Store, variant: Variant, customer_id: int | None = None, limit: int = 3) -> list[Pick]:
    """After a shopper exchanged into ``variant``: products bought together with it that can be
    bought now in the same size ("these fit you too"), never one they sent back as faulty.
    Nothing for a variant without a size."""
    sizes = size_of(variant)
    product_id = Product.objects.filter(pk=variant.product_id).values_list("platform_id", flat=True).first()
    if not sizes or not product_id:
        return []
    picks = recommend(store=store, kind="bought_together", product_id=product_id, limit=MAX_LIMIT)
    if customer_id is not None:
        unwanted = unwanted_by([customer_id])[customer_id]
        picks = [pick for pick in picks if pick.product.platform_id not in unwanted]
    in_size = Variant.objects.filter(
        Q(inventory_quantity__gt=0) | Q(inventory_tracked=False),
        store=store,
        product__platform_id__in=[pick.product.platform_id for pick in picks],
        deleted_at__isnull=True,
        **{f"options__{name}": value for name, value in sizes.items()},
    ).values_list("product__platform_id", flat=True)
    fitting = set(in_size)
    return [pick for pick in picks if pick.product.platform_id in fitting][:limit]


def recommend_for(
    *, store: Store, customer_ids: list[int], kind: str = "for_you", limit: int = 10
) -> dict[int, list[Pick]]:
    """``for_you`` (or ``new``: nothing already bought) for many shoppers at once, in a fixed
    number of queries (a campaign's product block asks for thousands)."""
    model = model_of(store)
    bought, unwanted = bought_by(customer_ids), unwanted_by(customer_ids)
    cold = [pk for pk in customer_ids if model is None or pk not in model.customers]
    popular = _best_sellers(store) if cold else []
    tastes = _givers_tastes(store, cold, popular) if cold else {}
    ranked: dict[int, tuple[list[str], bool]] = {}
    for pk in customer_ids:
        skip = (bought[pk] if kind == "new" else set()) | unwanted[pk]
        if model is None or pk in tastes or pk not in model.customers:
            items, personal = tastes.get(pk, popular), False
        else:
            scores, personal = model.scores(kind, pk, None)
            items = _top(model, scores, limit * 5 + len(skip))
        ranked[pk] = ([item for item in items if item not in skip], personal)
    products = _buyable(store, sorted({item for items, _personal in ranked.values() for item in items}))
    picks: dict[int, list[Pick]] = {}
    for pk, (items, personal) in ranked.items():
        mine = bought[pk]
        chosen = [item for item in items if item in products][:limit]
        picks[pk] = [
            Pick(products[item], "again" if item in mine else "like_you" if personal else "popular") for item in chosen
        ]
    return picks


def _givers_tastes(store: Store, customer_ids: list[int], popular: list[str]) -> dict[int, list[str]]:
    """A gift card's recipient who has not ordered yet: the season's best sellers of the kinds
    of product the card's buyer buys first, then the rest (issue 22's cold start)."""
    givers = dict(
        GiftCard.objects.filter(store=store, customer_id__in=customer_ids, buyer__isnull=False)
        .exclude(buyer_id=F("customer_id"))
        .order_by("created_at")
        .values_list("customer_id", "buyer_id")
    )
    if not givers:
        return {}
    bought = bought_by(sorted(set(givers.values())))
    kinds = dict(
        Product.objects.filter(
            store=store, platform_id__in={p for items in bought.values() for p in items} | set(popular)
        )
        .exclude(product_type="")
        .values_list("platform_id", "product_type")
    )
    tastes: dict[int, list[str]] = {}
    for recipient, giver in givers.items():
        liked = {kinds[p] for p in bought.get(giver, set()) if p in kinds}
        if liked:
            tastes[recipient] = sorted(popular, key=lambda p: kinds.get(p) not in liked)  # stable: still by sales
    return tastes


def _top(model: Model, scores: Any, n: int) -> list[str]:
    n = min(n, len(scores))
    if n <= 0:
        return []
    top = np.argpartition(-scores, n - 1)[:n]
    ordered = top[np.lexsort((top, -scores[top]))]
    return [model.items[k] for k in ordered if scores[k] > 0]


def _best_sellers(store: Store, days: int = 90, n: int = 250) -> list[str]:
    since = timezone.now() - timedelta(days=days)
    rows = (
        OrderLine.objects.filter(order__store=store, order__placed_at__gte=since, is_gift_card=False)
        .exclude(product_platform_id="")
        .values("product_platform_id")
        .annotate(sold=Sum("quantity"))
        .order_by("-sold", "product_platform_id")[:n]
    )
    return [row["product_platform_id"] for row in rows]


def _buyable(store: Store, ids: list[str]) -> dict[str, Item]:
    """The products of ``ids`` that may be recommended now, read by the catalogue's (store,
    platform id) key with whether a variant can be bought, and the store's excluded tags, in
    one statement."""
    products, variants = Product._meta.db_table, Variant._meta.db_table
    settings = RecommendationSettings._meta.db_table
    found: dict[str, Item] = {}
    with hot_cursor() as cursor:
        for among, params in in_lists("p.platform_id", ids):
            # The variants are probed per product through their index: without the OFFSET,
            # PostgreSQL hashed every variant of the store first (1.4 ms for 3,846; bench/recs.py).
            cursor.execute(
                f"SELECT p.platform_id, p.title, p.handle, p.tags, "  # noqa: S608 (names from the models, values as parameters)
                f"(SELECT s.excluded_tags FROM {settings} s WHERE s.store_id = p.store_id) "
                f"FROM {products} p WHERE p.store_id = %s AND {among} "
                f"AND p.deleted_at IS NULL AND NOT p.is_gift_card AND p.status = %s "
                f"AND EXISTS (SELECT 1 FROM {variants} v WHERE v.product_id = p.id AND v.deleted_at IS NULL "
                f"AND (v.inventory_quantity > 0 OR NOT v.inventory_tracked) LIMIT 1 OFFSET 0)",
                [store.pk, *params, ProductStatus.ACTIVE],
            )
            for pid, title, handle, tags, excluded in cursor.fetchall():
                if not set(_json(excluded)) & set(_json(tags)):
                    found[pid] = Item(pid, title, handle)
    return found


def _json(value: Any) -> list[str]:
    """A JSON list column as the database driver hands it (text, or already loaded)."""
    loaded = json.loads(value) if isinstance(value, str | bytes) else value
    return loaded if isinstance(loaded, list) else []


def search(*, store: Store, query: str, customer: Customer | None = None, limit: int = 20) -> list[Pick]:
    """The catalogue's products that match every word of ``query`` (in the title, type or
    vendor; spaces are ignored on both sides, so "등산화" finds "등산 화" and "2p tent" or "2ptent"
    find "Ridgeline 2P Tent"), the best matches first and then what the shopper is likeliest to buy (their
    model's scores; without a shopper, the store's popularity)."""
    words = [word for word in query.lower().split() if word]
    if not words or len(query) > 200:
        raise InvalidInput("q: one to 200 characters of text to look for", code="invalid_query")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", code="invalid_limit")
    squashed = Replace(Lower(Concat("title", Value(" "), "product_type", Value(" "), "vendor")), Value(" "), Value(""))
    title = Replace(Lower("title"), Value(" "), Value(""))
    found = Product.objects.filter(store=store).annotate(text=squashed, name=title)
    for word in words:
        found = found.filter(text__contains=word)
    matches = dict(found.values_list("platform_id", "name")[: MAX_LIMIT * 10])
    products = _buyable(store, list(matches))
    model = model_of(store)
    affinity: dict[str, float] = {}
    personal = False
    if model is not None:
        scores, personal = model.scores("for_you", customer.pk if customer else None, None)
        affinity = {item: float(scores[model.index[item]]) for item in products if item in model.index}
    bought = bought_by([customer.pk])[customer.pk] if customer is not None else set()
    unwanted = unwanted_by([customer.pk])[customer.pk] if customer is not None else set()

    def order(item: str) -> tuple[int, float, str]:
        in_title = sum(word in matches[item] for word in words)
        return (-in_title, -affinity.get(item, 0.0), item)

    ranked = sorted((item for item in products if item not in unwanted), key=order)[:limit]
    return [
        Pick(
            products[item], "again" if item in bought else "like_you" if personal and affinity.get(item) else "popular"
        )
        for item in ranked
    ]
