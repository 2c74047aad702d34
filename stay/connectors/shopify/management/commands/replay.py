"""``stay replay FILE --speed N``: push a real season's orders through the store's signed
webhook endpoint at N times real time (``connectors.shopify.replay``)."""

from pathlib import Path
from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stay.connectors.shopify.importer import parse_columns, records
from stay.connectors.shopify.replay import replay
from stay.core.errors import InvalidInput
from stay.core.models import Store


class Command(BaseCommand):
    help = (
        "Replay an orders CSV (one row per line item; another program's headers named with --columns) "
        "through the store's Shopify webhook endpoint at --speed times real time."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--speed", type=float, required=True, help="how many times real time, e.g. 3600")
        parser.add_argument("--store", default="", help="the store's slug (needed if several exist)")
        parser.add_argument("--url", default="http://127.0.0.1:8000", help="where Stay serves (default: %(default)s)")
        parser.add_argument("--columns", default="", help="e.g. order=Invoice,placed_at=InvoiceDate,... (see import)")
        parser.add_argument("--limit", type=int, default=0, help="only the first N orders")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["speed"] <= 0:
            raise CommandError("--speed: a number above 0, e.g. 60 (an hour a minute)")
        stores = Store.objects.filter(slug=options["store"]) if options["store"] else Store.objects.all()
        if stores.count() != 1:
            raise CommandError("--store: name the store's slug" + (" (no such store)" if options["store"] else ""))
        store = stores.get()
        try:
            columns = parse_columns(options["columns"]) if options["columns"] else None
            found = records(options["file"], store, "csv", columns)
        except (InvalidInput, OSError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from None
        orders = [r.data for r in found if not isinstance(r, InvalidInput)]
        for bad in (r for r in found if isinstance(r, InvalidInput)):
            self.stderr.write(f"skipped: {bad}")
        if options["limit"]:
            orders = sorted(orders, key=lambda order: order.placed_at)[: options["limit"]]
        url = f"{options['url'].rstrip('/')}/webhooks/shopify/{store.slug}"
        self.stdout.write(f"replaying {len(orders):,} orders to {url} at {options['speed']:g}x")
        try:
            done = replay(orders, url=url, secret=store.webhook_secret, speed=options["speed"])
        except httpx.HTTPError as exc:
            raise CommandError(f"{url}: {exc} (is Stay serving there? --url names where)") from None
        for refusal in done.refused:
            self.stderr.write(refusal)
        self.stdout.write(
            f"sent {done.sent:,} orders, {len(done.refused):,} refused; at most {done.behind_seconds:.1f} s behind"
        )
