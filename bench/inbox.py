"""Inbox benchmarks (run by hand; not part of `make test`). Each part prints its figures.

    python bench/inbox.py email --db sqlite --emails 3000   # raw RFC 822 -> threaded message
    python bench/inbox.py email --db postgres --emails 3000
    python bench/inbox.py parse --emails 3000             # reading a mail, and its headers by policy
    python bench/inbox.py chat --shoppers 500 --seconds 20  # websocket round trips, uvicorn
    python bench/inbox.py list --conversations 1000000      # inbox page and search, PostgreSQL
    python bench/inbox.py all                               # every part above

Targets (issue #3): >= 500 emails/s; chat p99 <= 50 ms with 500 concurrent shoppers; an
inbox page <= 200 ms with 1,000,000 conversations on PostgreSQL.

Each run uses its own database: a fresh SQLite file in a temporary directory, or the
PostgreSQL database ``stay_bench`` (dropped and created) on 127.0.0.1:5432.
"""

import argparse
import asyncio
import gc
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG = "postgres://postgres@127.0.0.1:5432/stay_bench"


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def fresh_database(db: str, data_dir: str) -> str:
    if db == "postgres":
        import psycopg

        with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS stay_bench WITH (FORCE)")
            conn.execute("CREATE DATABASE stay_bench")
        return PG
    return f"sqlite:///{data_dir}/bench.sqlite3"


def setup_django(database_url: str, data_dir: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["STAY_DATA_DIR"] = data_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _store():
    from stay.channels.email.models import Mailbox
    from stay.core.services import store_create

    store = store_create(
        name="Bench Outdoor", slug="bench", webhook_secret="bench-secret", currency="USD", country="US"
    )
    Mailbox.objects.create(store=store, address="support@bench.test")
    return store


def raw_email(n: int, rng: random.Random, sent: list[str]) -> bytes:
    """A realistic mix: new questions (some Korean, in EUC-KR), and replies threaded by
    In-Reply-To to a message sent earlier in the run."""
    sender = f"shopper{rng.randint(1, 1500)}@example.com"
    if sent and rng.random() < 0.4:
        parent = rng.choice(sent)
        headers = f"In-Reply-To: {parent}\r\nReferences: {parent}\r\nSubject: Re: Question {n}\r\n"
    else:
        headers = f"Subject: Question {n}\r\n"
    if rng.random() < 0.3:
        body = "안녕하세요. 주문한 등산화 사이즈가 작아요. 270으로 교환하고 싶습니다.\r\n".encode("euc-kr")
        content = b"Content-Type: text/plain; charset=euc-kr\r\nContent-Transfer-Encoding: 8bit\r\n"
    else:
        body = (
            b"Hi, my order #1001 has not arrived yet. Could you check?\r\n\r\nThanks\r\n\r\n"
            b"On Mon, Nov 23, 2026 at 10:02 AM Bench <support@bench.test> wrote:\r\n> earlier text\r\n"
        )
        content = b"Content-Type: text/plain; charset=utf-8\r\n"
    message_id = f"<bench-{n}@example.com>"
    sent.append(message_id)
    return (
        (
            f"From: Shopper <{sender}>\r\nTo: support@bench.test\r\nDate: Mon, 23 Nov 2026 09:12:01 -0500\r\n"
            f"Message-ID: {message_id}\r\n{headers}MIME-Version: 1.0\r\n"
        ).encode()
        + content
        + b"\r\n"
        + body
    )


def bench_email(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(fresh_database(args.db, data_dir), data_dir)
        from stay.channels.email.services import email_receive
        from stay.conversations.models import Conversation, Message

        _store()
        rng = random.Random(7)
        sent: list[str] = []
        mails = [raw_email(n, rng, sent) for n in range(args.emails)]
        for raw in mails[:50]:  # warm up: connections, caches
            email_receive(raw=raw)
        if args.db == "postgres":
            # A store's tables have statistics (autovacuum gathers them as they grow); this
            # database was created a second ago and has none, so the planner would take every
            # table for empty and read a store's every identity to find one.
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        rest = mails[50:]
        processes = max(1, args.processes)
        started = time.perf_counter()
        if processes == 1:
            for raw in rest:
                email_receive(raw=raw)
        else:
            import multiprocessing

            from django.db import connections

            connections.close_all()
            if hasattr(connections["default"], "close_pool"):
                connections["default"].close_pool()  # a forked child must not share the pool's sockets
            share = [rest[i::processes] for i in range(processes)]
            with multiprocessing.get_context("fork").Pool(processes) as pool:
                pool.map(_ingest, share)
        elapsed = time.perf_counter() - started
        n = len(rest)
        threaded = Message.objects.count()
        print(
            f"email ingest on {args.db}, {processes} process(es): {n} emails in {elapsed:.2f} s = {n / elapsed:.0f} "
            f"emails/s (each parsed, its sender resolved, threaded and stored in its own transaction); "
            f"{threaded} messages in {Conversation.objects.count()} conversations"
        )


def bench_parse(args: argparse.Namespace) -> None:
    """Reading the same mails as ``email``: Stay's ``parse``, and the header work that chose the
    email policy (every header of the mail read, as the default policy parses them all)."""
    import email
    from email import policy

    from stay.channels.email.parsing import parse

    rng = random.Random(7)
    sent: list[str] = []
    mails = [raw_email(n, rng, sent) for n in range(args.emails)]

    def per_mail(read) -> float:
        started = time.perf_counter()
        for raw in mails:
            read(raw)
        return (time.perf_counter() - started) / len(mails) * 1000

    def headers(chosen):
        return lambda raw: [str(v) for v in email.message_from_bytes(raw, policy=chosen).values()]

    print(
        f"reading {len(mails)} mails: stay's parse {per_mail(parse):.3f} ms a mail; every header read with "
        f"the default policy {per_mail(headers(policy.default)):.3f} ms, with compat32 "
        f"{per_mail(headers(policy.compat32)):.3f} ms"
    )


def _ingest(mails: list[bytes]) -> int:
    from django.db import connections

    from stay.channels.email.services import email_receive

    connections.close_all()
    for raw in mails:
        email_receive(raw=raw)
    return len(mails)


def bench_chat(args: argparse.Namespace) -> None:
    import socket

    from websockets.asyncio.client import connect

    with tempfile.TemporaryDirectory() as data_dir:
        url = fresh_database(args.db, data_dir)
        setup_django(url, data_dir)
        from stay.channels.webchat.models import ChatWidget

        widget = ChatWidget.objects.create(store=_store(), public_key="pk_bench")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {**os.environ, "DATABASE_URL": url, "STAY_DATA_DIR": data_dir}
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "stay.asgi:application",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--ws",
                "websockets-sansio",
                "--no-access-log",
            ],
            env=env,
            cwd=ROOT,
        )
        try:
            _wait_for_port(port)
            # The load generator's own garbage collections (this process holds Django and 500
            # client sockets: ~120 ms each) would be counted as the server's latency.
            gc.freeze()
            gc.disable()
            try:
                times, opened = asyncio.run(_chat_load(connect, port, widget.public_key, args))
            finally:
                gc.enable()
        finally:
            server.terminate()
            server.wait(20)
    print(
        f"web chat on {args.db}: {opened} shoppers connected at once, {len(times)} messages over {args.seconds} s "
        f"(each shopper writes every {args.every} s on average); round trip (send -> filed -> ack) "
        f"p50 {pct(times, 50):.1f} ms, p99 {pct(times, 99):.1f} ms, max {max(times):.1f} ms"
    )


def _wait_for_port(port: int, seconds: float = 60) -> None:
    """Until the server accepts connections (its start-up takes 2-10 s on a busy machine)."""
    import socket

    deadline = time.monotonic() + seconds
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


async def _chat_load(connect, port: int, key: str, args: argparse.Namespace) -> tuple[list[float], int]:
    times: list[float] = []
    sockets = []
    for i in range(args.shoppers):  # connect in waves, as shoppers arrive
        ws = await connect(f"ws://127.0.0.1:{port}/ws/chat/{key}", open_timeout=30, max_queue=None)
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello"
        sockets.append(ws)
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    deadline = time.perf_counter() + args.seconds

    async def shopper(n: int, ws) -> None:
        rng = random.Random(n)
        sent = 0
        await asyncio.sleep(rng.uniform(0, args.every))
        while time.perf_counter() < deadline:
            sent += 1
            started = time.perf_counter()
            await ws.send(
                json.dumps({"type": "message", "text": f"Question {sent} from shopper {n}", "client_id": f"{n}-{sent}"})
            )
            while True:
                data = json.loads(await ws.recv())
                if data["type"] == "ack":
                    break
            times.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(rng.expovariate(1 / args.every))

    await asyncio.gather(*(shopper(n, ws) for n, ws in enumerate(sockets)))
    for ws in sockets:
        await ws.close()
    return times, len(sockets)


def bench_list(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        setup_django(fresh_database("postgres", data_dir), data_dir)
        _fill(args.conversations)
        _measure_list()


def _fill(total: int) -> None:
    """``total`` conversations over 100,000 customers, 2% still open, one message each,
    written with COPY (as a long-running shop would have accumulated them)."""
    from django.db import connection

    from stay.core.models import Store

    store = _store()
    customers = min(100_000, max(1, total // 10))
    started = time.perf_counter()
    words = [
        "order",
        "tent",
        "jacket",
        "exchange",
        "refund",
        "size",
        "delivery",
        "gift",
        "card",
        "boots",
        "배송",
        "교환",
        "환불",
        "사이즈",
        "선물",
    ]
    rng = random.Random(1)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor().copy(
            "COPY customers_customer (store_id, name, locale, timezone, tags, note, orders_count, total_spent, "
            "created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(customers):
                copy.write_row((store.pk, f"Shopper {i}", "en", "", "[]", "", 0, 0, "2026-01-01", "2026-01-01"))
        cursor.execute("SELECT min(id) FROM customers_customer")
        first_customer = cursor.fetchone()[0]
        with raw.cursor().copy(
            "COPY conversations_conversation (store_id, customer_id, channel, subject, status, priority, tags, "
            "last_message_at, preview, created_at, updated_at, last_inbound_at) FROM STDIN"
        ) as copy:
            for i in range(total):
                status = "open" if rng.random() < 0.015 else ("pending" if rng.random() < 0.005 else "resolved")
                when = f"2026-{1 + i * 11 // total:02d}-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00+00"
                copy.write_row(
                    (
                        store.pk,
                        first_customer + i % customers,
                        rng.choice(["email", "webchat", "whatsapp", "sms"]),
                        f"Question {i}",
                        status,
                        "normal",
                        "[]",
                        when,
                        "",
                        when,
                        when,
                        when,
                    )
                )
        cursor.execute("SELECT min(id) FROM conversations_conversation")
        first_conversation = cursor.fetchone()[0]
        with raw.cursor().copy(
            "COPY conversations_message (store_id, conversation_id, channel, direction, author_kind, text, html, "
            "original, channel_message_id, delivery, attempts, last_error, meta, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(total):
                text = " ".join(rng.choice(words) for _ in range(8)) + f" #{i}"
                copy.write_row(
                    (
                        store.pk,
                        first_conversation + i,
                        "email",
                        "in",
                        "customer",
                        text,
                        "",
                        "",
                        "",
                        "received",
                        0,
                        "",
                        "{}",
                        "2026-06-01",
                        "2026-06-01",
                    )
                )
        cursor.execute("ANALYZE")
    Store.objects.update()
    print(
        f"filled {total} conversations, {total} messages, {customers} customers "
        f"in {time.perf_counter() - started:.0f} s"
    )


def _measure_list() -> None:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from stay.conversations.models import Agent, Conversation, Role

    setup_test_environment()
    user = get_user_model().objects.create_user(username="bench", password="x")
    Agent.objects.create(user=user, role=Role.ADMIN)
    open_ids = list(Conversation.objects.filter(status="open").values_list("id", flat=True)[:2000])
    Conversation.objects.filter(id__in=open_ids[:1000]).update(assignee=user)
    client = Client()
    client.force_login(user)

    def timed(label: str, path: str, runs: int = 20) -> None:
        client.get(path)  # warm
        samples = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(path)
            samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        print(f"  {label:<44} p50 {statistics.median(samples):6.1f} ms  p99 {pct(samples, 99):6.1f} ms   {path}")

    total = Conversation.objects.count()
    print(f"inbox on PostgreSQL with {total} conversations (whole page: views, counts, 50 rows, rendered):")
    timed("all open, first page", "/console/")
    timed("mine", "/console/?view=mine")
    timed("unassigned", "/console/?view=unassigned")
    timed("by channel (whatsapp)", "/console/?channel=whatsapp")
    timed("resolved (about 98% of rows)", "/console/?status=resolved")
    page = client.get("/console/?status=resolved").content.decode()
    cursor = page.split("cursor=")[1].split('"')[0]
    timed("resolved, next page (keyset)", f"/console/?status=resolved&cursor={cursor}")
    timed("search: one word", "/console/?q=refund&status=all", runs=10)
    timed("search: two words", "/console/?q=tent+exchange&status=all", runs=10)
    timed("search: Korean word (prefix)", "/console/?q=%EB%B0%B0%EC%86%A1&status=all", runs=10)
    # Numbers: 11,111 messages start with "12" (#12, #120-129, ... #120000-129999), most of them
    # old; "654321" is in one message.
    timed("search: '12', old matches and customers", "/console/?q=12&status=all", runs=10)
    timed("search: one message", "/console/?q=654321&status=all", runs=10)
    with connection.cursor() as cursor_:
        cursor_.execute(
            "EXPLAIN SELECT conversation_id FROM conversations_message WHERE "
            "to_tsvector('simple'::regconfig, COALESCE(text, '')) @@ to_tsquery('simple'::regconfig, 'refund:*') "
            "LIMIT 2000"
        )
        plan = " ".join(row[0] for row in cursor_.fetchall())
    print("  search plan uses the GIN index:", "msg_text_search" in plan)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("part", choices=["email", "parse", "chat", "list", "all"])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--emails", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=1, help="Email ingest processes (PostgreSQL).")
    parser.add_argument("--shoppers", type=int, default=500)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--every", type=float, default=5.0, help="Mean seconds between one shopper's messages.")
    parser.add_argument("--conversations", type=int, default=1_000_000)
    args = parser.parse_args()
    if args.part == "all":
        me = [sys.executable, __file__]
        for extra in (
            ["email", "--db", "sqlite"],
            ["email", "--db", "postgres"],
            ["parse"],
            ["chat", "--db", "sqlite"],
            ["chat", "--db", "postgres"],
            ["list"],
        ):
            subprocess.run([*me, *extra], check=True)
        return 0
    {"email": bench_email, "parse": bench_parse, "chat": bench_chat, "list": bench_list}[args.part](args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
