"""Request guards every page shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# The channels' and platforms' webhooks read their own bodies, and drop or refuse a NUL where
# they parse them (a shopper's message loses it; a Shopify payload is a 400 naming the field).
_WEBHOOKS = ("/webhooks/", "/channels/")


class NulGuardMiddleware:
    """A NUL character in a query string, a form or an API's JSON body is a 400: no text column
    can hold one (PostgreSQL refuses it), and no person typed it (a search, an order number or
    an API note with one was a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_WEBHOOKS):
            return self.get_response(request)
        api = request.path.startswith("/api/")
        if _nul_in(request, api):
            if api:
                return JsonResponse({"detail": "the request contains a NUL character: remove it"}, status=400)
            return HttpResponseBadRequest(_("The request contains a NUL character: remove it and try again."))
        return self.get_response(request)


def _nul_in(request: HttpRequest, api: bool) -> bool:
    if api and request.content_type == "application/json":
        # JSON writes a NUL inside a string only as the escape \u0000.
        return b"\\u0000" in request.body or _nul_in_fields(request.GET)
    return _nul_in_fields(request.GET) or (request.method == "POST" and _nul_in_fields(request.POST))


def _nul_in_fields(fields: object) -> bool:
    return any("\x00" in value for _key, values in fields.lists() for value in values)  # type: ignore[attr-defined]
