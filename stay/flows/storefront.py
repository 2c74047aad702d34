"""Sign-up and back-in-stock on a storefront page (issue 20): elements the store places, filled
by a script that the chat widget's one tag loads when the page has them (or by its own tag).

    <div data-stay-signup></div>
    <button data-stay-back-in-stock="VARIANT_PLATFORM_ID">Tell me when it is back</button>

The endpoints are public (a storefront has no API token), accept simple form posts from any
origin, are rate limited per address, and keep the evidence: the wording is the store's own
text in the page's language, never what a page sends."""

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from stay.catalog.models import Variant
from stay.core.errors import RateLimited, StayError
from stay.core.http import client_ip
from stay.core.models import Store
from stay.core.ratelimit import rate_hit
from stay.customers.identities import normalise_email
from stay.customers.inputs import CustomerInput
from stay.customers.services import customer_resolve

from .services import restock_request
from .subscriptions import subscription_request

LIMIT_PER_HOUR = 20


def _language(request: HttpRequest) -> str:
    wanted = (request.POST.get("lang") or request.GET.get("lang") or "en")[:2]
    return wanted if wanted in dict(settings.LANGUAGES) else "en"


def signup_wording(store: Store) -> str:
    return _("Yes, send me news and offers from %(store)s by e-mail. I can unsubscribe at any time.") % {
        "store": store.name
    }


def _email(request: HttpRequest) -> str:
    """The address posted, or InvalidInput saying what is wrong with it."""
    return normalise_email(request.POST.get("email", "")[:254])


def _answer(body: dict[str, str], status: int = 200) -> JsonResponse:
    response = JsonResponse(body, status=status)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _guarded(request: HttpRequest, store: Store) -> JsonResponse | None:
    try:
        rate_hit(f"storefront:{store.pk}:{client_ip(request)}", limit=LIMIT_PER_HOUR, per_seconds=3600)
    except RateLimited as exc:
        return _answer({"error": str(exc)}, status=429)
    return None


@csrf_exempt  # public, from any storefront: double opt-in and the rate limit guard it
@require_POST
def signup(request: HttpRequest, slug: str) -> JsonResponse:
    store = get_object_or_404(Store, slug=slug)
    if (refused := _guarded(request, store)) is not None:
        return refused
    with translation.override(_language(request)):
        try:
            subscription_request(
                store=store,
                channel="email",
                email=_email(request),
                wording=signup_wording(store),
                source="storefront",
                ip=client_ip(request),
                user_agent=request.headers.get("User-Agent", "")[:300],
                locale=_language(request),
            )
        except StayError as exc:
            return _answer({"error": str(exc)}, status=400)
        return _answer({"message": _("Almost done: open the link we sent you to confirm.")}, status=202)


@csrf_exempt
@require_POST
def back_in_stock(request: HttpRequest, slug: str) -> JsonResponse:
    store = get_object_or_404(Store, slug=slug)
    if (refused := _guarded(request, store)) is not None:
        return refused
    language = _language(request)
    with translation.override(language):
        variant = Variant.objects.filter(store=store, platform_id=request.POST.get("variant", "")[:64]).first()
        if variant is None:
            return _answer({"error": _("No such variant in this store.")}, status=400)
        try:
            customer = customer_resolve(
                store=store,
                data=CustomerInput(email=_email(request), locale=language),
                actor="storefront",
            )
            restock_request(
                customer=customer,
                variant=variant,
                channel="email",
                source="storefront",
                evidence={
                    "wording": _("Tell me by e-mail when it is back in stock."),
                    "ip": client_ip(request),
                    "user_agent": request.headers.get("User-Agent", "")[:300],
                },
            )
        except StayError as exc:
            return _answer({"error": str(exc)}, status=409 if exc.code in ("in_stock", "opted_out") else 400)
        return _answer({"message": _("We will write to you as soon as it is back.")}, status=201)


@require_GET
def embed_js(request: HttpRequest, slug: str) -> HttpResponse:
    store = get_object_or_404(Store, slug=slug)
    texts = {}
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            texts[code] = {
                "wording": signup_wording(store),
                "email": _("Your email"),
                "signup": _("Sign up"),
                "notify": _("Tell me when it is back"),
                "send": _("Notify me"),
                "failed": _("That did not work: try again in a moment."),
            }
    config = {
        "signup": settings.PUBLIC_URL + reverse("storefront-signup", args=[store.slug]),
        "restock": settings.PUBLIC_URL + reverse("storefront-back-in-stock", args=[store.slug]),
        "texts": texts,
    }
    response = render(request, "flows/embed.js", {"config": json.dumps(config)}, content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response
