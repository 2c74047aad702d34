"""``stay import FILE``: backfill a store from Shopify-format JSON, JSON lines, or a simple CSV.

Each record is applied by the same code as its webhook, in its own transaction: a bad record
is reported with its line number and the rest still imports.

Accepted shapes:
- JSON: an array of resources, or an object of arrays (``{"products": [...], "orders": [...]}``).
- JSON lines: one resource per line.
- A resource is an order, product, customer or checkout as Shopify's REST API returns it,
  optionally wrapped (``{"order": {...}}``); bare ones are recognised by their fields.
- CSV: one row per order line; see ``CSV_COLUMNS`` (docs/import.md). Another program's export
  is read by naming its headers (``columns``: Stay's column → the file's header).

Any of these may be gzipped (``orders.csv.gz``).
"""

import csv
import gzip
import json
import logging
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from stay.core.errors import InvalidInput, StayError
from stay.core.models import Store
from stay.core.money import parse_amount
from stay.customers.inputs import CustomerInput
from stay.orders.inputs import LineInput, OrderInput
from stay.orders.services import order_upsert

from .services import webhook_apply

log = logging.getLogger(__name__)

KINDS = {
    "order": "orders/create",
    "product": "products/create",
    "customer": "customers/create",
    "checkout": "checkouts/create",
}
PLURALS = {f"{kind}s": kind for kind in KINDS}
CSV_REQUIRED = ["order", "placed_at", "title", "quantity", "unit_price"]
CSV_COLUMNS = [
    *CSV_REQUIRED,
    "email",
    "phone",
    "customer_name",
    "customer_id",
    "currency",
    "sku",
    "product_id",
    "variant_id",
    "shipping",
    "tax",
    "discount",
    "financial_status",
    "fulfillment_status",
    "tags",
]


@dataclass
class Record:
    line: int
    kind: str
    data: Any


@dataclass
class ImportResult:
    imported: Counter = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)


def guess_kind(resource: dict[str, Any]) -> str:
    if "variants" in resource:
        return "product"
    if "line_items" in resource:
        is_checkout = "token" in resource and not ({"order_number", "financial_status"} & resource.keys())
        return "checkout" if is_checkout else "order"
    if {"email", "first_name", "last_name", "phone"} & resource.keys():
        return "customer"
    raise InvalidInput("cannot tell what this is: expected an order, product, customer or checkout")


def _unwrap(resource: Any, line: int, kind: str | None = None) -> Record:
    if not isinstance(resource, dict):
        raise InvalidInput(f"line {line}: expected a JSON object, got {type(resource).__name__}")
    if kind is None and len(resource) == 1 and next(iter(resource)) in KINDS:
        kind, resource = next(iter(resource.items()))
    try:
        return Record(line, kind or guess_kind(resource), resource)
    except InvalidInput as exc:
        raise InvalidInput(f"line {line}: {exc}") from None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t\r\n":
        i += 1
    return i


def _array_items(text: str, i: int, decoder: json.JSONDecoder, end: list[int]) -> Iterator[tuple[int, Any]]:
    """Yield ``(offset, value)`` for each element of the array at ``text[i] == '['``; when
    done, ``end[0]`` is the index just past its ``]``."""
    i = _skip(text, i + 1)
    if text[i : i + 1] == "]":
        end[:] = [i + 1]
        return
    while True:
        start = _skip(text, i)
        value, i = decoder.raw_decode(text, start)
        yield start, value
        i = _skip(text, i)
        if text[i : i + 1] == ",":
            i += 1
            continue
        if text[i : i + 1] == "]":
            end[:] = [i + 1]
            return
        raise ValueError(f"line {_line_of(text, i)}: expected ',' or ']' in the array")


def read_json(text: str) -> Iterator[Record | InvalidInput]:
    """Records of a JSON document, each with the line it starts on."""
    decoder = json.JSONDecoder()
    i = _skip(text, 0)
    if text[i : i + 1] not in ("[", "{"):
        raise InvalidInput("line 1: a JSON file must hold an array or an object")
    try:
        end = [0]
        if text[i] == "[":
            for start, value in _array_items(text, i, decoder, end):
                yield _safe(_unwrap, value, _line_of(text, start))
            return
        # {"orders": [...], "products": [...]}
        i = _skip(text, i + 1)
        while i < len(text) and text[i] != "}":
            key, i = decoder.raw_decode(text, i)
            i = _skip(text, i)
            if text[i : i + 1] != ":":
                raise ValueError(f"line {_line_of(text, i)}: expected ':'")
            i = _skip(text, i + 1)
            kind = PLURALS.get(key) if isinstance(key, str) else None
            if kind and text[i : i + 1] == "[":
                for start, value in _array_items(text, i, decoder, end):
                    yield _safe(_unwrap, value, _line_of(text, start), kind)
                i = end[0]
            else:
                line = _line_of(text, i)
                _, i = decoder.raw_decode(text, i)
                yield InvalidInput(f"line {line}: key {key!r} is not one of {', '.join(PLURALS)}; skipped")
            i = _skip(text, i)
            if text[i : i + 1] == ",":
                i = _skip(text, i + 1)
    except ValueError as exc:
        raise InvalidInput(f"the JSON is malformed: {exc}") from None


def _safe(make: Callable[..., Record], *args: Any) -> Record | InvalidInput:
    try:
        return make(*args)
    except InvalidInput as exc:
        return exc


def read_jsonl(text: str) -> Iterator[Record | InvalidInput]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except ValueError as exc:
            yield InvalidInput(f"line {number}: not valid JSON ({exc})")
            continue
        yield _safe(_unwrap, value, number)


def _csv_order(store: Store, key: str, rows: list[tuple[int, dict[str, str]]]) -> OrderInput:
    first_line, first = rows[0]

    def amount(row: dict[str, str], column: str, line: int) -> Decimal:
        try:
            return parse_amount((row.get(column) or "").strip(), field=column)
        except InvalidInput as exc:
            raise InvalidInput(f"line {line}: {exc}") from None

    try:
        placed = datetime.fromisoformat(first["placed_at"].strip())
    except ValueError:
        raise InvalidInput(
            f"line {first_line}: placed_at {first['placed_at']!r} is not a date (use 2025-11-28 "
            "or 2025-11-28T09:30:00+09:00)"
        ) from None
    if placed.tzinfo is None:
        placed = placed.replace(tzinfo=UTC)
    lines = []
    for position, (line, row) in enumerate(rows, start=1):
        quantity = (row.get("quantity") or "").strip()
        if not quantity.isdigit() or int(quantity) == 0:
            raise InvalidInput(f"line {line}: quantity {quantity!r} is not a whole number above 0")
        if not (row.get("title") or "").strip():
            raise InvalidInput(f"line {line}: title is empty")
        lines.append(
            LineInput(
                platform_id=f"{key}:{position}",
                title=row["title"].strip(),
                quantity=int(quantity),
                unit_price=amount(row, "unit_price", line),
                sku=(row.get("sku") or "").strip(),
                product_platform_id=(row.get("product_id") or "").strip(),
                variant_platform_id=(row.get("variant_id") or "").strip(),
            )
        )
    shipping, tax = amount(first, "shipping", first_line), amount(first, "tax", first_line)
    discount = amount(first, "discount", first_line)
    subtotal = sum((ln.unit_price * ln.quantity for ln in lines), Decimal("0"))
    tags = tuple(t.strip() for t in (first.get("tags") or "").split(",") if t.strip())
    email, phone = (first.get("email") or "").strip(), (first.get("phone") or "").strip()
    platform_id = (first.get("customer_id") or "").strip()
    customer = (
        CustomerInput(
            platform_id=platform_id, email=email, phone=phone, name=(first.get("customer_name") or "").strip()
        )
        if (email or phone or platform_id)
        else None
    )
    return OrderInput(
        platform_id=f"csv:{key}",
        name=f"#{key}",
        number=key,
        placed_at=placed,
        updated_at=placed,
        currency=(first.get("currency") or store.currency).strip().upper(),
        subtotal=subtotal,
        total_discounts=discount,
        total_shipping=shipping,
        total_tax=tax,
        total=subtotal - discount + shipping + tax,
        email=email,
        phone=phone,
        customer=customer,
        financial_status=(first.get("financial_status") or "paid").strip(),
        fulfillment_status=(first.get("fulfillment_status") or "").strip(),
        tags=tags,
        source="import",
        lines=tuple(lines),
    )


def _csv_record(store: Store, key: str, rows: list[tuple[int, dict[str, str]]]) -> Record:
    return Record(rows[0][0], "csv-order", _csv_order(store, key, rows))


def parse_columns(text: str) -> dict[str, str]:
    """``order=Invoice,placed_at=InvoiceDate`` → ``{"order": "Invoice", ...}``: which of the
    file's headers holds each of Stay's columns."""
    columns: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in text.split(","))):
        ours, sep, theirs = (part.strip() for part in pair.partition("="))
        if not sep or not ours or not theirs:
            raise InvalidInput(f"--columns: {pair!r} is not COLUMN=HEADER (e.g. order=Invoice)")
        if ours not in CSV_COLUMNS:
            raise InvalidInput(f"--columns: {ours!r} is not one of Stay's columns ({', '.join(CSV_COLUMNS)})")
        if ours in columns:
            raise InvalidInput(f"--columns: {ours!r} is named twice")
        columns[ours] = theirs
    return columns


def read_csv(text: str, store: Store, columns: Mapping[str, str] | None = None) -> Iterator[Record | InvalidInput]:
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in reader.fieldnames or []]
    absent = [theirs for theirs in (columns or {}).values() if theirs not in header]
    if absent:
        raise InvalidInput(
            f"line 1: the CSV has no column {', '.join(map(repr, absent))} (its header: {', '.join(header)})"
        )
    # Where each of Stay's columns is read from: the header --columns names, or its own name.
    source = {ours: (columns or {}).get(ours, ours) for ours in CSV_COLUMNS}
    source = {ours: theirs for ours, theirs in source.items() if theirs in header}
    missing = [c for c in CSV_REQUIRED if c not in source]
    if missing:
        raise InvalidInput(
            f"line 1: the CSV header lacks {', '.join(missing)} (columns: {', '.join(CSV_COLUMNS)}; "
            "another program's headers are named with --columns order=Invoice,...)"
        )
    reader.fieldnames = header
    groups: dict[str, list[tuple[int, dict[str, str]]]] = {}
    for raw in reader:
        line = reader.line_num
        row = {ours: raw.get(theirs) or "" for ours, theirs in source.items()}
        key = row["order"].strip().lstrip("#")
        if not key:
            yield InvalidInput(f"line {line}: order is empty")
            continue
        groups.setdefault(key, []).append((line, row))
    for key, rows in groups.items():
        yield _safe(_csv_record, store, key, rows)


def records(
    path: Path, store: Store, fmt: str = "auto", columns: Mapping[str, str] | None = None
) -> list[Record | InvalidInput]:
    zipped = path.suffix.lower() == ".gz"
    if fmt == "auto":
        suffix = (path.with_suffix("") if zipped else path).suffix.lower()
        fmt = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl"}.get(suffix, "json")
    if columns and fmt != "csv":
        raise InvalidInput("--columns names a CSV's headers; this file is read as " + fmt)
    try:
        raw = gzip.decompress(path.read_bytes()) if zipped else path.read_bytes()
        text = raw.decode("utf-8-sig")
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise InvalidInput(f"{path} ends in .gz but is not gzip: {exc}") from None
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text: {exc}") from None
    if fmt == "csv":
        return list(read_csv(text, store, columns))
    if fmt == "jsonl":
        return list(read_jsonl(text))
    return list(read_json(text))


def apply(record: Record, store: Store, actor: str) -> None:
    if record.kind == "csv-order":
        order_upsert(store=store, data=record.data, actor=actor)
    else:
        webhook_apply(store=store, topic=KINDS[record.kind], payload=record.data, actor=actor)


def import_file(
    path: Path,
    *,
    store: Store,
    fmt: str = "auto",
    columns: Mapping[str, str] | None = None,
    actor: str = "import",
    on_record: Callable[[], None] | None = None,
) -> ImportResult:
    result = ImportResult()
    items = records(path, store, fmt, columns)
    # Products first, so that order lines find their variants.
    items.sort(key=lambda r: 0 if isinstance(r, Record) and r.kind == "product" else 1)
    for item in items:
        if isinstance(item, InvalidInput):
            result.errors.append(str(item))
        else:
            try:
                apply(item, store, actor)
                result.imported[item.kind.removeprefix("csv-")] += 1
            except StayError as exc:
                result.errors.append(f"line {item.line}: {exc}")
            except Exception as exc:  # one broken record must not stop the backfill
                log.exception("import: line %s failed", item.line)
                result.errors.append(f"line {item.line}: {type(exc).__name__}: {exc}")
        if on_record:
            on_record()
    return result
