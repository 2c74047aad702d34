"""``stay assistant eval FILE.csv`` and ``stay assistant bench --train T.csv --test E.csv``."""

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from stay.assistant.engine import HELD_OUT, TEST_SET, IntentEngine, few_shots, read_examples
from stay.assistant.evaluation import evaluate
from stay.assistant.services import engines, intent_words, settings_for
from stay.core.models import Store
from stay.core.textmodel import models


class Command(BaseCommand):
    help = (
        "Measure the assistant: `eval` its intents on labelled messages, `bench` the engine on any data set; "
        "`warm` trains it on the built-in examples ahead of the first message (kept in the data directory)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        ev = sub.add_parser("eval", help="Accuracy, macro-F1, worst intents, share answered alone, latency.")
        ev.add_argument(
            "file",
            nargs="?",
            default="",
            help="CSV with text,intent[,lang[,style]] (default: the shipped test set, then the held-out set)",
        )
        ev.add_argument("--store", default="", help="the store whose intents and threshold to use (slug)")
        be = sub.add_parser("bench", help="Train the intent engine on one CSV, measure it on another.")
        be.add_argument("--train", required=True, help="CSV with text and intent (or category)")
        be.add_argument("--test", required=True, help="CSV with text and intent (or category)")
        be.add_argument("--shots", type=int, default=0, help="train on K examples per intent (0: all)")
        be.add_argument("--seed", type=int, default=0, help="which K examples (reproducible)")
        be.add_argument("--threshold", type=float, default=0.45, help="confidence counted as answered alone")
        sub.add_parser("warm", help="Train on the built-in examples now, so the first message is answered at once.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "eval":
                self.eval(options["file"], options["store"])
            elif options["action"] == "warm":
                started = time.perf_counter()
                engines.warm()
                self.stdout.write(f"assistant ready in {time.perf_counter() - started:.1f} s")
            else:
                self.bench(options)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc

    def eval(self, path: str, slug: str) -> None:
        sets = [(name, read_examples(name)) for name in ([path] if path else [str(TEST_SET), str(HELD_OUT)])]
        try:
            store = Store.objects.filter(slug=slug).first() if slug else Store.objects.order_by("id").first()
        except DatabaseError:  # no database yet (not migrated): the built-in engine, unless a store was named
            if slug:
                raise CommandError("no database yet: run `stay migrate` first, or leave out --store") from None
            store = None
        if slug and store is None:
            raise CommandError(f"no store {slug!r}")
        started = time.perf_counter()
        if store is not None:
            engine = engines.get(store)
            threshold = float(settings_for(store).confidence)
        else:
            from stay.assistant.engine import built_in_examples

            engine, threshold = IntentEngine(built_in_examples()), 0.45
        self.stdout.write(
            f"models: {models()}; trained on {engine.examples} examples in {time.perf_counter() - started:.1f} s"
        )
        region = store.country if store is not None else "US"
        for name, examples in sets:
            report = evaluate(
                lambda text: engine.predict(intent_words(text, region=region)), examples, threshold=threshold
            )
            self.stdout.write(f"\n== {name}\n" + "\n".join(report.lines()))

    def bench(self, options: dict[str, Any]) -> None:
        train, test = read_examples(options["train"]), read_examples(options["test"])
        if options["shots"]:
            train = few_shots(train, options["shots"], options["seed"])
        started = time.perf_counter()
        engine = IntentEngine(train)
        self.stdout.write(
            f"models: {models()}; {len({e.intent for e in train})} intents, {len(train)} training examples, "
            f"trained in {time.perf_counter() - started:.1f} s; {len(test)} test messages"
        )
        report = evaluate(engine.predict, test, threshold=options["threshold"])
        self.stdout.write("\n".join(report.lines()))
