import os
import subprocess
import sys
import time
from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from stay.core.models import Store
from stay.core.selectors import store_webhook_url
from stay.customers.models import Customer
from stay.demo.builder import DemoBuilder, DemoSize


class Command(BaseCommand):
    help = (
        "Build the demo store: a sports-and-outdoor brand's orders from the last holiday season to a few days ago, "
        "deterministic from --seed and --today."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--products", type=int, default=200)
        parser.add_argument("--customers", type=int, default=3000)
        parser.add_argument("--orders", type=int, default=10_000)
        parser.add_argument("--carts", type=int, default=1500)
        parser.add_argument("--conversations", type=int, default=400)
        parser.add_argument(
            "--today",
            type=date.fromisoformat,
            default=None,
            help="Build the store as if today were this day (YYYY-MM-DD; default: today). The same seed and day "
            "build the same store.",
        )
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
            today=o["today"],
        )
        self.stdout.write("Building the demo store…")
        # The assistant learns its built-in examples in another process (another core: the
        # build keeps one busy) while the store is written; it keeps the result in the data
        # directory, where the hint below and the server find it: the first chat waits for nothing.
        one_thread = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
        warming = subprocess.Popen(  # our own interpreter and command
            [sys.executable, "-m", "stay", "assistant", "warm"],
            stdout=subprocess.DEVNULL,
            env={**os.environ, **one_thread},  # one core for it, the other for the build
        )
        with transaction.atomic():
            store, report = DemoBuilder(seed=o["seed"], size=size, progress=progress).build()
        warming.wait()
        self.stdout.write("")
        self.stdout.write(
            f"Demo store {store.name!r} ready in {time.monotonic() - started:.1f} s: {report.products} products "
            f"({report.variants} variants), {report.customers} customers, {report.orders} orders "
            f"({report.gift_orders} gifts, {report.gift_card_orders} with gift cards, {report.refunds} refunds, "
            f"{report.cancelled} cancelled; problems {report.problems}), {report.carts} carts, "
            f"{report.conversations} conversations."
        )
        self.stdout.write(f"Webhook URL: {store_webhook_url(store)}")
        self._returns_hint(store)

    def _returns_hint(self, store: Store) -> None:
        """An order and a gift receipt to try the returns portal with."""
        from stay.orders.models import Order
        from stay.returns.receipts import receipt_code

        shipped = Order.objects.filter(store=store, fulfillment_status="fulfilled", cancelled_at__isnull=True)
        order = shipped.exclude(email="").order_by("-placed_at").first()
        gift = shipped.filter(is_gift=True).order_by("-placed_at").first()
        if order is None:
            return
        self.stdout.write(
            f"Returns portal: {settings.PUBLIC_URL}/returns/{store.slug}/ with order {order.name} and {order.email}"
            + (f", or gift receipt {receipt_code(gift)}" if gift else "")
        )
        # Embeds the assistant's examples once, so the first chat is answered at once.
        from stay.assistant.services import engines, settings_for

        settings_for(store)
        engines.get(store)
        self.stdout.write(
            f"Help centre: {settings.PUBLIC_URL}/help/{store.slug}/ ; the assistant answers in the chat at "
            f"{settings.PUBLIC_URL}/channels/webchat/storefront (ask: where is my order? {order.name} {order.email})"
        )
