"""Gift card redemptions per second on PostgreSQL, beside pgbench as the server's ceiling
(run by hand; not part of `make test`).

    python bench/giftcards.py --clients 32 --seconds 20

A redemption is what a checkout does: ``gift_card_authorize(..., capture=True)`` with its own
idempotency key, one transaction that locks the card, holds, captures, posts the balanced
ledger transaction and records the key (on PostgreSQL one call of the database function
``giftcards_authorize``, docs/adr/0011-redemption-in-one-call.md). 32 clients
(``--processes`` processes, threads in each) redeem 1.00 at a time from their own cards.
Then ``pgbench`` (TPC-B-like, the same number of clients) runs against the same server.
Target (issue #4): >= 1,000 redemptions/s.
"""

import argparse
import multiprocessing
import os
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

from ceiling import fresh, pgbench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres@127.0.0.1:5432"


def setup(data_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/stay_bench"
    os.environ["STAY_DATA_DIR"] = data_dir
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    # Every client thread holds a connection for its whole redemption: room for all of them.
    os.environ.setdefault("STAY_DB_POOL_SIZE", "16")
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()


def client_process(codes: list[list[str]], seconds: float, start_at: float, data_dir: str, out) -> None:  # type: ignore[no-untyped-def]
    setup(data_dir)  # a spawned process: its own Django, its own connection pool
    from django.db import connections

    from stay.core.models import Store
    from stay.giftcards.services import Caller, Tender, gift_card_authorize

    connections.close_all()
    store = Store.objects.get(slug="bench")
    done, failed, latencies, errors = [0], [0], [], {}
    lock = threading.Lock()

    def run(mine: list[str], name: str) -> None:
        n = 0
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        while time.time() < end:
            code = mine[n % len(mine)]
            began = time.perf_counter()
            try:
                gift_card_authorize(
                    store=store,
                    amount=Decimal("1.00"),
                    currency="USD",
                    tenders=[Tender(code=code)],
                    capture=True,
                    caller=Caller("bench", name),
                    idempotency_key=f"{name}-{n}",
                )
                ok = True
            except Exception as exc:
                ok = False
                with lock:
                    kind = f"{type(exc).__name__}: {str(exc)[:90]}"
                    errors[kind] = errors.get(kind, 0) + 1
            took = time.perf_counter() - began
            with lock:
                if ok:
                    done[0] += 1
                    latencies.append(took)
                else:
                    failed[0] += 1
            n += 1
        connections.close_all()

    threads = [threading.Thread(target=run, args=(mine, f"c{os.getpid()}-{i}")) for i, mine in enumerate(codes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((done[0], failed[0], latencies, errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--cards-per-client", type=int, default=20)
    args = parser.parse_args()

    fresh("stay_bench")
    data_dir = tempfile.mkdtemp(prefix="stay-bench-")
    setup(data_dir)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from stay.core.services import store_create
    from stay.giftcards.codes import code_display, code_from_nonce
    from stay.giftcards.models import GiftCard, LedgerTransaction
    from stay.giftcards.services import Caller, Tender, gift_card_authorize, gift_card_issue

    store = store_create(name="Bench", slug="bench", webhook_secret="bench-secret")
    total = args.clients * args.cards_per_client
    for i in range(total):
        gift_card_issue(store=store, amount=Decimal("1000.00"), caller=Caller("bench"), idempotency_key=f"issue-{i}")
    codes = [
        code_display(code_from_nonce(n)) for n in GiftCard.objects.order_by("pk").values_list("code_nonce", flat=True)
    ]
    per_client = [codes[i :: args.clients] for i in range(args.clients)]
    alone = time.perf_counter()
    for n in range(200):  # one client on its own: the cost of one redemption, start to answer
        gift_card_authorize(
            store=store,
            amount=Decimal("1.00"),
            currency="USD",
            tenders=[Tender(code=codes[n % len(codes)])],
            capture=True,
            caller=Caller("bench", "alone"),
            idempotency_key=f"alone-{n}",
        )
    print(f"one client alone: {(time.perf_counter() - alone) / 200 * 1000:.2f} ms a redemption")
    connections.close_all()

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 8  # time for every process to start Django
    groups = [per_client[p :: args.processes] for p in range(args.processes)]
    workers = [
        context.Process(target=client_process, args=(g, args.seconds, start_at, data_dir, queue)) for g in groups
    ]
    for w in workers:
        w.start()
    results = [queue.get() for _ in workers]
    for w in workers:
        w.join()
    done = sum(r[0] for r in results)
    failed = sum(r[1] for r in results)
    kinds: dict[str, int] = {}
    for r in results:
        for name, n in r[3].items():
            kinds[name] = kinds.get(name, 0) + n
    latencies = sorted(x for r in results for x in r[2])
    rate = done / args.seconds
    captured = LedgerTransaction.objects.filter(kind="capture").count()
    print(
        f"redemptions: {done} in {args.seconds:.0f} s = {rate:.0f}/s with {args.clients} clients "
        f"({args.processes} processes); failed {failed} {kinds or ''}; ledger captures {captured}"
    )
    if latencies:
        p50 = latencies[len(latencies) // 2] * 1000
        p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
        print(f"latency p50 {p50:.1f} ms, p99 {p99:.1f} ms")
    tps = pgbench(args.clients, int(args.seconds))
    print(f"pgbench TPC-B-like, {args.clients} clients, same server: {tps:.0f} tps")
    print(
        f"redemptions / pgbench tps = {rate / tps:.2f}; target >= 1,000 redemptions/s: "
        f"{'met' if rate >= 1000 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
