"""``stay insights rebuild [--store SLUG]``: recount the buyers' summaries from the orders (the
nightly job does it too) and say how many kept rows were wrong."""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stay.core.models import Store
from stay.insights.services import buyers_rebuild


class Command(BaseCommand):
    help = "Insights: `rebuild` recounts the buyers' summaries from the orders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rebuild = sub.add_parser("rebuild", help="Recount every buyer from their orders; report what was wrong.")
        rebuild.add_argument("--store", default="", help="one store (slug); default: every store")

    def handle(self, *args: Any, **options: Any) -> None:
        stores = Store.objects.order_by("slug")
        if options["store"]:
            stores = stores.filter(slug=options["store"])
            if not stores.exists():
                raise CommandError(f"--store {options['store']!r}: no such store (see `stay createstore`)")
        for store in stores:
            done = buyers_rebuild(store_id=store.pk)
            self.stdout.write(f"{store.slug}: {done.customers} customers recounted, {done.corrected} corrected")
