"""Issue 18 #5: `kill -9` of the job worker under `stay serve` left it dead for good, nothing
was logged, and `/healthz` said ok. Now `stay serve` starts it again (with backoff, logged),
and `/readyz` says whether the database, the queue, a worker and the backlogs are healthy.

Real parts: `stay serve` with its gunicorn, uvicorn and huey processes on loopback, on the
suite's own database."""

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.db import connection
from django.utils import timezone

from stay.connectors.shopify.models import WebhookDelivery
from stay.core.models import Heartbeat


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _free_port_pair() -> int:
    for _ in range(50):
        with socket.socket() as a:
            a.bind(("127.0.0.1", 0))
            port = a.getsockname()[1]
        with socket.socket() as b:
            try:
                b.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two free ports side by side")


def _children(pid: int) -> dict[int, str]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            found[int(child)] = cmdline
    return found


def _wait_for(condition, timeout: float = 40.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _worker_pid(serve: subprocess.Popen) -> int | None:
    return next((pid for pid, cmd in _children(serve.pid).items() if "run_huey" in cmd), None)


def test_serve_starts_a_killed_worker_again_and_says_so(transactional_db, tmp_path):
    port = _free_port_pair()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stay.settings.base",
        "DATABASE_URL": _database_url(),
        "STAY_DATA_DIR": str(tmp_path),
        "STAY_QUEUE": "sqlite",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = (tmp_path / "serve.log").open("wb")
    serve = subprocess.Popen(
        [sys.executable, "-m", "stay", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
            except httpx.HTTPError:
                return False

        _wait_for(answers)
        first = _wait_for(lambda: _worker_pid(serve))
        os.kill(first, signal.SIGKILL)
        second = _wait_for(lambda: (pid := _worker_pid(serve)) and pid != first and pid)
        assert second != first
        text = (tmp_path / "serve.log").read_text()
        assert "background worker" in text and "exited with -9; starting it again" in text
        ready = httpx.get(f"{url}/readyz", timeout=10)
        assert ready.status_code == 200 and ready.json()["status"] == "ready", ready.text
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        log.close()


@pytest.mark.django_db
def test_readyz_is_503_when_webhooks_wait_or_the_worker_is_silent(client, store):
    assert client.get("/readyz").status_code == 200
    old = timezone.now() - timedelta(minutes=10)
    delivery = WebhookDelivery.objects.create(store=store, topic="orders/create", webhook_id="w", body="{}")
    WebhookDelivery.objects.filter(pk=delivery.pk).update(received_at=old)
    body = client.get("/readyz")
    assert body.status_code == 503 and body.json()["checks"]["webhooks"]["ok"] is False
    WebhookDelivery.objects.all().delete()
    Heartbeat.objects.create(name="worker", at=old)
    assert client.get("/readyz").json()["checks"]["worker"]["ok"] is False
    assert client.get("/healthz").status_code == 200  # liveness asks nothing of them


@pytest.mark.django_db
def test_readyz_is_503_and_says_why_when_the_database_is_down(client, monkeypatch):
    from django.db import OperationalError
    from django.db.backends.utils import CursorWrapper

    def down(self, *args, **kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(CursorWrapper, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert "down" in response.json()["checks"]["database"]["seen"]


def _serve(tmp_path: Path, port: int, *extra: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "stay.settings.base",
        "DATABASE_URL": _database_url(),
        "STAY_DATA_DIR": str(tmp_path),
        "STAY_QUEUE": "sqlite",
    }
    for name in ("DJANGO_ALLOW_ASYNC_UNSAFE", "STAY_PORT", "STAY_PUBLIC_URL", "STAY_WEBSOCKET_URL", "STAY_SMTPD_PORT"):
        env.pop(name, None)
    log = (tmp_path / "serve.log").open("wb")
    argv = [sys.executable, "-m", "stay", "serve", "--port", str(port), "--workers", "1", "--no-worker", *extra]
    return subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)


def test_one_port_moves_everything_and_two_instances_run_side_by_side(transactional_db, tmp_path, chat_widget):
    """Issue 19 #14: `--port` moved the web server only; the widget still opened ws://…:8001,
    links said :8000, and a second instance fought over gunicorn's control socket."""
    ports = [_free_port_pair(), _free_port_pair()]
    while ports[1] in (ports[0], ports[0] + 1) or ports[1] + 1 == ports[0]:
        ports[1] = _free_port_pair()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        smtpd_port = s.getsockname()[1]
    dirs = [tmp_path / "one", tmp_path / "two"]
    for d in dirs:
        d.mkdir()
    servers = [_serve(dirs[0], ports[0], "--smtpd", "--smtpd-port", str(smtpd_port)), _serve(dirs[1], ports[1])]
    try:
        for port, data in zip(ports, dirs, strict=True):
            url = f"http://127.0.0.1:{port}"

            def answers(url=url):
                try:
                    return httpx.get(f"{url}/healthz", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            _wait_for(answers)
            widget = httpx.get(f"{url}/channels/webchat/widget.js", params={"key": chat_widget.public_key}).text
            assert f"ws://127.0.0.1:{port + 1}/ws/chat/" in widget
            assert (data / "gunicorn.ctl").exists()  # its own control socket, in its own data dir

            def websocket_listens(port=port):
                with socket.socket() as probe:
                    return probe.connect_ex(("127.0.0.1", port + 1)) == 0

            _wait_for(websocket_listens)

        def mail_listens():
            with socket.socket() as probe:
                return probe.connect_ex(("127.0.0.1", smtpd_port)) == 0

        _wait_for(mail_listens)
    finally:
        for serve in servers:
            serve.send_signal(signal.SIGTERM)
        for serve in servers:
            serve.wait(timeout=60)
