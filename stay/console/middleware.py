from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class AgentLanguageMiddleware:
    """Each agent reads Stay in the language of their profile (English or Korean)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        agent = getattr(user, "agent", None) if user is not None and user.is_authenticated else None
        if agent is not None and agent.locale:
            translation.activate(agent.locale)
            request.LANGUAGE_CODE = agent.locale
        return self.get_response(request)
