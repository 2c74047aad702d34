import time

from django.core.management.base import BaseCommand
from django.db import transaction

from stay.core.models import Store
from stay.core.selectors import store_webhook_url
from stay.customers.models import Customer
from stay.demo.builder import DemoBuilder, DemoSize


class Command(BaseCommand):
    help = (
        "Build the demo store: a season (October to January) of a sports-and-outdoor brand, deterministic from --seed."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--products", type=int, default=200)
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--carts", type=int, default=1500)
        parser.add_argument("--conversations", type=int, default=400)
        parser.add_argument("--season", type=int, default=2025, help="Year of the October the season starts in.")
        parser.add_argument("--if-empty", action="store_true", help="Do nothing if a store already exists.")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        if Store.objects.exists():
            if o["if_empty"]:
                store = Store.objects.order_by("id")[0]
                self.stdout.write(f"Store {store.name!r} exists: keeping it ({Customer.objects.count()} customers).")
                return
            if Store.objects.filter(slug="summit").exists():
                self.stderr.write("The demo store 'summit' exists already; use a fresh data directory.")
                raise SystemExit(1)
        started = time.monotonic()

        def progress(stage: str, n: int) -> None:
            self.stdout.write(f"  {stage}: {n}", ending="\r" if stage == "orders" else "\n")
            self.stdout.flush()

        size = DemoSize(
            products=o["products"],
            customers=o["customers"],
            orders=o["orders"],
            carts=o["carts"],
            conversations=o["conversations"],
            season=o["season"],
        )
        self.stdout.write("Building the demo store…")
        with transaction.atomic():
            store, report = DemoBuilder(seed=o["seed"], size=size, progress=progress).build()
        self.stdout.write("")
        self.stdout.write(
            f"Demo store {store.name!r} ready in {time.monotonic() - started:.1f} s: {report.products} products "
            f"({report.variants} variants), {report.customers} customers, {report.orders} orders "
            f"({report.gift_orders} gifts, {report.gift_card_orders} with gift cards, {report.refunds} refunds, "
            f"{report.cancelled} cancelled; problems {report.problems}), {report.carts} carts, "
            f"{report.conversations} conversations."
        )
        self.stdout.write(f"Webhook URL: {store_webhook_url(store)}")
