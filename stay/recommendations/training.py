"""Training from the store's own orders: each customer's orders are their baskets of products
(gift cards and cancelled orders left out), fitted with the best model measured so far
(``baselines.TunedNeighbourhood``, ADR 0018) and the item-to-item model for "bought together", and
written whole to one file that is then swapped in (``os.replace``): a process serving the old
file keeps serving it until it sees the new one, and never waits for training."""

import os
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from django.conf import settings
from scipy import sparse

from stay.core.models import Store
from stay.orders.models import OrderLine

from .baselines import CoOccurrence, TunedNeighbourhood
from .evaluation import Basket, History


def model_path(store: Store) -> Path:
    """``RECOMMENDATIONS_DIR`` (default: the data directory's ``recommendations``)."""
    folder = getattr(settings, "RECOMMENDATIONS_DIR", None) or Path(settings.DATA_DIR) / "recommendations"
    return Path(folder) / f"store-{store.pk}.npz"


def baskets_of(store: Store, before: datetime | None = None) -> tuple[History, dict[str, str]]:
    """Each customer's orders (placed before ``before``, if given) as baskets of product ids,
    oldest first; and each product's name, the one its order lines carry most."""
    kept = OrderLine.objects.filter(order__store=store, order__cancelled_at__isnull=True, is_gift_card=False)
    if before is not None:
        kept = kept.filter(order__placed_at__lt=before)
    lines = (
        kept.exclude(order__customer__isnull=True)
        .exclude(product_platform_id="")
        .values_list("order__customer_id", "order__placed_at", "order_id", "product_platform_id", "title")
        .order_by("order__placed_at", "order_id")
    )
    orders: dict[int, tuple[str, datetime, set[str]]] = {}
    names: dict[str, Counter[str]] = {}
    for customer_id, placed_at, order_id, product, title in lines.iterator(chunk_size=5000):
        orders.setdefault(order_id, (str(customer_id), placed_at, set()))[2].add(product)
        names.setdefault(product, Counter())[title] += 1
    history: History = {}
    for order_id, (customer, placed_at, items) in orders.items():
        basket = Basket(customer=customer, at=placed_at, invoice=str(order_id), items=frozenset(items))
        history.setdefault(customer, []).append(basket)
    return history, {product: counts.most_common(1)[0][0] for product, counts in names.items()}


@dataclass(frozen=True)
class Trained:
    customers: int
    products: int
    seconds: float
    path: Path


def train(store: Store, before: datetime | None = None) -> Trained | None:
    """Fit and swap in the store's model; None when it has no orders to learn from yet.
    ``before`` leaves out later orders: to measure the served model against what came after."""
    started = time.perf_counter()
    history, titles = baskets_of(store, before)
    if not history:
        return None
    mine = TunedNeighbourhood()
    mine.fit(history, titles)
    together = CoOccurrence()
    together.fit(history)
    path = model_path(store)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.npz")
    bought = mine.vectors.tocsr()
    blend, explore = shortlist(mine.blend.tocsr(), bought), shortlist(mine.explore, bought, keep=0)
    follows = shortlist(together.follows.tocsr())
    arrays: dict[str, Any] = {
        "items": np.array(mine.items),
        "customers": np.array(sorted(mine.customers, key=mine.customers.__getitem__), dtype=np.int64),
        "popularity": mine.popularity,
        **_csr("blend", blend),
        **_csr("explore", explore),
        **_csr("follows", follows),
    }
    np.savez(partial, **arrays)
    os.replace(partial, path)  # whole, at once: readers see the old file or the new one
    return Trained(len(history), len(mine.items), time.perf_counter() - started, path)


KEEP, KEEP_NEW = 200, 100


def shortlist(
    scores: sparse.csr_matrix, bought: sparse.csr_matrix | None = None, keep: int = KEEP
) -> sparse.csr_matrix:
    """Each row's best ``keep`` items and, given what each customer ``bought``, the best
    ``KEEP_NEW`` they never bought; the rest dropped. That is what a list of up to 50 can draw
    on ("for you", "new", "bought together"), in a fraction of the memory: a neighbourhood's
    blend is nearly dense, and Online Retail II's items follow one another 3.5 million ways
    (41 MB; 8 MB kept)."""
    rows, cols, values = [], [], []
    for row in range(scores.shape[0]):
        start, end = scores.indptr[row], scores.indptr[row + 1]
        items, weights = scores.indices[start:end], scores.data[start:end]
        chosen = set(_best(items, weights, keep)) if keep else set()
        if bought is not None:
            owned = np.isin(items, bought.indices[bought.indptr[row] : bought.indptr[row + 1]])
            chosen |= set(_best(items[~owned], weights[~owned], KEEP_NEW))
        kept = np.flatnonzero(np.isin(items, np.fromiter(chosen, dtype=items.dtype, count=len(chosen))))
        rows += [row] * len(kept)
        cols += list(items[kept])
        values += list(weights[kept])
    return sparse.csr_matrix((values, (rows, cols)), shape=scores.shape)


def _best(items: np.ndarray, weights: np.ndarray, n: int) -> np.ndarray:
    if len(items) <= n:
        return items
    return items[np.argpartition(-weights, n - 1)[:n]]


def _csr(name: str, matrix: sparse.csr_matrix) -> dict[str, np.ndarray]:
    return {
        f"{name}_data": matrix.data,
        f"{name}_indices": matrix.indices,
        f"{name}_indptr": matrix.indptr,
        f"{name}_shape": np.array(matrix.shape),
    }


def load_csr(files: "np.lib.npyio.NpzFile", name: str) -> sparse.csr_matrix:
    shape = tuple(files[f"{name}_shape"])
    return sparse.csr_matrix((files[f"{name}_data"], files[f"{name}_indices"], files[f"{name}_indptr"]), shape=shape)
