"""Test settings: the same as production but jobs run inline and hashing is fast."""

import os

from .base import *  # noqa: F403
from .base import DATABASES, HUEY

HUEY = {**HUEY, "immediate": True}
STORE_CACHE_SECONDS = 0  # each test creates its stores afresh
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # A file, not :memory:, so that servers started by tests (benchmarks, live servers) and
    # threads see the same database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATABASES["default"]["NAME"]).replace(".sqlite3", "-test.sqlite3")}
CSAT_DELAY_SECONDS = 0
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "insights": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "insights"},
    "presence": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "presence"},
}
MEDIA_ROOT = DATA_DIR / "test-media"  # noqa: F405
ASSISTANT_ANSWERS_BY_DEFAULT = False

# The test client's login() authenticates without a request, which django-axes refuses: the
# sign-in tests switch it back on (console/tests/test_security.py).
AXES_ENABLED = False
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
