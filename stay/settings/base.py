"""Stay's one settings module. Secrets and the database come from the environment.

Environment:
- ``DATABASE_URL``: ``postgres://user@host:5432/db``; unset means the embedded SQLite file.
- ``STAY_DATA_DIR``: where the embedded database, the job queue and the generated secret
  key live (default ``./var``).
- ``STAY_SECRET_KEY``: Django's secret key; unset means one generated once into the data dir.
- ``STAY_GIFT_CARD_KEY``: the key gift card codes derive from (same default); keep it forever.
- ``STAY_QUEUE``: ``sqlite`` (default, durable, no server), ``postgres`` or ``redis``.
- ``STAY_REDIS_URL``: for ``STAY_QUEUE=redis`` (default ``redis://127.0.0.1:6379/0``).
- ``STAY_PORT`` (and ``STAY_HOST``): where ``stay serve`` listens (default 127.0.0.1:8000); the
  websocket server takes the next port (``STAY_WEBSOCKET_PORT``) and links follow.
- ``STAY_PUBLIC_URL``: the address shoppers and platforms reach Stay at (links, webhook URLs);
  default ``http://127.0.0.1:<STAY_PORT>``. Behind a proxy on a domain, the chat's websocket is
  expected on the same address (``wss://``; the proxy sends ``/ws/`` to the websocket server),
  unless ``STAY_WEBSOCKET_URL`` says otherwise.
- ``STAY_DEBUG``: ``1`` for development.
- ``STAY_HTTPS``: ``1`` when Stay is served over HTTPS (the deploy checks' settings on).
- ``STAY_TRUSTED_PROXIES``: reverse proxies whose ``X-Forwarded-For`` is believed.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import dj_database_url
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("STAY_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret(env: str, filename: str) -> str:
    if key := os.environ.get(env):
        return key
    # Generated once per installation and kept beside the database, never in the repository.
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("STAY_SECRET_KEY", "secret_key")
# Derives gift card codes and the keyed hashes they are found by: a leaked database alone
# reveals no usable code. Never change it on a live store: every issued code depends on it.
GIFT_CARD_KEY = _secret("STAY_GIFT_CARD_KEY", "gift_card_key")
DEBUG = os.environ.get("STAY_DEBUG", "") == "1"
PORT = int(os.environ.get("STAY_PORT") or 8000)
_host = os.environ.get("STAY_HOST", "127.0.0.1")
PUBLIC_URL = os.environ.get("STAY_PUBLIC_URL", "").rstrip("/") or (
    f"http://{'127.0.0.1' if _host in ('0.0.0.0', '::', '') else _host}:{PORT}"  # noqa: S104 (a wildcard is not an address)
)
WEBSOCKET_PORT = int(os.environ.get("STAY_WEBSOCKET_PORT") or PORT + 1)


def _websocket_url(public: str) -> str:
    """Where the chat widget opens its websocket: the server beside the web server on this
    machine (its port), or the public address itself behind a proxy on a domain."""
    url = urlsplit(public)
    scheme = "wss" if url.scheme == "https" else "ws"
    host = url.hostname or "127.0.0.1"
    if url.port is None and host not in ("127.0.0.1", "localhost"):
        return f"{scheme}://{url.netloc}"
    return f"{scheme}://{host}:{WEBSOCKET_PORT}"


ALLOWED_HOSTS = [
    h
    for h in os.environ.get("STAY_ALLOWED_HOSTS", f"127.0.0.1,localhost,{urlsplit(PUBLIC_URL).hostname}").split(",")
    if h
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "stay.core",
    "stay.customers",
    "stay.catalog",
    "stay.orders",
    "django_htmx",
    "csp",
    "stay.connectors.shopify",
    "stay.giftcards",
    "stay.loyalty",
    "stay.recommendations",
    "stay.conversations",
    "stay.channels.email",
    "stay.channels.whatsapp",
    "stay.channels.sms",
    "stay.channels.webchat",
    "stay.returns",
    "stay.flows",
    "stay.helpcentre",
    "stay.assistant",
    "stay.console",
    "stay.account",
    "stay.demo",
    "stay.insights",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "stay.core.middleware.NulGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "stay.console.middleware.SessionIdleMiddleware",
    "stay.console.middleware.AgentLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last: it answers a locked-out sign-in (django-axes).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "stay.urls"
WSGI_APPLICATION = "stay.wsgi.application"
ASGI_APPLICATION = "stay.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ]
        },
    }
]

# --- Behind HTTPS (`stay check --deploy` is clean with STAY_HTTPS=1) -----------------------
HTTPS = os.environ.get("STAY_HTTPS", "") == "1"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("STAY_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    # Preloading cannot be undone quickly: the operator opts in (STAY_HSTS_PRELOAD=1).
    SECURE_HSTS_PRELOAD = os.environ.get("STAY_HSTS_PRELOAD", "") == "1"
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # A load balancer probes health over plain HTTP on the inside.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # The TLS proxy in front says so (only proxies the operator trusts reach Stay's port).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True

# Content-Security-Policy on the console and the shoppers' pages: scripts and styles from
# Stay's own files only (the console's behaviour lives in static/console/keys.js), no frames,
# no plugins. The API's docs (Swagger UI), the admin and the demo storefront page keep theirs.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/", "/channels/webchat/storefront"],
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # https: for the store's logo on its own site or CDN (Store.logo_url).
        "img-src": [SELF, "data:", "https:"],
        "connect-src": [SELF],  # the help centre adds the chat's websocket server (core/storefront.py)
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    },
}

# --- Database -----------------------------------------------------------------------------
# SQLite in WAL mode holds up under a web process plus a worker: readers never block the
# writer, IMMEDIATE transactions take the write lock up front (no deadlock on upgrade), and
# a busy timeout makes a second writer wait instead of failing.
SQLITE_OPTIONS: dict[str, Any] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
CONN_MAX_AGE = int(os.environ.get("STAY_CONN_MAX_AGE", "60"))

_database_url = os.environ.get("DATABASE_URL", "")
if _database_url and not _database_url.startswith("sqlite"):
    # Under ASGI every request runs in its own thread, so per-thread persistent connections
    # pile up until PostgreSQL refuses clients: use psycopg's pool (web and workers alike).
    DATABASES = {"default": dj_database_url.parse(_database_url, conn_max_age=0)}
    DATABASES["default"]["OPTIONS"] = {
        "pool": {
            "min_size": 1,
            "max_size": int(os.environ.get("STAY_DB_POOL_SIZE", "8")),
            "timeout": 20,
        },
        # No JIT: it compiled 961 ms for the insights' service query of 1,031 ms (41,035
        # conversations of a 1,000,000-conversation store: EXPLAIN ANALYZE on bench/insights.py's
        # database, ADR 0019).
        # Stay's statements are short; JIT pays off only for long analytical scans.
        "options": "-c jit=off",
    }
    # The hottest statements (core.db.hot_cursor) are prepared from their 5th use on a
    # connection, so PostgreSQL plans them once: planning was 0.27 ms of a 0.43 ms statement
    # of the recommendations API (ADR 0018). Django leaves this off for poolers that cannot
    # hold prepared statements (PgBouncer in transaction mode): STAY_DB_PREPARED=0 there.
    if os.environ.get("STAY_DB_PREPARED", "1") != "0":
        DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
    # With a pool, Django checks each pooled connection before lending it (psycopg's
    # check_connection, one round trip): after the database restarts, a dead connection is
    # replaced instead of failing the request that drew it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            # sqlite:////absolute/path.sqlite3 names another file (a worker started by a test).
            "NAME": _database_url.removeprefix("sqlite:///") if _database_url else str(DATA_DIR / "stay.sqlite3"),
            "OPTIONS": SQLITE_OPTIONS,
            "CONN_MAX_AGE": CONN_MAX_AGE,
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background jobs ----------------------------------------------------------------------
QUEUE_BACKEND = os.environ.get("STAY_QUEUE", "sqlite")
_HUEY_COMMON: dict[str, Any] = {
    "name": "stay",
    "immediate": False,  # tests switch this on; outside them jobs always go through the queue
    "utc": True,
    # An idle consumer polls at most every half second: a webhook is applied promptly.
    "consumer": {
        "workers": 1,
        "worker_type": "thread",
        "periodic": True,
        "check_worker_health": True,
        "initial_delay": 0.05,
        "backoff": 1.2,
        "max_delay": 0.5,
    },
}
if QUEUE_BACKEND == "redis":
    HUEY = {
        **_HUEY_COMMON,
        "huey_class": "huey.PriorityRedisHuey",
        "url": os.environ.get("STAY_REDIS_URL", "redis://127.0.0.1:6379/0"),
    }
elif QUEUE_BACKEND == "postgres":
    HUEY = {
        **_HUEY_COMMON,
        "huey_class": "huey.PostgresHuey",
        "dsn": os.environ.get("STAY_QUEUE_URL", os.environ.get("DATABASE_URL", "")),
    }
else:
    HUEY = {**_HUEY_COMMON, "huey_class": "stay.core.queue.EmbeddedQueue", "filename": str(DATA_DIR / "queue.sqlite3")}

# --- Signing in ---------------------------------------------------------------------------
# Wrong passwords are counted per account and per address (the real client behind trusted
# proxies); past the limit both are locked out for a while (django-axes). Agents may add a
# TOTP second factor (django-otp): then the console asks for its code at sign-in.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("STAY_LOGIN_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("STAY_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_CLIENT_IP_CALLABLE = "stay.core.http.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "console/locked.html"
AXES_VERBOSE = False
OTP_TOTP_ISSUER = "Stay"

# --- Auth, i18n, static -------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("ko", _("Korean"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "stay": {"handlers": ["console"], "level": os.environ.get("STAY_LOG_LEVEL", "INFO")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "huey": {"handlers": ["console"], "level": "INFO"},
    },
}

# Webhooks look up their store (and its secret), and new conversations its SLA targets and
# opening hours, once per this many seconds per process.
STORE_CACHE_SECONDS = int(os.environ.get("STAY_STORE_CACHE_SECONDS", "10"))
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # The insights pages' figures: worked out by the worker, read by every web process.
    "insights": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "insights"),
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
    # Who has a conversation open in the console, read by every web process (seconds old).
    "presence": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache" / "presence"),
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
}

# Reverse proxies whose X-Forwarded-For is believed (stay.core.http.client_ip).
TRUSTED_PROXIES = [p.strip() for p in os.environ.get("STAY_TRUSTED_PROXIES", "").split(",") if p.strip()]

# How long a queued job may wait before the sweep assumes its worker died and re-enqueues it.
SWEEP_STALE_AFTER_SECONDS = int(os.environ.get("STAY_SWEEP_STALE_AFTER_SECONDS", "120"))
# `/readyz` reports unready when a webhook, a reply or a worker's sweep waits longer than this.
READY_MAX_WAIT_SECONDS = int(os.environ.get("STAY_READY_MAX_WAIT_SECONDS", "300"))
# Background workers run at a lower CPU priority (Unix niceness) than the web processes: in a
# burst, answering webhooks and shoppers comes first and applying them uses the CPU left over.
WORKER_NICENESS = int(os.environ.get("STAY_WORKER_NICENESS", "10"))

# --- The inbox ------------------------------------------------------------------------------
MEDIA_ROOT = DATA_DIR / "media"  # attachments; served only to signed-in agents
MEDIA_URL = "/media/"
# Seconds after a conversation is resolved before the satisfaction survey goes out.
CSAT_DELAY_SECONDS = int(os.environ.get("STAY_CSAT_DELAY_SECONDS", "120"))
# Django Channels: in-process by default; several server processes need Redis.
if os.environ.get("STAY_CHANNEL_LAYER", "memory") == "redis":
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [os.environ.get("STAY_REDIS_URL", "redis://127.0.0.1:6379/1")]},
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "stay.core.layers.InProcessLayer"}}

# Outbound mail (replies, surveys). STAY_SMTP_URL: smtp://user:password@host:port (TLS with
# smtp+tls://, SSL with smtps://); unset means a mail server on localhost:25.
# Whether one was set at all: without it, a reply that cannot reach localhost:25 says so.
SMTP_URL_SET = bool(os.environ.get("STAY_SMTP_URL"))
_smtp = os.environ.get("STAY_SMTP_URL", "smtp://127.0.0.1:25")
_smtp_url = urlsplit(_smtp)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = _smtp_url.hostname or "127.0.0.1"
EMAIL_PORT = _smtp_url.port or (465 if _smtp_url.scheme == "smtps" else 25)
EMAIL_HOST_USER = unquote(_smtp_url.username or "")
EMAIL_HOST_PASSWORD = unquote(_smtp_url.password or "")
EMAIL_USE_TLS = _smtp_url.scheme == "smtp+tls"
EMAIL_USE_SSL = _smtp_url.scheme == "smtps"
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("STAY_FROM_EMAIL", "support@localhost")
# `stay smtpd`: where the built-in mail server listens.
SMTPD_HOST = os.environ.get("STAY_SMTPD_HOST", "127.0.0.1")
SMTPD_PORT = int(os.environ.get("STAY_SMTPD_PORT", "2525"))
LOGIN_URL = "console:login"
LOGIN_REDIRECT_URL = "console:inbox"
# Web chat: where the widget opens its websocket (the server `stay serve` starts beside the
# web server), and how often each websocket process looks for replies the channel layer
# could not push (written by another process).
WEBSOCKET_PUBLIC_URL = (os.environ.get("STAY_WEBSOCKET_URL") or _websocket_url(PUBLIC_URL)).rstrip("/")
WEBCHAT_POLL_SECONDS = float(os.environ.get("STAY_WEBCHAT_POLL_SECONDS", "1.0"))
# A sample storefront page that signs in as any customer (?customer=ID): for `make run` only.
DEMO_STOREFRONT = os.environ.get("STAY_DEMO_STOREFRONT", "") == "1"

# The assistant answers shoppers on chat, WhatsApp and SMS of a store that has not set it up
# otherwise (AssistantSettings in the admin); tests switch it off unless they test it.
ASSISTANT_ANSWERS_BY_DEFAULT = True
