"""The assistant's intent engine and answers (run by hand; not part of `make test`).

    python bench/assistant.py [--banking77 ../shared/data/banking77] [--seeds 3] [--skip-banking77]

1. The project's own test set (English and Korean, 32 messages per intent, none in the
   training examples): accuracy per language, macro-F1, the share answered without a person,
   and latency per message through the intent engine, one message at a time. Then the
   held-out set written as shoppers write (issue 24: typos, slang, order numbers, mixed
   languages), with its accuracy per way of writing.
2. End to end: ``assistant_reply`` for every test message on a store with the demo help
   centre (intent, help-centre search, the recorded turn): p50/p95 per message.
3. BANKING77 (Casanueva et al., 2020; 77 intents, 3,080 test messages): trained on the full
   training set, and on 10 examples per intent (the mean of ``--seeds`` draws), against the
   published 93.36% and 85.19%; p50/p95 per message.
4. Start-up: how long a fresh process takes to have the built-in engine, in a new data
   directory (it trains and saves it) and again in the same one (it reads the saved engine).

Embeddings of training texts are kept under var/bench-assistant/cache, so a second run
starts at once; the database there is made afresh each run.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA_DIR = ROOT / "var" / "bench-assistant"


def setup() -> None:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    for leftover in DATA_DIR.glob("stay.sqlite3*"):
        leftover.unlink()
    os.environ["STAY_DATA_DIR"] = str(DATA_DIR)
    os.environ.pop("DATABASE_URL", None)
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def show(title: str, lines: list[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def own_test_set() -> None:
    from stay.assistant.engine import HELD_OUT, TEST_SET, IntentEngine, built_in_examples, read_examples
    from stay.assistant.evaluation import evaluate
    from stay.assistant.services import intent_words
    from stay.core.textmodel import models

    started = time.perf_counter()
    engine = IntentEngine(built_in_examples())
    trained = time.perf_counter() - started

    def read(text: str):  # type: ignore[no-untyped-def]  # as the reply reads it (without order numbers, e-mails)
        return engine.predict(intent_words(text, region="US"))

    report = evaluate(read, read_examples(TEST_SET), threshold=0.45)
    show(
        f"own test set ({models()}; {engine.examples} training examples, trained in {trained:.1f} s)",
        report.lines(),
    )
    held = evaluate(read, read_examples(HELD_OUT), threshold=0.45)
    show("held-out set, written as shoppers write (data/heldout.csv, never trained on)", held.lines())


def end_to_end() -> None:
    from stay.assistant.engine import TEST_SET, read_examples
    from stay.assistant.models import AssistantSettings
    from stay.assistant.services import Ask, assistant_reply
    from stay.core.services import store_create
    from stay.demo.articles import help_centre_create

    store = store_create(name="Bench Outdoor", slug="bench", webhook_secret="x" * 24, country="KR")
    AssistantSettings.objects.create(store=store, enabled=True, channels=["webchat"])
    help_centre_create(store)
    messages = read_examples(TEST_SET)
    assistant_reply(Ask(store=store, text="hello"))  # trains the store's engine
    latencies = []
    for example in messages:
        started = time.perf_counter()
        assistant_reply(Ask(store=store, text=example.text))
        latencies.append(time.perf_counter() - started)
    ordered = sorted(latencies)
    show(
        "end to end: assistant_reply (intent, help-centre search, recorded turn), SQLite",
        [
            f"{len(messages)} messages: p50 {ordered[len(ordered) // 2] * 1000:.1f} ms, "
            f"p95 {ordered[int(len(ordered) * 0.95)] * 1000:.1f} ms"
        ],
    )


def banking77(folder: Path, seeds: int) -> None:
    from stay.assistant.engine import IntentEngine, few_shots, read_examples
    from stay.assistant.evaluation import evaluate

    train = read_examples(folder / "train.csv")
    test = read_examples(folder / "test.csv")
    runs: list[tuple[str, list[float], list[str]]] = []
    for label, sets in (
        ("full training set (published: 93.36%)", [train]),
        ("10 examples per intent (published: 85.19%)", [few_shots(train, 10, seed) for seed in range(seeds)]),
    ):
        accuracies, lines = [], []
        for i, examples in enumerate(sets):
            started = time.perf_counter()
            engine = IntentEngine(examples)
            trained = time.perf_counter() - started
            report = evaluate(engine.predict, test, threshold=0.0)
            accuracies.append(report.accuracy)
            lines.append(
                f"run {i + 1}: {len(examples)} examples, trained in {trained:.1f} s; accuracy {report.accuracy:.2%}, "
                f"macro-F1 {report.macro_f1:.2%}, p50 {report.p50_ms:.1f} ms, p95 {report.p95_ms:.1f} ms"
            )
        runs.append((label, accuracies, lines))
    for label, accuracies, lines in runs:
        mean = statistics.mean(accuracies)
        show(f"BANKING77, {label}: mean accuracy {mean:.2%}", lines)


_READY = (
    "import os, time, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'stay.settings.base'; django.setup();"
    "from stay.assistant.services import engines; t = time.perf_counter(); engines.warm();"
    "print(time.perf_counter() - t)"
)


def startup() -> None:
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as data_dir:
        cache = Path(data_dir) / "cache"
        cache.mkdir()
        for vectors in (DATA_DIR / "cache").glob("vectors-*.npz"):  # the examples' vectors, as a restart has them
            shutil.copy(vectors, cache)
        env = {**os.environ, "STAY_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT)}
        seconds = [
            float(
                subprocess.run(
                    [sys.executable, "-c", _READY], env=env, capture_output=True, text=True, check=True
                ).stdout
            )
            for _ in range(2)
        ]
    show(
        "Start-up: the built-in engine ready in a fresh process",
        [f"first process (trains and saves it): {seconds[0]:.2f} s", f"every later one (reads it): {seconds[1]:.2f} s"],
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--banking77", type=Path, default=ROOT.parent / "shared" / "data" / "banking77")
    parser.add_argument("--seeds", type=int, default=3, help="draws of 10 examples per intent")
    parser.add_argument("--skip-banking77", action="store_true")
    args = parser.parse_args()
    setup()
    print(f"machine: {os.cpu_count()} cores; Python {sys.version.split()[0]}")
    own_test_set()
    end_to_end()
    startup()
    if not args.skip_banking77:
        if not (args.banking77 / "train.csv").exists():
            sys.exit(f"no BANKING77 at {args.banking77} (pass --banking77 FOLDER or --skip-banking77)")
        banking77(args.banking77, args.seeds)


if __name__ == "__main__":
    try:
        main()
    finally:
        shutil.rmtree(DATA_DIR / "media", ignore_errors=True)
