"""The recipient's pages: their card (balance, code, QR, how to use it), reached by the
signed link in the gift message, and a balance check for anyone holding a code."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_http_methods

from stay.core.errors import InvalidInput, NotFound, RateLimited
from stay.core.http import client_ip
from stay.core.i18n import pick_language
from stay.core.models import Store

from . import selectors, services
from .codes import code_display, code_from_nonce
from .delivery import card_of_token
from .qr import qr_svg
from .services import Caller


def card_page(request: HttpRequest, token: str) -> HttpResponse:
    card = card_of_token(token)
    if card is None:
        raise Http404("no such gift card")
    with translation.override(pick_language(request, card.recipient_locale, card.store.default_locale)):
        # The signed link proves the visitor holds the card: no guessing to rate-limit here.
        result = services.gift_card_viewed(card=card, caller=Caller("recipient:page", client_ip(request)))
        code = code_display(code_from_nonce(card.code_nonce))
        return render(
            request,
            "giftcards/card.html",
            {
                "card": card,
                "summary": result,
                "code": code,
                "qr": qr_svg(code.replace("-", "")),
                "activity": selectors.card_activity(card=card)[-10:],
                "store": card.store,
            },
        )


@require_http_methods(["GET", "POST"])
def balance_page(request: HttpRequest, store_slug: str) -> HttpResponse:
    store = Store.objects.filter(slug=store_slug).first()
    if store is None:
        raise Http404("no such store")
    with translation.override(pick_language(request, request.LANGUAGE_CODE, store.default_locale)):
        context: dict[str, object] = {"store": store}
        status = 200
        if request.method == "POST":
            try:
                context["summary"] = services.gift_card_balance(
                    store=store,
                    code=request.POST.get("code", ""),
                    caller=Caller("shopper:balance-page", client_ip(request)),
                )
            except (InvalidInput, NotFound) as exc:
                context["error"], status = str(exc), 400 if isinstance(exc, InvalidInput) else 404
            except RateLimited as exc:
                context["error"], status = str(exc), 429
        return render(request, "giftcards/balance.html", context, status=status)
