"""Webhook ingest benchmark (run by hand; not part of `make test`).

Starts Stay as `stay serve` does (gunicorn worker processes, plus background workers) on
127.0.0.1 with PostgreSQL, posts N signed Shopify orders/create webhooks with concurrency,
and prints orders/s with p50/p99 latency; in the same run it measures a bare endpoint of
the same server (/healthz: the framework's ceiling) for comparison, how long the workers
take to apply every order (the end-to-end rate), the database statements one order costs to
apply (counted in-process on the same database), and pgbench's TPC-B-like rate on the same
PostgreSQL (the machine's ceiling).

    python bench/ingest.py --orders 3000 --concurrency 32 --workers 2 --job-workers 2

Target (issue 18 #16): orders applied end to end at >= 0.15x the pgbench rate of the same run.
(The earlier target of accepting at >= 0.5x the bare endpoint is withdrawn: one durable write
costs more than a bare response, ADR 0012.)
"""

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ceiling import pgbench  # noqa: E402

from stay.connectors.shopify.fake import webhook_headers  # noqa: E402

SECRET = "bench-webhook-secret"


def order_payload(n: int, rng: random.Random) -> dict:
    customer = rng.randint(1, max(1, n // 3 + 1))  # about a third are repeat buyers
    lines = [
        {
            "id": n * 10 + i,
            "variant_id": 40_000 + rng.randint(1, 500),
            "product_id": 7000 + i,
            "title": f"Item {i}",
            "variant_title": "M / Navy",
            "sku": f"SKU-{i}",
            "quantity": rng.randint(1, 2),
            "price": "49.90",
            "total_discount": "0.00",
            "gift_card": False,
            "requires_shipping": True,
            "discount_allocations": [],
        }
        for i in range(rng.randint(1, 4))
    ]
    total = sum(float(ln["price"]) * ln["quantity"] for ln in lines)
    return {
        "id": 9_000_000 + n,
        "name": f"#{10_000 + n}",
        "order_number": 10_000 + n,
        "email": f"buyer{customer}@example.com",
        "created_at": "2026-11-27T09:12:44-05:00",
        "processed_at": "2026-11-27T09:12:44-05:00",
        "updated_at": "2026-11-27T09:12:46-05:00",
        "currency": "USD",
        "subtotal_price": f"{total:.2f}",
        "total_price": f"{total + 5:.2f}",
        "total_tax": "0.00",
        "total_discounts": "0.00",
        "financial_status": "paid",
        "fulfillment_status": None,
        "tags": "bench",
        "note": None,
        "note_attributes": [],
        "discount_codes": [],
        "source_name": "web",
        "total_shipping_price_set": {"shop_money": {"amount": "5.00", "currency_code": "USD"}},
        "customer": {
            "id": 5_000_000 + customer,
            "email": f"buyer{customer}@example.com",
            "first_name": "Bench",
            "last_name": f"Buyer{customer}",
            "phone": None,
            "tags": "",
            "note": None,
            "updated_at": "2026-11-27T09:12:40-05:00",
            "email_marketing_consent": {
                "state": "subscribed",
                "opt_in_level": "single_opt_in",
                "consent_updated_at": "2026-11-27T09:12:40-05:00",
            },
        },
        "shipping_address": {
            "name": "Bench Buyer",
            "address1": "1 Main St",
            "city": "Seattle",
            "zip": "98101",
            "country_code": "US",
        },
        "billing_address": None,
        "line_items": lines,
        "shipping_lines": [],
        "fulfillments": [],
        "refunds": [],
    }


def request_bytes(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Returns the status and whether the server keeps the connection open."""
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length, keep = 0, True
    for line in head.split(b"\r\n"):
        lower = line.lower()
        if lower.startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
        elif lower.startswith(b"connection:") and b"close" in lower:
            keep = False
    await reader.readexactly(length)
    return status, keep


async def blast(port: int, requests: list[bytes], concurrency: int) -> tuple[float, list[float], dict[int, int]]:
    """Send every request over ``concurrency`` keep-alive connections; returns wall time,
    per-request latencies (s) and a count of statuses."""
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for r in requests:
        queue.put_nowait(r)
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def worker() -> None:
        writer = None
        try:
            while True:
                try:
                    raw = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                started = time.perf_counter()
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.write(raw)
                status, keep = await _read_response(reader)
                latencies.append(time.perf_counter() - started)
                statuses[status] = statuses.get(status, 0) + 1
                if not keep:
                    writer.close()
                    writer = None
        finally:
            if writer is not None:
                writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - started, latencies, statuses


# Run in a child process against the bench's database: a worker's drain applies 200 fresh
# deliveries and the statements are counted (half new buyers, half repeat buyers).
COUNT_STATEMENTS = """
import json, random, sys
import django
django.setup()
from django.db import connection
from django.test.utils import CaptureQueriesContext
from stay.core.models import Store
from stay.connectors.shopify.models import WebhookDelivery
from stay.connectors.shopify.services import webhooks_apply_received
from ingest import order_payload
store = Store.objects.get(slug="bench")
rng = random.Random(5)
ids = []
for n in range(200):
    body = order_payload(1_000_000 + n, rng)
    if n % 2:  # a repeat buyer: one who ordered in the run
        body["customer"]["id"] = 5_000_001
        body["customer"]["email"] = body["email"] = "buyer1@example.com"
    delivery = WebhookDelivery.objects.create(
        store=store, topic="orders/create", webhook_id=f"count-{n}", body=json.dumps(body)
    )
    ids.append(delivery.pk)
import os, time
def postgres_cpu():
    total = 0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/comm") as f:
                if not f.read().startswith("postgres"):
                    continue
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
pg, py = postgres_cpu(), time.process_time()
with CaptureQueriesContext(connection) as ctx:
    applied = webhooks_apply_received()  # as a worker's drain does
pg, py = postgres_cpu() - pg, time.process_time() - py
assert applied == len(ids), applied
print(len(ctx.captured_queries) / len(ids), py / len(ids) * 1000, pg / len(ids) * 1000)
"""


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p))] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=4000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="server processes")
    parser.add_argument("--threads", type=int, default=4, help="threads per gunicorn process")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--server",
        choices=["gunicorn", "uvicorn"],
        default="gunicorn",
        help="gunicorn: WSGI (what `stay serve` runs); uvicorn: Django's ASGI handler",
    )
    parser.add_argument("--queue", choices=["postgres", "redis"], default="postgres")
    parser.add_argument("--job-workers", type=int, default=2, help="background worker processes")
    parser.add_argument(
        "--burst",
        action="store_true",
        help="start the background workers only once every webhook is accepted (a burst absorbed "
        "before the backlog is worked off), instead of alongside the web server",
    )
    parser.add_argument("--pgbench-seconds", type=int, default=20)
    parser.add_argument("--admin-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="stay_bench")
    args = parser.parse_args()

    with psycopg.connect(args.admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{args.database}"')
    database_url = args.admin_url.rsplit("/", 1)[0] + "/" + args.database
    data_dir = tempfile.mkdtemp(prefix="stay-bench-")
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "STAY_DATA_DIR": data_dir,
        "STAY_SERVE_STATIC": "0",
        "STAY_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        "STAY_QUEUE": args.queue,
    }
    stay = [sys.executable, "-m", "stay"]
    subprocess.run([*stay, "migrate", "-v0"], env=env, check=True)
    subprocess.run(
        [*stay, "createstore", "--name", "Bench", "--slug", "bench", "--secret", SECRET],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )

    rng = random.Random(1)
    path = "/webhooks/shopify/bench"
    orders = []
    for n in range(args.orders):
        body = json.dumps(order_payload(n, rng)).encode()
        headers = webhook_headers(body, topic="orders/create", secret=SECRET, webhook_id=str(uuid.UUID(int=n)))
        orders.append(request_bytes("POST", path, body, headers))
    bare = [request_bytes("GET", "/healthz") for _ in range(args.orders * 2)]

    if args.server == "uvicorn":
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "stay.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(args.port),
            "--workers",
            str(args.workers),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
    else:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "stay.wsgi:application",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(args.threads),
            "--log-level",
            "warning",
        ]
    if args.queue == "redis":
        import redis

        redis.Redis.from_url("redis://127.0.0.1:6379/0").flushdb()
    log = open(Path(data_dir) / "servers.log", "w")  # noqa: SIM115
    print(f"server and worker logs: {log.name}")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=log)

    def start_jobs() -> subprocess.Popen:
        return subprocess.Popen(
            [*stay, "run_huey", "--workers", str(args.job_workers), "--worker-type", "process"],
            env=env,
            stdout=log,
            stderr=log,
        )

    jobs = None if args.burst else start_jobs()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                asyncio.run(blast(args.port, [request_bytes("GET", "/healthz")], 1))
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        asyncio.run(blast(args.port, bare[:500], args.concurrency))  # warm every worker
        bare_time, bare_lat, bare_status = asyncio.run(blast(args.port, bare, args.concurrency))
        started = time.perf_counter()
        ingest_time, lat, status = asyncio.run(blast(args.port, orders, args.concurrency))
        if jobs is None:
            jobs = start_jobs()
        with psycopg.connect(database_url) as conn:
            while True:  # until the workers have applied every accepted webhook
                left = conn.execute(
                    "SELECT count(*) FROM shopify_webhookdelivery WHERE status = 'received'"
                ).fetchone()[0]
                if left == 0 or time.perf_counter() - started > 600:
                    break
                time.sleep(0.05)
            drained = time.perf_counter() - started
            stored = conn.execute("SELECT count(*) FROM orders_order").fetchone()[0]
            customers = conn.execute("SELECT count(*) FROM customers_customer").fetchone()[0]
            outcomes = dict(
                conn.execute("SELECT status, count(*) FROM shopify_webhookdelivery GROUP BY status").fetchall()
            )
    finally:
        for process in (server, jobs):
            if process is not None:
                process.terminate()
                process.wait(30)

    counted = subprocess.run(
        [sys.executable, "-c", COUNT_STATEMENTS],
        env={**env, "DJANGO_SETTINGS_MODULE": "stay.settings.base", "PYTHONPATH": f"{ROOT}:{ROOT / 'bench'}"},
        check=True,
        capture_output=True,
        text=True,
    )
    statements, python_ms, postgres_ms = map(float, counted.stdout.strip().splitlines()[-1].split())
    tps = pgbench(args.concurrency, args.pgbench_seconds)

    bare_rate = len(bare) / bare_time
    rate = len(orders) / ingest_time
    end_to_end = stored / drained
    print(
        f"machine: {os.cpu_count()} cores; server: {args.server}, {args.workers} workers; PostgreSQL; "
        f"queue {args.queue}, {args.job_workers} job workers {'started after the burst' if args.burst else 'running'}; "
        f"concurrency {args.concurrency}"
    )
    print(
        f"bare endpoint  GET /healthz: {bare_rate:8.0f} req/s   p50 {pct(bare_lat, 0.5):6.1f} ms   "
        f"p99 {pct(bare_lat, 0.99):6.1f} ms   statuses {bare_status}"
    )
    print(
        f"orders/create webhooks:      {rate:8.0f} orders/s p50 {pct(lat, 0.5):6.1f} ms   "
        f"p99 {pct(lat, 0.99):6.1f} ms   statuses {status}"
    )
    print(
        f"applied by the workers: {stored} orders, {customers} customers (of {len(orders)} posted) in "
        f"{drained:.1f} s from the first post: {stored / drained:.0f} orders/s end to end; deliveries {outcomes}"
    )
    if args.burst:  # the workers started once every webhook was accepted: applying alone
        print(f"applying alone, after the burst: {stored / (drained - ingest_time):.0f} orders/s")
    print(f"accepting: {rate / bare_rate:.2f}x the bare endpoint")
    print(
        f"statements per order applied: {statements:.1f}; CPU per order applied: Python {python_ms:.1f} ms, "
        f"PostgreSQL {postgres_ms:.1f} ms (one worker, in-process, half of them repeat buyers)"
    )
    print(f"pgbench TPC-B-like, {args.concurrency} clients, same PostgreSQL: {tps:.0f} tps")
    print(
        f"end to end: {end_to_end:.0f} orders/s = {end_to_end / tps:.3f}x pgbench   "
        f"target >= 0.15x ({0.15 * tps:.0f} orders/s): {'MET' if end_to_end >= 0.15 * tps else 'NOT MET'}"
    )
    return 0 if stored == len(orders) and status == {200: len(orders)} else 1


if __name__ == "__main__":
    sys.exit(main())
