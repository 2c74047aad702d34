"""Which language a shopper-facing page speaks."""

from django.conf import settings
from django.http import HttpRequest


def pick_language(request: HttpRequest, *candidates: str) -> str:
    """``?lang=`` if it names a language Stay ships, else the first shipped one among
    ``candidates`` (the shopper's, the store's), else English."""
    shipped = {code for code, _name in settings.LANGUAGES}
    for code in (request.GET.get("lang", ""), *candidates):
        if code and code[:2] in shipped:
            return code[:2]
    return "en"
