"""Request guards every page shares."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils.translation import gettext as _

# Their own code reads these bodies: the API's parser refuses a NUL with a JSON error, and the
# channels' and platforms' webhooks drop or refuse it where they parse it.
_OWN_PARSERS = ("/api/", "/webhooks/", "/channels/")


class NulGuardMiddleware:
    """A NUL character in a query string or a form is a 400: no text column can hold one
    (PostgreSQL refuses it), and no person typed it (a search or an order number with one
    was a 500)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith("/api/") and request.content_type == "application/json":
            # JSON writes a NUL inside a string only as the escape \u0000.
            if b"\\u0000" in request.body:
                return JsonResponse({"detail": "the body contains a NUL character (\\u0000): remove it"}, status=400)
        elif not request.path.startswith(_OWN_PARSERS):
            for values in (request.GET, request.POST if request.method == "POST" else None):
                if values is not None and any("\x00" in v for vs in values.lists() for v in vs[1]):
                    return HttpResponseBadRequest(_("The request contains a NUL character: remove it and try again."))
        return self.get_response(request)
