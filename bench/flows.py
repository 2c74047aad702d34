"""Outreach at a big store's size on PostgreSQL, beside pgbench as the server's ceiling (run by
hand; not part of `make test`).

    python bench/flows.py --shoppers 100000 --workers 4

1. **A restock releases everyone.** ``--shoppers`` shoppers (e-mail address, e-mail consent, a
   time zone where it is day now, so the quiet-hours rule is computed and passes) wait for one
   variant. Its stock comes back (enough units for all at the store's 3 per unit); the release
   enrols them all in the back-in-stock flow in one transaction, then ``--workers`` worker
   processes run the engine's drain (``flows.tasks.advance_due``: claim 500 due enrolments with
   ``FOR UPDATE SKIP LOCKED``, ask the gate for each, queue the messages, record each decision)
   until none is due. Timed from the restock to the last message queued. Target (issue 20):
   <= 10 s with 4 workers.
2. **Steps per second.** The same shoppers enrolled in the forgotten-cart flow with the first
   step due now (their earlier decisions cleared, so smart sending lets them through): due
   steps advanced per second by the workers. Target: >= 2,000/s with 4 workers.

Then two ceilings from the same server in the same run:

- **The restock's write floor**: the rows the restock wrote (conversations and their events,
  messages, decisions, threads, and the enrolments moved on) written again by one
  ``INSERT … SELECT`` (or ``UPDATE``) per table, in a transaction rolled back. No Python, no
  round trips: the least time the database needs for that much writing, whoever asks it.
- ``pgbench`` (TPC-B-like, ``--workers`` clients).
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from ceiling import fresh, pgbench

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SERVER = "postgres://postgres@127.0.0.1:5432"


def setup(data_dir: str) -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/stay_bench_flows"
    os.environ["STAY_DATA_DIR"] = data_dir
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()


def worker(data_dir: str) -> None:
    """One worker process: the engine's drain until nothing is due."""
    setup(data_dir)
    from stay.flows.engine import flows_advance

    while flows_advance(limit=500):
        pass


def workers(n: int, data_dir: str) -> float:
    started = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, __file__, "--worker", data_dir], cwd=ROOT / "bench") for _ in range(n)]
    for proc in procs:
        assert proc.wait() == 0
    return time.perf_counter() - started


def populate(shoppers: int) -> tuple[int, int]:
    """The store, one sold-out variant, and ``shoppers`` consenting shoppers waiting for it,
    written in bulk (the bench measures the release, not the sign-ups)."""
    from django.db import connection

    from stay.catalog.models import Product, Variant
    from stay.core.services import store_create
    from stay.customers.models import ConsentRecord, Customer, Identity
    from stay.flows.models import RestockRequest
    from stay.flows.services import outreach_prepare

    store = store_create(name="Bench Outdoor", slug="bench", webhook_secret="bench-secret", timezone="UTC")
    settings = outreach_prepare(store=store)
    settings.shop_url = "https://shop.bench.test"
    settings.save()
    product = Product.objects.create(store=store, platform_id="1", title="Ridgeline 2P Tent", handle="ridgeline")
    variant = Variant.objects.create(
        store=store, product=product, platform_id="11", title="Sand", price=249, inventory_quantity=0
    )
    # A zone where it is early afternoon now: quiet hours are computed, and pass.
    zone = f"Etc/GMT{'-' if 13 - datetime.now(UTC).hour > 0 else '+'}{abs(13 - datetime.now(UTC).hour) % 12}"
    now = datetime.now(UTC)
    for start in range(0, shoppers, 10_000):
        people = Customer.objects.bulk_create(
            Customer(store=store, name=f"Shopper {n}", timezone=zone, locale="en")
            for n in range(start, min(start + 10_000, shoppers))
        )
        Identity.objects.bulk_create(
            Identity(store=store, customer=c, kind="email", value=f"shopper{c.pk}@example.com") for c in people
        )
        ConsentRecord.objects.bulk_create(
            ConsentRecord(customer=c, channel="email", state="subscribed", occurred_at=now, source="form", evidence={})
            for c in people
        )
        RestockRequest.objects.bulk_create(
            RestockRequest(store=store, customer=c, variant=variant, channel="email") for c in people
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return store.pk, variant.pk


# What one restock wrote per shopper, each table copied onto itself once; a column of a unique
# key gets another value in the copy.
FLOOR_TABLES = {
    "conversations_conversation": {},
    "conversations_conversationevent": {},
    "conversations_message": {},
    "flows_outreachthread": {"channel": "'floor'"},
    "flows_outreach": {"position": "position + 100"},
}


def write_floor() -> float:
    """Seconds the server takes to write the restock's rows again, set-based (rolled back)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        started = time.perf_counter()
        for table, changed in FLOOR_TABLES.items():
            cursor.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'",
                [table],
            )
            columns = [row[0] for row in cursor.fetchall()]
            values = ", ".join(changed.get(column, column) for column in columns)
            cursor.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table}")
        cursor.execute("UPDATE flows_enrolment SET next_at = now(), position = position")
        taken = time.perf_counter() - started
        transaction.set_rollback(True)
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shoppers", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker)
        return

    fresh("stay_bench_flows")
    data_dir = tempfile.mkdtemp(prefix="stay-bench-flows-")
    setup(data_dir)
    from django.core.management import call_command
    from django.db import connections
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    from stay.catalog.models import Variant
    from stay.catalog.services import inventory_set
    from stay.conversations.models import Message
    from stay.flows.models import Enrolment, Flow, Outreach, Trigger
    from stay.flows.services import restock_release

    built = time.perf_counter()
    store_id, variant_id = populate(args.shoppers)
    print(f"{args.shoppers:,} shoppers waiting for one variant, written in {time.perf_counter() - built:.1f} s")

    # 1. The restock: stock back, the release enrols everyone, the workers decide and queue.
    from django.db import transaction

    started = time.perf_counter()
    with transaction.atomic():
        variant = Variant.objects.select_for_update().get(pk=variant_id)
        inventory_set(variant=variant, quantity=args.shoppers // 3 + 1, reason="bench", actor="bench")
    released = restock_release(variant_id=variant_id, first=True)
    release_s = time.perf_counter() - started
    connections.close_all()
    drain_s = workers(args.workers, data_dir)
    restock_s = time.perf_counter() - started
    queued = Message.objects.filter(purpose="marketing").count()
    verdicts = dict(Outreach.objects.values_list("verdict").annotate(n=__import__("django").db.models.Count("id")))
    print(
        f"restock: {released:,} released in {release_s:.1f} s, decided by {args.workers} workers in {drain_s:.1f} s; "
        f"{restock_s:.1f} s in all for {queued:,} messages queued; decisions {verdicts}"
    )

    connections.close_all()
    floor_s = write_floor()
    print(
        f"write floor: the restock's rows written again set-based by the server alone in {floor_s:.1f} s "
        f"(the restock took {restock_s / floor_s:.1f}x that)"
    )

    # 2. Steps per second: everyone's first forgotten-cart step due now.
    with connections["default"].cursor() as cursor:  # the restock's decisions, gone at once
        cursor.execute("TRUNCATE flows_outreach CASCADE")
    cart = Flow.objects.get(store_id=store_id, trigger=Trigger.CHECKOUT)
    now = timezone.now()
    Enrolment.objects.bulk_create(
        (
            Enrolment(
                store_id=store_id,
                flow=cart,
                customer_id=pk,
                key=f"bench:{pk}",
                context={"since": now.isoformat(), "channel": "email"},
                position=1,
                next_at=now,
            )
            for pk in Enrolment.objects.filter(flow__trigger=Trigger.RESTOCK).values_list("customer_id", flat=True)
        ),
        batch_size=5000,
    )
    connections.close_all()
    steps_s = workers(args.workers, data_dir)
    steps = Outreach.objects.filter(flow=cart).count()
    rate = steps / steps_s
    print(f"steps: {steps:,} due steps advanced by {args.workers} workers in {steps_s:.1f} s = {rate:,.0f} steps/s")
    connections.close_all()

    tps = pgbench(args.workers, 10)
    print(f"pgbench (TPC-B-like, {args.workers} clients, same server, same run): {tps:,.0f} tps")
    print(
        f"ratios to pgbench: restock {args.shoppers / restock_s / tps:.2f} shoppers per pgbench transaction; "
        f"steps {rate / tps:.2f} steps per pgbench transaction"
    )
    print(f"targets (issue 20): restock <= 10 s -> {restock_s:.1f} s; steps >= 2,000/s -> {rate:,.0f}/s")


if __name__ == "__main__":
    main()
