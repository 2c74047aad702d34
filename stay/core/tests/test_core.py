import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from stay.core import events
from stay.core.db import select
from stay.core.models import ApiToken, Store, hash_token
from stay.core.tasks import _sweepers, enqueue_on_commit, register_sweeper, sweep_now, task

COMMANDS = ["serve", "demo", "import", "createstore", "token", "ensureadmin", "smtpd"]


def stay(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "stay", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_stay_help_lists_the_operator_commands():
    result = stay("--help")
    assert result.returncode == 0
    for name in COMMANDS:
        assert f"  {name}" in result.stdout


@pytest.mark.parametrize("name", COMMANDS)
def test_every_subcommand_has_help(name):
    result = stay(name, "--help")
    assert result.returncode == 0, result.stderr
    assert f"usage: stay {name}" in result.stdout


@pytest.mark.django_db
def test_createstore_prints_the_webhook_url(capsys):
    call_command(
        "createstore",
        "--name",
        "Summit Outdoor KR",
        "--platform",
        "shopify",
        "--secret",
        "s3cret-value",
        "--currency",
        "krw",
        "--timezone",
        "Asia/Seoul",
        "--country",
        "kr",
    )
    out = capsys.readouterr().out
    assert "Webhook URL: http://127.0.0.1:8000/webhooks/shopify/summit-outdoor-kr" in out
    store = Store.objects.get()
    assert (store.currency, store.country, store.timezone) == ("KRW", "KR", "Asia/Seoul")
    with pytest.raises(CommandError, match="already exists"):
        call_command("createstore", "--name", "Summit Outdoor KR", "--secret", "another-secret")
    with pytest.raises(CommandError, match="at least 8"):
        call_command("createstore", "--name", "X", "--secret", "short")
    with pytest.raises(CommandError, match="IANA time zone"):
        call_command("createstore", "--name", "Y", "--secret", "long-enough", "--timezone", "Mars/Olympus")


@pytest.mark.django_db
def test_token_is_printed_once_and_stored_hashed(capsys, django_user_model):
    django_user_model.objects.create_user(username="ops", password="x")
    call_command("token", "--user", "ops", "--name", "storefront")
    raw = capsys.readouterr().out.strip()
    assert raw.startswith("stay_") and len(raw) > 40
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(raw) and raw not in (token.prefix + token.key_hash)
    with pytest.raises(CommandError, match="no user named 'nobody'"):
        call_command("token", "--user", "nobody")


@pytest.mark.django_db
def test_ensureadmin_creates_one_admin_and_prints_its_password(capsys, django_user_model, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    call_command("ensureadmin")
    first = capsys.readouterr().out
    password = first.split("password ")[1].strip()
    assert django_user_model.objects.get(username="admin").check_password(password)
    call_command("ensureadmin")
    assert password in capsys.readouterr().out
    assert django_user_model.objects.filter(is_superuser=True).count() == 1
    assert oct((tmp_path / "admin_password").stat().st_mode)[-3:] == "600"


@pytest.mark.django_db
def test_events_are_delivered_only_after_commit(django_capture_on_commit_callbacks):
    seen = []

    def handler(**payload):
        seen.append(payload)

    events.subscribe("order.paid", handler)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish("order.paid", order_id=7)
            assert seen == []
        assert seen == [{"order_id": 7}]
        try:
            with transaction.atomic():
                events.publish("order.paid", order_id=8)
                raise RuntimeError
        except RuntimeError:
            pass
        assert seen == [{"order_id": 7}]
    finally:
        events.unsubscribe("order.paid", handler)


ran = []


@task()
def remember(value):
    ran.append(value)


@pytest.mark.django_db
def test_jobs_are_enqueued_on_commit(django_capture_on_commit_callbacks):
    ran.clear()
    with django_capture_on_commit_callbacks(execute=True):
        enqueue_on_commit(remember, "after")
        assert ran == []
    assert ran == ["after"]


def test_a_failing_sweeper_does_not_stop_the_others():
    def broken(stale_before):
        raise RuntimeError("boom")

    register_sweeper("test.broken", broken)
    register_sweeper("test.ok", lambda stale_before: 3)
    try:
        counts = sweep_now()
    finally:
        _sweepers.pop("test.broken"), _sweepers.pop("test.ok")
    assert counts["test.broken"] == -1 and counts["test.ok"] == 3


@pytest.mark.django_db
def test_database_settings_hold_up_under_a_web_process_and_a_worker():
    if connection.vendor == "postgresql":
        # pooled, because under ASGI each request has its own thread and would hold its own connection
        assert connection.settings_dict["OPTIONS"]["pool"]["max_size"] >= 2
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA synchronous")
        assert cursor.fetchone()[0] == 1  # NORMAL
    assert connection.settings_dict["OPTIONS"]["transaction_mode"] == "IMMEDIATE"


@pytest.mark.django_db
def test_the_hottest_statements_are_planned_once_and_the_orm_has_no_parameter_limit(store):
    """On PostgreSQL the lean statements are prepared from their 5th use on a connection, so
    they are planned once (ADR 0018). The ORM keeps client-side binding: binding all of it on
    the server crashed a cascade delete of 6,000 orders (more than 65,535 parameters)."""
    for _ in range(6):
        assert select(Store, "id = %s", [store.pk])[0].slug == store.slug
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("core_store" in statement and "$1" in statement for statement in prepared), prepared
    assert not Store.objects.filter(pk__in=range(-70_000, 0)).exists()


def test_queue_backend_is_chosen_by_settings():
    script = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='stay.settings.base'; django.setup();"
        "from huey.contrib.djhuey import HUEY; print(type(HUEY).__name__, HUEY.immediate)"
    )
    for queue, expected in (
        ("sqlite", "EmbeddedQueue False"),
        ("redis", "PriorityRedisHuey False"),
        ("postgres", "PostgresHuey False"),
    ):
        env = {**os.environ, "STAY_QUEUE": queue, "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres"}
        result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
        assert result.stdout.strip() == expected, result.stderr


def test_a_coalesced_job_is_enqueued_once_per_window_and_always_after_the_last_request(settings):
    """A burst of requests costs one enqueue at once and one at the end of the window, so work
    committed by the last request is still followed by a job."""
    import threading
    import time

    from stay.core import tasks

    runs: list[float] = []
    done = threading.Event()

    def job() -> None:
        runs.append(time.monotonic())
        if len(runs) == 2:
            done.set()

    coalesced = tasks.Coalesced(job, window=0.2)
    immediate = tasks.queue.immediate
    tasks.queue.immediate = False  # as in production: enqueue, not run inline
    try:
        started = time.monotonic()
        for _ in range(50):
            coalesced._request()
        assert len(runs) == 1  # the first request enqueued at once, the others wait for the window
        assert done.wait(2)
        assert runs[1] - started >= 0.2
        time.sleep(0.3)
        assert len(runs) == 2  # one trailing enqueue for the 49 later requests, not 49
        coalesced._request()  # a quiet spell later: at once again
        assert len(runs) == 3
    finally:
        tasks.queue.immediate = immediate


def test_the_embedded_queue_commits_like_the_database(tmp_path):
    """WAL with synchronous=NORMAL, as Stay's database: no disk flush per enqueue."""
    from stay.core.queue import EmbeddedQueue

    queue = EmbeddedQueue("t", filename=str(tmp_path / "queue.sqlite3"))
    queue.storage.enqueue(b"job")
    assert queue.storage.conn.execute("pragma synchronous").fetchone()[0] == 1  # NORMAL
    assert queue.storage.conn.execute("pragma journal_mode").fetchone()[0] == "wal"
    assert queue.storage.dequeue() == b"job"


def test_a_coalesced_job_that_cannot_be_enqueued_does_not_fail_the_request(caplog):
    """The work is committed already: a queue that is down is logged, and the sweep finds it."""
    from stay.core import tasks

    def queue_down() -> None:
        raise ConnectionError("the queue is down")

    immediate = tasks.queue.immediate
    tasks.queue.immediate = False
    try:
        tasks.Coalesced(queue_down, window=0.2)._request()  # does not raise
    finally:
        tasks.queue.immediate = immediate
    assert "could not enqueue" in caplog.text


@pytest.mark.django_db
def test_the_retention_events_are_published(post_webhook, django_capture_on_commit_callbacks):
    """Loyalty and flows will hang off these (issue 18 #7): refund created, variant restocked,
    checkout updated."""
    from stay.conftest import payload

    seen = []

    def record(name):
        def handler(**kw):
            seen.append(name)

        return handler

    handlers = {name: record(name) for name in ("refund.created", "variant.restocked", "checkout.updated")}
    for name, handler in handlers.items():
        events.subscribe(name, handler)
    try:
        post_webhook("orders/create", payload("orders_create"))
        post_webhook("refunds/create", payload("refunds_create"))
        post_webhook("checkouts/create", payload("checkouts_create"))
        product = payload("products_create")
        for variant in product["variants"]:
            variant["inventory_quantity"] = 0
        post_webhook("products/create", product)
        post_webhook("inventory_levels/update", payload("inventory_levels_update"))
    finally:
        for name, handler in handlers.items():
            events.unsubscribe(name, handler)
    assert {"refund.created", "checkout.updated", "variant.restocked"} <= set(seen)
