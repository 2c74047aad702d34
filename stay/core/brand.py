"""The store's look on the shopper's pages (issue 25): one colour and a logo, set once on the
store (admin), used by the chat, the returns portal, the gift card pages, the account page and
the help centre. The colour must carry white text readably (WCAG AA, 4.5:1), since buttons and
the header write white on it."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

WHITE_TEXT_CONTRAST = 4.5


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def white_contrast(colour: str) -> float:
    """The contrast ratio of white text on ``colour`` (#rrggbb)."""
    return 1.05 / (_luminance(colour) + 0.05)


def validate_brand_colour(colour: str) -> None:
    if len(colour) == 7 and colour.startswith("#") and white_contrast(colour) < WHITE_TEXT_CONTRAST:
        raise ValidationError(
            _("White text on %(colour)s has a contrast of %(ratio).1f:1; choose a darker colour (4.5:1 at least).")
            % {"colour": colour, "ratio": white_contrast(colour)}
        )


@require_GET
def brand_css(request: HttpRequest, store_slug: str) -> HttpResponse:
    """The store's colour as CSS variables, for pages whose policy allows only their own
    stylesheets (no inline style)."""
    from .models import Store

    store = get_object_or_404(Store, slug=store_slug)
    response = HttpResponse(f":root{{--brand:{store.brand_colour};}}\n", content_type="text/css")
    response["Cache-Control"] = "public, max-age=300"
    return response
