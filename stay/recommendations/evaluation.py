"""The evaluation protocol for recommendations (issue 22), so that every figure compares:

- lines with a customer, a quantity and a price above zero, from invoices that are not
  cancellations ("C…"), grouped into baskets by invoice;
- train on the baskets before the split date; a test shopper has a basket before it and one
  on or after it, and the target is the set of items of their FIRST basket on or after it;
- NDCG@10 (binary relevance; the ideal DCG over min(10, |target|) items) and Recall@10 over
  all test shoppers; and the same for new items only: targets restricted to items the shopper
  never bought before (shoppers left with none are dropped), lists without items already
  bought;
- the time to train, and per request p50/p99.

A model may also read each item's name (the file's most common Description of the stock code).
"""

import csv
import gzip
import math
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

COLUMNS = ("Invoice", "StockCode", "Quantity", "InvoiceDate", "Price", "Customer ID")
DATE_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M")


@dataclass(frozen=True)
class Basket:
    customer: str
    at: datetime
    invoice: str
    items: frozenset[str]


History = dict[str, list[Basket]]  # each customer's baskets, oldest first


class Recommender(Protocol):
    name: str

    def fit(self, history: History, titles: Mapping[str, str] | None = None) -> None: ...

    def rank(self, customer: str, k: int, exclude: frozenset[str] = frozenset()) -> list[str]: ...


def _date(value: str, line: int) -> datetime:
    for layout in DATE_FORMATS:
        try:
            return datetime.strptime(value.strip(), layout)
        except ValueError:
            continue
    raise ValueError(f"line {line}: InvoiceDate {value!r} is not a date (e.g. 2010-12-01 08:26:00)")


def _number(value: str, name: str, line: int) -> float:
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"line {line}: {name} {value!r} is not a number") from None


def _open(path: str | Path) -> IO[str]:
    opener: Any = gzip.open if str(path).endswith(".gz") else open
    return opener(path, "rt", encoding="utf-8", errors="replace", newline="")


def read_baskets(path: str | Path) -> list[Basket]:
    """The file's baskets under the protocol's filters. A malformed file is a ValueError that
    names the line to fix."""
    with _open(path) as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"line 1: the header lacks {', '.join(missing)} (columns: {', '.join(COLUMNS)})")
        return list(_baskets(reader))


def read_titles(path: str | Path) -> dict[str, str]:
    """Each stock code's name: its most common Description in the file."""
    names: dict[str, Counter[str]] = {}
    with _open(path) as handle:
        for row in csv.DictReader(handle):
            if title := (row.get("Description") or "").strip():
                names.setdefault((row.get("StockCode") or "").strip(), Counter())[title] += 1
    return {code: counts.most_common(1)[0][0] for code, counts in names.items()}


def _baskets(rows: Iterable[dict[str, str]]) -> Iterator[Basket]:
    invoices: dict[str, tuple[str, datetime, set[str]]] = {}
    for line, row in enumerate(rows, start=2):
        invoice, customer = (row["Invoice"] or "").strip(), (row["Customer ID"] or "").strip()
        if not customer or invoice.startswith("C"):
            continue
        if _number(row["Quantity"], "Quantity", line) <= 0 or _number(row["Price"], "Price", line) <= 0:
            continue
        if invoice not in invoices:
            invoices[invoice] = (customer, _date(row["InvoiceDate"], line), set())
        invoices[invoice][2].add(row["StockCode"].strip())
    for invoice, (customer, at, items) in invoices.items():
        yield Basket(customer=customer, at=at, invoice=invoice, items=frozenset(items))


@dataclass(frozen=True)
class Split:
    history: History  # before the split
    targets: dict[str, frozenset[str]]  # each test shopper's next basket
    titles: Mapping[str, str] = field(default_factory=dict)  # each item's name, where known


def split_at(baskets: Iterable[Basket], at: datetime, titles: Mapping[str, str] | None = None) -> Split:
    history: History = {}
    later: dict[str, list[Basket]] = {}
    for basket in baskets:
        (history if basket.at < at else later).setdefault(basket.customer, []).append(basket)
    for baskets_of in (*history.values(), *later.values()):
        baskets_of.sort(key=lambda b: (b.at, b.invoice))
    targets = {customer: found[0].items for customer, found in later.items() if customer in history}
    return Split(history=history, targets=targets, titles=titles or {})


def ndcg_at(ranked: list[str], target: frozenset[str], k: int = 10) -> float:
    dcg = sum(1 / math.log2(n + 2) for n, item in enumerate(ranked[:k]) if item in target)
    ideal = sum(1 / math.log2(n + 2) for n in range(min(k, len(target))))
    return dcg / ideal if ideal else 0.0


def recall_at(ranked: list[str], target: frozenset[str], k: int = 10) -> float:
    return len(set(ranked[:k]) & target) / len(target) if target else 0.0


@dataclass(frozen=True)
class Report:
    name: str
    ndcg: float
    recall: float
    new_ndcg: float
    new_recall: float
    shoppers: int
    new_shoppers: int
    train_seconds: float
    p50_ms: float
    p99_ms: float

    def line(self) -> str:
        return (
            f"{self.name:<20} NDCG@10 {self.ndcg:.3f}  Recall@10 {self.recall:.3f}  | new items: NDCG@10 "
            f"{self.new_ndcg:.3f}  Recall@10 {self.new_recall:.3f} ({self.new_shoppers} shoppers) | train "
            f"{self.train_seconds:.1f} s, per request p50 {self.p50_ms:.2f} ms p99 {self.p99_ms:.2f} ms"
        )


def evaluate(recommender: Recommender, split: Split, k: int = 10) -> Report:
    started = time.perf_counter()
    recommender.fit(split.history, split.titles)
    trained = time.perf_counter() - started
    ndcgs, recalls, new_ndcgs, new_recalls, took = [], [], [], [], []
    for customer, target in split.targets.items():
        began = time.perf_counter()
        ranked = recommender.rank(customer, k)
        took.append(time.perf_counter() - began)
        ndcgs.append(ndcg_at(ranked, target, k))
        recalls.append(recall_at(ranked, target, k))
        bought = frozenset().union(*(b.items for b in split.history[customer]))
        if new := target - bought:
            fresh = recommender.rank(customer, k, exclude=bought)
            new_ndcgs.append(ndcg_at(fresh, new, k))
            new_recalls.append(recall_at(fresh, new, k))
    took.sort()

    def mean(values: list[float]) -> float:
        return sum(values) / len(values) if values else 0.0

    return Report(
        name=recommender.name,
        ndcg=mean(ndcgs),
        recall=mean(recalls),
        new_ndcg=mean(new_ndcgs),
        new_recall=mean(new_recalls),
        shoppers=len(ndcgs),
        new_shoppers=len(new_ndcgs),
        train_seconds=trained,
        p50_ms=took[len(took) // 2] * 1000 if took else 0.0,
        p99_ms=took[min(len(took) - 1, int(len(took) * 0.99))] * 1000 if took else 0.0,
    )
