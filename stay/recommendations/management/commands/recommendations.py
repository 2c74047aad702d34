"""``stay recommendations eval FILE.csv --split DATE``: the issue 22 protocol on an invoice file
(Online Retail II's columns), for every baseline or the one named. ``stay recommendations
train [--store SLUG] [--before DATE]``: train from the stores' orders now (the nightly job does
it too); ``--before`` learns only from earlier orders, to measure the served model against the
orders that came after."""

from argparse import ArgumentParser
from datetime import UTC, datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from stay.core.models import Store
from stay.recommendations.baselines import BASELINES
from stay.recommendations.evaluation import evaluate, read_baskets, read_titles, split_at
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
        tr.add_argument("--before", help="learn only from orders placed before this day (YYYY-MM-DD, UTC)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "train":
            before = _day(options["before"], "--before") if options["before"] else None
            self.train(options["store"], before.replace(tzinfo=UTC) if before else None)
            return
        split = _day(options["split"], "--split")
        try:
            baskets, titles = read_baskets(options["file"]), read_titles(options["file"])
        except (OSError, ValueError) as exc:
            raise CommandError(f"{options['file']}: {exc}") from exc
        data = split_at(baskets, split, titles)
        if not data.targets:
            raise CommandError("no shopper has a basket on both sides of --split: choose another date")
        self.stdout.write(
            f"{len(baskets):,} baskets; {len(data.history):,} shoppers before {options['split']}, "
            f"{len(data.targets):,} of them with a next basket after it"
        )
        for model in BASELINES:
            if options["model"] in (None, model.name):
                self.stdout.write(evaluate(model(), data).line())

    def train(self, slug: str, before: datetime | None) -> None:
        stores = Store.objects.filter(slug=slug) if slug else Store.objects.all()
        if slug and not stores:
            raise CommandError(f"no store {slug!r}")
        for store in stores:
            trained = train(store, before)
            if trained is None:
                self.stdout.write(f"{store.slug}: no orders with a customer yet; nothing to learn from")
            else:
                self.stdout.write(
                    f"{store.slug}: {trained.customers:,} customers, {trained.products:,} products, "
                    f"trained in {trained.seconds:.1f} s -> {trained.path}"
                )


def _day(value: str, option: str) -> datetime:
    try:
        return datetime.strptime(value, "%Y-%m-%d")
    except ValueError:
        raise CommandError(f"{option} {value!r}: a date like 2010-10-01 is needed") from None
