"""``stay recommendations eval FILE.csv --split DATE``: the issue 22 protocol on an invoice file
(Online Retail II's columns), for every baseline or the one named. ``stay recommendations
train [--store SLUG]``: train from the stores' orders now (the nightly job does it too)."""

from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stay.core.models import Store
from stay.recommendations.baselines import BASELINES
from stay.recommendations.evaluation import evaluate, read_baskets, split_at
from stay.recommendations.training import train


class Command(BaseCommand):
    help = "Measure recommendations: `eval` NDCG@10 and Recall@10 (all items, new items only) on an invoice file."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="Train before --split, score each shopper's next basket after it.")
        ev.add_argument("file", help="CSV (or .csv.gz): Invoice, StockCode, Quantity, InvoiceDate, Price, Customer ID")
        ev.add_argument("--split", required=True, help="the first day of the test period, YYYY-MM-DD")
        names = [model.name for model in BASELINES]
        ev.add_argument("--model", choices=names, help="one model (default: every baseline)")
        tr = sub.add_parser("train", help="Train from the stores' orders and swap the new models in.")
        tr.add_argument("--store", default="", help="one store (slug); default: every store")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            self.train(options["store"])
            return
        try:
            split = datetime.strptime(options["split"], "%Y-%m-%d")
        except ValueError:
            raise CommandError(f"--split {options['split']!r}: a date like 2010-10-01 is needed") from None
        try:
            baskets = read_baskets(options["file"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        data = split_at(baskets, split)
        if not data.targets:
            raise CommandError("no shopper has a basket on both sides of --split: choose another date")
        self.stdout.write(
            f"{len(baskets):,} baskets; {len(data.history):,} shoppers before {options['split']}, "
            f"{len(data.targets):,} of them with a next basket after it"
        )
        for model in BASELINES:
            if options["model"] in (None, model.name):
                self.stdout.write(evaluate(model(), data).line())

    def train(self, slug: str) -> None:
        stores = Store.objects.filter(slug=slug) if slug else Store.objects.all()
        if slug and not stores:
            raise CommandError(f"no store {slug!r}")
        for store in stores:
            trained = train(store)
            if trained is None:
                self.stdout.write(f"{store.slug}: no orders with a customer yet; nothing to learn from")
            else:
                self.stdout.write(
                    f"{store.slug}: {trained.customers:,} customers, {trained.products:,} products, "
                    f"trained in {trained.seconds:.1f} s -> {trained.path}"
                )
