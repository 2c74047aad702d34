import time
from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone, translation

from stay.conversations.limits import limits_for
from stay.conversations.models import Agent, Role
from stay.core.models import Store


class AgentLanguageMiddleware:
    """Each agent reads Stay in the language of their profile (English or Korean)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        agent = getattr(user, "agent", None) if user is not None and user.is_authenticated else None
        if agent is None and user is not None and user.is_authenticated and user.is_staff:
            # Staff (the admin `make run` creates) answer customers too, as admins.
            agent, _ = Agent.objects.get_or_create(user=user, defaults={"role": Role.ADMIN})
        if agent is not None:
            if agent.locale:
                translation.activate(agent.locale)
                request.LANGUAGE_CODE = agent.locale
            # "Is someone online?" for the chat widget: touched at most once a minute.
            now = timezone.now()
            if agent.seen_at is None or now - agent.seen_at > timedelta(minutes=1):
                type(agent).objects.filter(pk=agent.pk).update(seen_at=now)
        return self.get_response(request)


class SessionIdleMiddleware:
    """A signed-in session ends after the store's idle time (AgentLimits.session_idle_minutes)
    without a request: a console left open on a shared desk does not stay signed in."""

    TOUCH_EVERY = 60  # seconds: the session is written at most this often
    _cache: dict[str, tuple[float, int]] = {}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def idle_minutes(self, slug: str | None) -> int:
        key = slug or ""
        cached = self._cache.get(key)
        if cached is None or time.monotonic() - cached[0] > 60:
            store = Store.objects.filter(slug=slug).first() if slug else Store.objects.order_by("id").first()
            minutes = limits_for(store).session_idle_minutes if store is not None else 120
            self._cache[key] = cached = (time.monotonic(), minutes)
        return cached[1]

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            seen = request.session.get("seen_at")
            if seen is not None and now - seen > self.idle_minutes(request.session.get("store")) * 60:
                logout(request)
                if request.path.startswith("/console/"):
                    return redirect(f"/console/login?next={request.path}")
            elif seen is None or now - seen > self.TOUCH_EVERY:
                request.session["seen_at"] = now
        return self.get_response(request)
