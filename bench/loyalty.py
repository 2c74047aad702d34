"""Loyalty's cost on PostgreSQL, beside pgbench as the server's ceiling (run by hand; not part
of `make test`).

    python bench/loyalty.py --orders 10000 --clients 32 --seconds 10

1. Order webhooks: ``orders/create`` payloads (1,000 shoppers, two lines each) applied as the
   webhook worker applies them, with every durable subscriber run inline (the job queue in
   immediate mode), the programme off and on, in alternating chunks of ``--chunk`` so that
   drift hits both alike. With the programme on, each order writes a row of points due in its
   own transaction and the chunk's points are worked off in batches at its end (what the
   coalesced job does after a burst), inside the measured time. Target (issue 21): on <= 1.15x
   off.
2. A balance read (``loyalty.selectors.balance_of``, and ``GET /api/v1/loyalty/customers/{id}``
   through the whole Django stack in process: token, store, customer, member), p50 and p99,
   beside the bare ``/healthz`` through the same stack as the ceiling. Target: p99 <= 5 ms.
3. Redemptions: ``--clients`` clients (``--processes`` processes, threads in each) redeem a
   10-point discount reward for 64 members at once for ``--seconds``; the platform call is
   queued on Redis (STAY_QUEUE=redis) as in production. Then the books are checked: no balance
   below zero, each equal to the sum of its entries, every redemption's points taken once.
   Target: >= 500 redemptions/s with no overspend.
Then ``pgbench`` (TPC-B-like, the same number of clients) on the same server.
"""

import argparse
import copy
import json
import multiprocessing
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

from ceiling import fresh, pgbench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres@127.0.0.1:5432"
PAYLOAD = ROOT / "stay" / "connectors" / "shopify" / "tests" / "payloads" / "orders_create.json"
MEMBERS = 64
COST = 10


def setup(data_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/stay_bench_loyalty"
    os.environ["STAY_DATA_DIR"] = data_dir
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    os.environ["STAY_QUEUE"] = "redis"
    os.environ.setdefault("STAY_DB_POOL_SIZE", "16")
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()
    import logging

    logging.getLogger("huey").setLevel(logging.WARNING)


def percentile(values: list[float], share: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * share))] * 1000


def orders(store, n: int, start: int):  # type: ignore[no-untyped-def]
    base = json.loads(PAYLOAD.read_text())
    for i in range(start, start + n):
        body = copy.deepcopy(base)
        body["id"] = 10_000_000 + i
        body["name"] = body["order_number"] = f"#{100000 + i}"
        shopper = i % 1000
        body["email"] = f"shopper{shopper}@example.com"
        body["customer"] = {**body["customer"], "id": 500_000 + shopper, "email": body["email"]}
        body["line_items"] = [dict(line, id=line["id"] + i) for line in body["line_items"][:2]]
        yield body


def webhooks(store, n: int, chunk: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds to apply ``n`` orders with the programme off, and ``n`` with it on."""
    from huey.contrib.djhuey import HUEY

    from stay.connectors.shopify.services import webhook_apply
    from stay.loyalty import tasks
    from stay.loyalty.models import LoyaltySettings, OrderPoints, PointsDue

    HUEY.immediate = True  # every durable subscriber runs inline, as part of the measured work
    tasks.apply_soon = lambda: None  # type: ignore[assignment]  # the drain below does its work
    took = {False: 0.0, True: 0.0}
    done = 0
    while done < 2 * n:
        for on in (False, True):
            LoyaltySettings.objects.filter(store=store).update(enabled=on)
            started = time.perf_counter()
            for body in orders(store, chunk, done):
                webhook_apply(store=store, topic="orders/create", payload=body, actor="bench")
            if on:
                tasks.drain(tasks.services.points_apply_due)
            took[on] += time.perf_counter() - started
            done += chunk
    assert not PointsDue.objects.exists() and OrderPoints.objects.count() == n
    HUEY.immediate = False
    return took[False], took[True]


def reads(store, n: int) -> tuple[list[float], list[float]]:  # type: ignore[no-untyped-def]
    from django.conf import settings
    from django.test import Client

    from stay.core.services import api_token_create
    from stay.customers.models import Customer
    from stay.loyalty.models import Member
    from stay.loyalty.selectors import balance_of

    customers = list(Customer.objects.filter(pk__in=Member.objects.values("customer_id")))
    direct, http = [], []
    for _ in range(n):
        customer = random.choice(customers)
        began = time.perf_counter()
        balance_of(customer)
        direct.append(time.perf_counter() - began)
    from django.contrib.auth import get_user_model

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    get_user_model().objects.create_superuser("bench", "bench@example.com", "bench-pass")
    _, raw = api_token_create(username="bench")
    client = Client(headers={"Authorization": f"Bearer {raw}"})
    bare = []
    for _ in range(n // 5):
        customer = random.choice(customers)
        began = time.perf_counter()
        response = client.get(f"/api/v1/loyalty/customers/{customer.pk}")
        http.append(time.perf_counter() - began)
        assert response.status_code == 200, response.content
        began = time.perf_counter()
        client.get("/healthz")  # the bare endpoint: Django's request cycle and nothing else
        bare.append(time.perf_counter() - began)
    return direct, http, bare


def client_process(
    groups: list[list[int]], reward_id: int, seconds: float, start_at: float, data_dir: str, out
) -> None:  # type: ignore[no-untyped-def]
    setup(data_dir)
    from django.db import connections

    from stay.core.errors import StayError
    from stay.customers.models import Customer
    from stay.loyalty.rewards import reward_redeem

    connections.close_all()
    customers = {
        c.pk: c for c in Customer.objects.select_related("store").filter(pk__in={i for g in groups for i in g})
    }
    done, refused, latencies, errors = [0], [0], [], {}
    lock = threading.Lock()

    def run(mine: list[int], name: str) -> None:
        n = 0
        while time.time() < start_at:
            time.sleep(0.001)
        end = start_at + seconds
        while time.time() < end:
            began = time.perf_counter()
            try:
                reward_redeem(
                    customer=customers[mine[n % len(mine)]], reward_id=reward_id, key=f"{name}-{n}", actor="bench"
                )
                outcome = "done"
            except StayError as exc:
                outcome = exc.code
            except Exception as exc:
                outcome = f"{type(exc).__name__}: {str(exc)[:80]}"
            took = time.perf_counter() - began
            with lock:
                if outcome == "done":
                    done[0] += 1
                    latencies.append(took)
                elif outcome == "not_enough_points":
                    refused[0] += 1
                else:
                    errors[outcome] = errors.get(outcome, 0) + 1
            n += 1
        connections.close_all()

    threads = [threading.Thread(target=run, args=(g, f"c{os.getpid()}-{i}")) for i, g in enumerate(groups)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((done[0], refused[0], latencies, errors))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=10000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    fresh("stay_bench_loyalty")
    data_dir = tempfile.mkdtemp(prefix="stay-bench-")
    setup(data_dir)
    from django.core.management import call_command
    from django.db import connections

    call_command("migrate", verbosity=0)
    from stay.core.services import store_create
    from stay.customers.models import Customer
    from stay.loyalty.models import Member, PointsEntry, Redemption, Reward, RewardKind
    from stay.loyalty.services import balances_sum, points_bonus, settings_for

    store = store_create(name="Bench", slug="bench", webhook_secret="bench-secret", currency="USD")
    settings = settings_for(store)
    off, on = webhooks(store, args.orders, args.chunk)
    print(
        f"order webhooks: {args.orders} with the programme off {off:.1f} s ({args.orders / off:.0f}/s), "
        f"on {on:.1f} s ({args.orders / on:.0f}/s): on/off = {on / off:.3f}; target <= 1.15: "
        f"{'met' if on / off <= 1.15 else 'NOT met'}"
    )
    settings.enabled = True
    settings.save()
    direct, http, bare = reads(store, args.reads)
    print(
        f"balance read: selector p50 {percentile(direct, 0.5):.2f} ms p99 {percentile(direct, 0.99):.2f} ms; "
        f"HTTP GET in process p50 {percentile(http, 0.5):.2f} ms p99 {percentile(http, 0.99):.2f} ms "
        f"(bare /healthz p50 {percentile(bare, 0.5):.2f} ms p99 {percentile(bare, 0.99):.2f} ms); "
        f"target p99 <= 5 ms: {'met' if percentile(http, 0.99) <= 5 else 'NOT met'}"
    )

    reward = Reward.objects.create(store=store, name="$1 off", kind=RewardKind.AMOUNT, points=COST, value=1)
    members = []
    for i in range(MEMBERS):
        customer = Customer.objects.create(store=store, name=f"Member {i}")
        points_bonus(customer=customer, rule="review", key=f"seed-{i}", actor="bench", points=COST * 400)
        members.append(customer.pk)
    before = sum(Member.objects.filter(customer_id__in=members).values_list("available", flat=True))
    connections.close_all()
    per_client = [[members[(c * 7 + k) % MEMBERS] for k in range(4)] for c in range(args.clients)]
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    start_at = time.time() + 8  # time for every process to start Django
    groups = [per_client[p :: args.processes] for p in range(args.processes)]
    procs = [
        context.Process(target=client_process, args=(g, reward.pk, args.seconds, start_at, data_dir, queue))
        for g in groups
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    errors: dict[str, int] = {}
    for r in results:
        for kind, n in r[3].items():
            errors[kind] = errors.get(kind, 0) + n
    latencies = [x for r in results for x in r[2]]
    rate = done / args.seconds
    after = list(Member.objects.filter(customer_id__in=members))
    spent = before - sum(m.available for m in after)
    books = all(m.available >= 0 and balances_sum(m)["available"] == m.available for m in after)
    redeemed = Redemption.objects.filter(member__in=after).count()
    print(
        f"redemptions: {done} in {args.seconds:.0f} s = {rate:.0f}/s with {args.clients} clients "
        f"({args.processes} processes), p50 {percentile(latencies, 0.5):.1f} ms "
        f"p99 {percentile(latencies, 0.99):.1f} ms; "
        f"refused for points {refused}; errors {errors or 'none'}"
    )
    print(
        f"books: {redeemed} redemptions x {COST} points = {redeemed * COST}, points spent {spent}, "
        f"balances equal their entries and none below zero: {books}; "
        f"overspend: {'none' if books and spent == redeemed * COST else 'FOUND'}; "
        f"entries {PointsEntry.objects.count()}"
    )
    tps = pgbench(args.clients, int(args.seconds))
    print(f"pgbench TPC-B-like, {args.clients} clients, same server: {tps:.0f} tps")
    print(
        f"redemptions / pgbench tps = {rate / tps:.2f}; "
        f"target >= 500 redemptions/s: {'met' if rate >= 500 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
