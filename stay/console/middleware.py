from collections.abc import Callable
from datetime import timedelta

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from stay.conversations.models import Agent, Role


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
