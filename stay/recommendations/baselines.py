"""The measured baselines of issue 22, on the evaluation protocol's baskets (numpy and scipy's
sparse matrices; nothing is fetched):

- **popularity**: the items in most baskets;
- **co-occurrence**: item to item, P(j | i) over baskets, summed over what the shopper bought
  (weighted by how often);
- **repurchase**: the shopper's own items, by a time-decayed frequency (TIFU's: baskets in
  groups of 7, decayed within and across groups), then popularity;
- **user-popularity**: UP-CF@r (Faggioli et al., UMAP 2020): how often each item was in the
  shopper's last r baskets, voted by every shopper weighted by an asymmetric cosine of what
  they bought, raised to a power (the shopper themself included);
- **neighbourhood**: TIFU-KNN (Hu et al., SIGIR 2020): the shopper's decayed vector blended
  with the mean vector of their 300 nearest shoppers (cosine), then popularity;
- **neighbourhood-tuned**: the same with the settings chosen on a validation split inside the
  training period (ADR 0018), and for lists of new items the words of the names of what the
  shopper buys (TF-IDF of words and word pairs): what the store is served.

Each ranks every item it saw in training; a shopper it never saw gets the popular items.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .evaluation import Basket, History

TIE = 1e-6  # popularity breaks ties (and fills a short list) without outweighing any real score


class _Base:
    name = "base"

    def fit(self, history: History, titles: Mapping[str, str] | None = None) -> None:
        self.titles = titles or {}
        self.items = sorted({item for baskets in history.values() for b in baskets for item in b.items})
        self.index = {item: n for n, item in enumerate(self.items)}
        self.customers = {customer: n for n, customer in enumerate(sorted(history))}
        counts = np.zeros(len(self.items))
        for baskets in history.values():
            for basket in baskets:
                counts[[self.index[i] for i in basket.items]] += 1
        self.popularity = counts / max(counts.max(), 1)
        self.train(history)

    def train(self, history: History) -> None:
        pass

    def scores(self, row: int) -> Any:
        return self.popularity

    def new_scores(self, row: int) -> Any:
        """For a list of items the shopper never bought (the same as ``scores`` unless a model
        has a signal for discovery)."""
        return self.scores(row)

    def rank(self, customer: str, k: int, exclude: frozenset[str] = frozenset()) -> list[str]:
        """The best ``k``; with ``exclude`` (what the shopper bought), a list of new items."""
        row = self.customers.get(customer)
        found = self.popularity if row is None else self.new_scores(row) if exclude else self.scores(row)
        scores = np.array(found, dtype=float)
        if exclude:
            scores[[self.index[i] for i in exclude if i in self.index]] = -np.inf
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        ordered = top[np.lexsort((top, -scores[top]))]
        return [self.items[n] for n in ordered if np.isfinite(scores[n])]

    def _matrix(self, history: History, weights: Any) -> sparse.csr_matrix:
        """Customers x items, each row ``weights(baskets)`` as {item index: weight}."""
        rows, cols, values = [], [], []
        for customer, baskets in history.items():
            for col, value in weights(baskets).items():
                rows.append(self.customers[customer])
                cols.append(col)
                values.append(value)
        shape = (len(self.customers), len(self.items))
        return sparse.csr_matrix((values, (rows, cols)), shape=shape)


class Popularity(_Base):
    name = "popularity"


class CoOccurrence(_Base):
    name = "co-occurrence"

    def train(self, history: History) -> None:
        rows, cols = [], []
        for n, basket in enumerate(b for baskets in history.values() for b in baskets):
            cols += [self.index[i] for i in basket.items]
            rows += [n] * len(basket.items)
        baskets = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, cols)), shape=(max(rows, default=0) + 1, len(self.items))
        )
        together = (baskets.T @ baskets).tocsr()
        together.setdiag(0)
        together.eliminate_zeros()
        counts = np.asarray(baskets.sum(axis=0)).ravel()
        self.follows = sparse.diags(1 / np.maximum(counts, 1)) @ together  # row i: P(j | i)
        self.bought = self._matrix(history, self._frequency)

    def _frequency(self, baskets: list[Basket]) -> dict[int, float]:
        """How many of the shopper's baskets hold each item."""
        found: dict[int, float] = {}
        for basket in baskets:
            for item in basket.items:
                found[self.index[item]] = found.get(self.index[item], 0.0) + 1
        return found

    def scores(self, row: int) -> Any:
        found = np.asarray((self.bought[row] @ self.follows).todense()).ravel()
        return found / max(found.max(), 1e-12) + TIE * self.popularity


class Repurchase(_Base):
    name = "repurchase"
    group, within, across = 7, 0.9, 0.7  # TIFU's decay (see ``decayed``)

    def train(self, history: History) -> None:
        self.vectors = self._matrix(history, self._decayed)

    def _decayed(self, baskets: list[Basket]) -> dict[int, float]:
        return decayed(baskets, self.index, self.group, self.within, self.across)

    def scores(self, row: int) -> Any:
        return self.vectors[row].toarray().ravel() + TIE * self.popularity


class UserPopularity(_Base):
    """UP-CF@r with the settings chosen on the validation split (r 0/3/5/10, q 5/10/20,
    asymmetry 0.25/0.5/0.75: 0.340 at 10, 5, 0.75 against the tuned neighbourhood's 0.344)."""

    name = "user-popularity"

    def __init__(self, recent: int = 10, locality: float = 5, asymmetry: float = 0.75) -> None:
        self.recent, self.locality, self.asymmetry = recent, locality, asymmetry

    def train(self, history: History) -> None:
        self.shares = self._matrix(history, self._share).tocsr()
        self.bought = self._matrix(history, lambda baskets: dict.fromkeys(self._bought(baskets), 1.0)).tocsr()
        self.sizes = np.asarray(self.bought.sum(axis=1)).ravel()
        self.buyers = self.bought.T.tocsr()

    def _bought(self, baskets: list[Basket]) -> set[int]:
        return {self.index[item] for basket in baskets for item in basket.items}

    def _share(self, baskets: list[Basket]) -> dict[int, float]:
        recent = baskets[-self.recent :] if self.recent else baskets
        share: dict[int, float] = {}
        for basket in recent:
            for item in basket.items:
                share[self.index[item]] = share.get(self.index[item], 0.0) + 1 / len(recent)
        return share

    def scores(self, row: int) -> Any:
        common = (self.bought[row] @ self.buyers).tocsr()  # items in common with each shopper
        others = common.indices
        alike = common.data / (self.sizes[row] ** self.asymmetry * self.sizes[others] ** (1 - self.asymmetry))
        votes = sparse.csr_matrix((alike**self.locality, ([0] * len(others), others)), shape=(1, len(self.sizes)))
        return (votes @ self.shares).toarray().ravel() + TIE * self.popularity


class Neighbourhood(Repurchase):
    name = "neighbourhood"

    def __init__(self, neighbours: int = 300, alpha: float = 0.7) -> None:
        self.neighbours, self.alpha = neighbours, alpha

    def train(self, history: History) -> None:
        super().train(history)
        vectors = self.vectors
        norms = np.sqrt(np.asarray(vectors.multiply(vectors).sum(axis=1)).ravel())
        unit = sparse.diags(1 / np.maximum(norms, 1e-12)) @ vectors
        n = vectors.shape[0]
        k = min(self.neighbours, n - 1)
        rows, cols = [], []
        for start in range(0, n, 500):  # similarities a block of shoppers at a time
            block = (unit[start : start + 500] @ unit.T).toarray()
            for offset, similar in enumerate(block):
                similar[start + offset] = -1
                nearest: Any = np.argpartition(-similar, k - 1)[:k] if k > 0 else []
                rows += [start + offset] * len(nearest)
                cols += list(nearest)
        mean = sparse.csr_matrix((np.full(len(rows), 1 / max(k, 1)), (rows, cols)), shape=(n, n))
        self.blend = (self.alpha * vectors + (1 - self.alpha) * (mean @ vectors)).tocsr()

    def scores(self, row: int) -> Any:
        return self.blend[row].toarray().ravel() + TIE * self.popularity


class TunedNeighbourhood(Neighbourhood):
    """Chosen on the validation split (history before 2010-07-01, its next basket before
    2010-10-01) over group 3/7/14, within 0.8-1.0, across 0.3-0.9, 30-900 neighbours and a
    blend of 0.2-0.9: NDCG@10 0.334 → 0.344 there (ADR 0018).

    A list of new items adds to the neighbours' vote the shopper's affinity by words: items
    whose names share words with what they buy ("RED RETROSPOT", "등산"), weighted ``words``
    of the vote's best (0-0.8 measured there: new items 0.107 → 0.113 at 0.2)."""

    name = "neighbourhood-tuned"
    group, within, across = 3, 1.0, 0.5
    words = 0.2

    def __init__(self, neighbours: int = 100, alpha: float = 0.35) -> None:
        super().__init__(neighbours, alpha)

    def train(self, history: History) -> None:
        super().train(history)
        crowd = (self.blend - self.alpha * self.vectors).tocsr()  # the neighbours' share of the blend
        self.explore = (crowd + self.words * _scaled(self.vectors @ self._alike(), like=crowd)).tocsr()

    def _alike(self) -> sparse.csr_matrix:
        """Item to item: the cosine of their names' TF-IDF (none without names)."""
        names = [self.titles.get(item, "") for item in self.items]
        try:
            tfidf = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True).fit_transform(names)
        except ValueError:  # no word in two names: nothing to go by
            return sparse.csr_matrix((len(self.items), len(self.items)))
        alike = (tfidf @ tfidf.T).tocsr()
        alike.setdiag(0)
        alike.eliminate_zeros()
        return alike

    def new_scores(self, row: int) -> Any:
        return self.explore[row].toarray().ravel() + TIE * self.popularity


def _scaled(scores: sparse.csr_matrix, like: sparse.csr_matrix) -> sparse.csr_matrix:
    """Each row of ``scores`` rescaled so its best equals the best of the same row of ``like``."""
    top, target = (np.asarray(m.max(axis=1).todense()).ravel() for m in (scores.tocsr(), like.tocsr()))
    return sparse.diags(np.divide(target, top, out=np.zeros_like(target, dtype=float), where=top > 0)) @ scores


def decayed(
    baskets: list[Basket], index: dict[str, int], group: int = 7, within: float = 0.9, across: float = 0.7
) -> dict[int, float]:
    """TIFU's user vector: baskets (oldest first) in groups of ``group`` from the newest, each
    group the mean of its baskets decayed by ``within``, the groups decayed by ``across``."""
    groups = [baskets[max(0, end - group) : end] for end in range(len(baskets), 0, -group)]  # newest first
    vector: dict[int, float] = {}
    for age, members in enumerate(groups):
        for position, basket in enumerate(members):
            weight = across**age * within ** (len(members) - 1 - position) / len(members)
            for item in basket.items:
                vector[index[item]] = vector.get(index[item], 0.0) + weight
    return {col: value / len(groups) for col, value in vector.items()}


BASELINES: tuple[type[_Base], ...] = (
    Popularity,
    CoOccurrence,
    Repurchase,
    UserPopularity,
    Neighbourhood,
    TunedNeighbourhood,
)
