"""Fixtures shared by every app's tests: a connected store, an API client, a webhook poster."""

import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase

from stay.connectors.shopify.fake import webhook_headers
from stay.core.services import api_token_create, store_create

# Playwright's sync API keeps an event loop running in the main thread from the first browser
# test to the end of the session; Django's ORM refuses to run beside a running loop unless
# told it is safe, which it is here (the loop is Playwright's, not Django's).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PAYLOADS = Path(__file__).parent / "connectors" / "shopify" / "tests" / "payloads"
SECRET = "hush-webhook-secret"


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / f"{name}.json").read_text())


@pytest.fixture(autouse=True)
def own_recommendations(settings, tmp_path_factory):
    """Each test trains recommendations into a folder of its own and serves nothing an earlier
    test trained (store ids repeat between tests)."""
    from stay.recommendations import serving

    settings.RECOMMENDATIONS_DIR = tmp_path_factory.mktemp("recommendations")
    serving._loaded.clear()
    yield
    serving._loaded.clear()


@pytest.fixture(scope="session", autouse=True)
def assistant_trained():
    """The assistant trains its engine once for the session (a few seconds), not inside
    whichever test first files a message (where it would hold up, say, a chat's ack)."""
    from stay.assistant.services import engines

    engines.warm()


@pytest.fixture
def store(db):
    return store_create(
        name="Summit Outdoor",
        webhook_secret=SECRET,
        slug="summit",
        currency="USD",
        timezone="America/New_York",
        country="US",
    )


@pytest.fixture
def kr_store(db):
    return store_create(
        name="서밋 아웃도어",
        webhook_secret=SECRET + "-kr",
        slug="summit-kr",
        currency="KRW",
        timezone="Asia/Seoul",
        default_locale="ko",
        country="KR",
    )


@pytest.fixture
def api_user(db, django_user_model):
    return django_user_model.objects.create_user(username="dev", password="x")


@pytest.fixture
def api(store, api_user):
    """A test client that sends a valid bearer token."""
    _, raw = api_token_create(username=api_user.username)
    return Client(headers={"Authorization": f"Bearer {raw}"})


@pytest.fixture
def api_for(store):
    """``api_for(user)``: a test client with a bearer token of ``user``."""

    def client_for(user):
        _, raw = api_token_create(username=user.username)
        return Client(headers={"Authorization": f"Bearer {raw}"})

    return client_for


class WebhookPoster:
    def __init__(self, client: Client, store):
        self.client, self.store = client, store

    def __call__(
        self,
        topic: str,
        body: dict | bytes | str,
        *,
        webhook_id: str | None = None,
        secret: str | None = None,
        headers: dict | None = None,
    ):
        raw = body if isinstance(body, bytes) else (body if isinstance(body, str) else json.dumps(body)).encode()
        sent = webhook_headers(raw, topic=topic, secret=secret or self.store.webhook_secret, webhook_id=webhook_id)
        sent.update(headers or {})
        # The endpoint stores the delivery and enqueues its processing on commit; huey runs
        # jobs inline in tests, so running the commit callbacks applies the webhook.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return self.client.post(
                f"/webhooks/shopify/{self.store.slug}",
                data=raw,
                content_type="application/json",
                headers={k: v for k, v in sent.items() if k != "Content-Type"},
            )

    def last_status(self) -> str:
        from stay.connectors.shopify.models import WebhookDelivery

        return WebhookDelivery.objects.latest("id").status


@pytest.fixture
def post_webhook(client, store):
    return WebhookPoster(client, store)


@pytest.fixture
def shopify(store):
    """The store connected to Shopify's fake on loopback (price rules, discount codes, refunds…)."""
    from stay.connectors.shopify.fake import FakeShopify

    with FakeShopify(token="shpat_secret") as fake:
        store.api_base_url, store.api_token = fake.base_url, "shpat_secret"
        store.save()
        yield fake


# --- The inbox ------------------------------------------------------------------------------
MAIL = Path(__file__).parent / "channels" / "email" / "tests" / "mail"


def mail(name: str, **fill: str) -> bytes:
    raw = (MAIL / f"{name}.eml").read_bytes()
    for key, value in fill.items():
        raw = raw.replace(b"{" + key.encode() + b"}", value.encode())
    return raw


@pytest.fixture
def mailbox(store):
    from stay.channels.email.models import Mailbox

    return Mailbox.objects.create(store=store, address="support@summit-outdoor.test", display_name="Summit Outdoor")


@pytest.fixture
def outbox(settings):
    """The store's outgoing mail relay: a real SMTP server on loopback that keeps what it gets."""
    from stay.channels.email.fake import CapturingSMTP

    with CapturingSMTP() as box:
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", box.port
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        yield box


@pytest.fixture
def agent_user(store, django_user_model):
    from stay.conversations.models import Agent, Role

    user = django_user_model.objects.create_user(username="alex", password="agent-pass", first_name="Alex")
    Agent.objects.create(user=user, role=Role.AGENT, refund_limit=100).stores.add(store)
    return user


@pytest.fixture
def lead_user(store, django_user_model):
    from stay.conversations.models import Agent, Role

    user = django_user_model.objects.create_user(username="lee", password="lead-pass", first_name="Lee")
    Agent.objects.create(user=user, role=Role.LEAD).stores.add(store)
    return user


class AsgiServer:
    """Stay's ASGI app (HTTP and websockets) served by uvicorn on 127.0.0.1 in a thread, on
    the suite's own database: what a browser or a websocket client talks to in tests."""

    def __init__(self) -> None:
        import socket
        import threading

        import uvicorn

        from stay.asgi import application

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(
            application, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning", ws="websockets-sansio"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> "AsgiServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def asgi_server(transactional_db, settings):
    with AsgiServer() as server:
        settings.WEBSOCKET_PUBLIC_URL = server.ws_url
        settings.ALLOWED_HOSTS = ["*"]
        yield server


@pytest.fixture
def chat_widget(store):
    from stay.channels.webchat.models import ChatWidget

    return ChatWidget.objects.create(store=store, identity_secret="widget-secret")


# --- Browser tests (Playwright for Python driving Debian's Chromium) -------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    import shutil

    return {
        **browser_type_launch_args,
        "executable_path": shutil.which("chromium") or "/usr/bin/chromium",
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--no-first-run",
        ],
    }


@pytest.fixture
def browser_ready():
    """Skip (a failure under CI=true) without Chromium."""
    import shutil

    if not shutil.which("chromium"):
        pytest.skip("Debian's chromium is not installed (make test installs it)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Under CI=true nothing may be skipped for a missing tool: a skip is a failure."""
    import os

    report = yield
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped under CI=true, which allows no skip: {report.longrepr}"
    return report
