"""A worker process killed in the middle of a send: the message is not lost, and the resend
carries the same Message-ID, so the shopper's mail client shows it once.

Real parts: a `stay run_huey` worker process on a SQLite file queue, the suite's own
database, and a loopback SMTP relay that stalls where the test asks."""

import os
import signal
import subprocess
import sys
import time

import pytest
from django.db import connection

from stay.channels.email.services import email_receive
from stay.conftest import mail
from stay.conversations.models import AuthorKind, Delivery, Direction, Message
from stay.conversations.services import identity_for


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _env(tmp_path, smtp_port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stay.settings.base",
        "DATABASE_URL": _database_url(),
        "STAY_DATA_DIR": str(tmp_path),
        "STAY_QUEUE": "sqlite",
        "STAY_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "STAY_SWEEP_STALE_AFTER_SECONDS": "0",
    }


def _run(code: str, env: dict[str, str]) -> None:
    script = f"import django; django.setup()\n{code}"
    subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=60)


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "stay", "run_huey", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


@pytest.mark.parametrize("killed_at", ["data", "quit"])
def test_killed_worker_loses_nothing_and_sends_once(transactional_db, mailbox, outbox, tmp_path, killed_at):
    conversation = email_receive(raw=mail("order_question_qp")).message.conversation
    reply = Message.objects.create(
        store=conversation.store,
        conversation=conversation,
        channel=conversation.channel,
        direction=Direction.OUT,
        author_kind=AuthorKind.AGENT,
        identity=identity_for(conversation, conversation.channel),
        text="Your order is on its way.",
        delivery=Delivery.QUEUED,
    )
    env = _env(tmp_path, outbox.port)
    outbox.hold_at = killed_at  # "data": before the relay accepts; "quit": after it has
    worker = _worker(env)
    try:
        _run(f"from stay.conversations.sending import deliver_message; deliver_message({reply.pk})", env)
        assert outbox.stalled.wait(30), "the worker never reached the mail relay"
        reply.refresh_from_db()
        assert reply.delivery == Delivery.SENDING
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            worker.kill()
    outbox.hold_at = ""
    time.sleep(0.2)
    reply.refresh_from_db()
    assert reply.delivery == Delivery.SENDING  # the row still says it is not known to be sent

    # A new worker, and the sweep that runs every minute (here: now, with no grace period).
    worker = _worker(env)
    try:
        _run("from stay.core.tasks import sweep_now; print(sweep_now())", env)
        _wait_for(lambda: Message.objects.get(pk=reply.pk).delivery == Delivery.SENT)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(20)
    reply.refresh_from_db()
    assert reply.attempts == 2
    delivered = outbox.unique()
    assert len(delivered) == 1
    assert delivered[0]["Message-ID"] == reply.channel_message_id
    # Killed after the relay accepted, the copy was sent twice with one Message-ID: the
    # shopper's mail client shows it once. Killed before, the relay kept nothing the first time.
    assert len(outbox.messages) == (2 if killed_at == "quit" else 1)
