import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from stay.connectors.shopify.importer import CSV_COLUMNS, import_file, parse_columns
from stay.core.errors import StayError
from stay.core.models import Store


class Command(BaseCommand):
    help = (
        "Backfill a store from a file: Shopify-format JSON (an array of orders/products/customers/checkouts, "
        'or {"orders": [...], ...}), JSON lines, or a CSV of orders with one row per line item '
        f"(columns: {', '.join(CSV_COLUMNS)}). Bad records are reported with their line number; "
        "the rest still imports."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):  # type: ignore[no-untyped-def]
        return super().create_parser(prog_name, "import", **kwargs)

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", type=Path)
        parser.add_argument("--store", default="", help="Slug of the store to fill (needed if several exist).")
        parser.add_argument("--format", default="auto", choices=["auto", "json", "jsonl", "csv"])
        parser.add_argument(
            "--columns",
            default="",
            help="For another program's CSV: which of its headers holds each of Stay's columns, "
            "e.g. order=Invoice,placed_at=InvoiceDate,title=Description,quantity=Quantity,unit_price=Price,"
            "customer_id='Customer ID',product_id=StockCode. Unnamed columns are read by their own name.",
        )

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        path: Path = o["file"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            columns = parse_columns(o["columns"])
        except StayError as exc:
            raise CommandError(str(exc)) from exc
        stores = Store.objects.filter(slug=o["store"]) if o["store"] else Store.objects.all()
        found = list(stores[:2])
        if not found:
            raise CommandError(f"no store {o['store']!r}" if o["store"] else "no store yet: run `stay createstore`")
        if len(found) > 1:
            raise CommandError("several stores exist: name one with --store SLUG")
        bar = tqdm(unit=" records", file=sys.stderr, desc=path.name, disable=None)
        try:
            result = import_file(path, store=found[0], fmt=o["format"], columns=columns, on_record=bar.update)
        except StayError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        finally:
            bar.close()
        summary = ", ".join(f"{n} {kind}s" for kind, n in sorted(result.imported.items())) or "nothing"
        self.stdout.write(f"Imported {summary} into {found[0].name!r}.")
        for error in result.errors:
            self.stderr.write(f"{path}: {error}")
        if result.errors:
            raise CommandError(f"{len(result.errors)} record(s) were not imported; see above")
