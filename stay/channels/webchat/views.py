"""The widget's script (one ``<script>`` tag on any storefront page) and a sample storefront
page to try it on."""

import json
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Min, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from stay.catalog.models import Product, ProductStatus, Variant
from stay.core.models import Store
from stay.core.storefront import ChatEmbed

from .models import ChatWidget
from .services import identity_hash


def _language(request: HttpRequest) -> str:
    wanted = (request.GET.get("lang") or translation.get_language_from_request(request) or "en")[:2]
    return wanted if wanted in dict(settings.LANGUAGES) else "en"


def widget_embed(store: Store) -> ChatEmbed | None:
    """``store``'s widget on Stay's own shopper pages (the help centre)."""
    key = ChatWidget.objects.filter(store=store).order_by("id").values_list("public_key", flat=True).first()
    if not key:
        return None
    ws = urlsplit(settings.WEBSOCKET_PUBLIC_URL)
    return ChatEmbed(script=f"{reverse('webchat-widget')}?key={key}", connects_to=f"{ws.scheme}://{ws.netloc}")


# Quick replies for the commonest questions, offered before the first message, and what
# "Talk to a person" sends: the assistant must read each as meant (a test checks, both languages).
QUICK_REPLIES = (
    gettext_lazy("Where is my order?"),
    gettext_lazy("I want to return or exchange something"),
    gettext_lazy("Check my gift card balance"),
)
HUMAN_TEXT = gettext_lazy("I'd like to talk to a person, please.")


@require_GET
def widget_js(request: HttpRequest) -> HttpResponse:
    widget = ChatWidget.objects.filter(public_key=request.GET.get("key", "")).first()
    if widget is None:
        return HttpResponse(
            "console.error('Stay chat: unknown widget key');", content_type="text/javascript", status=404
        )
    texts = {}
    for code, _name in settings.LANGUAGES:  # every shipped language: the widget picks the page's
        with translation.override(code):
            texts[code] = {
                "title": _("Chat with %(store)s") % {"store": widget.store.name},
                "open": _("Chat with us"),
                "placeholder": _("Write a message…"),
                "send": _("Send"),
                "close": _("Close"),
                "offline": _("No one is online right now. Leave your email and we will reply there."),
                "email": _("Your email"),
                "save": _("Save"),
                "saved": _("Thanks! We will reply by email."),
                "orders": _("Your recent orders"),
                "you": _("You"),
                "us": _("Us"),
                "assistant": _("Assistant · automatic reply"),
                "link": _("Open the link"),
                "account": _("Your account: points, orders and returns"),
                "human": _("Talk to a person"),
                "human_text": str(HUMAN_TEXT),
                "typing": _("Typing…"),
                "quick": [str(words) for words in QUICK_REPLIES],
            }
    config = {
        "key": widget.public_key,
        # Sign-up and back-in-stock elements on the page are filled by outreach's own script.
        "outreach": settings.PUBLIC_URL + reverse("storefront-embed", args=[widget.store.slug]),
        "ws": settings.WEBSOCKET_PUBLIC_URL + f"/ws/chat/{widget.public_key}",
        # A signed-in shopper is offered their account page (the account app's URL).
        "account": settings.PUBLIC_URL + reverse("account:home", args=[widget.store.slug]),
        "texts": texts,
        "lang": _language(request),
        # The store's look (Store.brand_colour, Store.logo_url), as on its other shopper's pages.
        "colour": widget.store.brand_colour,
        "logo": widget.store.logo_url,
    }
    response = render(request, "webchat/widget.js", {"config": json.dumps(config)}, content_type="text/javascript")
    response["Cache-Control"] = "public, max-age=300"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def storefront(request: HttpRequest) -> HttpResponse:
    """A sample storefront page with the widget. With ``STAY_DEMO_STOREFRONT=1`` (``make run``)
    ``?customer=<id>`` signs in as that customer, as a real storefront would after a login:
    never enable it on a real installation."""
    widget = ChatWidget.objects.select_related("store").order_by("id").first()
    if widget is None:
        raise Http404(_("No chat widget is set up."))
    customer_id = request.GET.get("customer", "") if settings.DEMO_STOREFRONT else ""
    language = _language(request)
    with translation.override(language):
        return render(
            request,
            "webchat/storefront.html",
            {
                "lang": language,
                "widget": widget,
                "customer_id": customer_id,
                "hash": identity_hash(widget.identity_secret, customer_id) if customer_id else "",
                "sold_out": Variant.objects.filter(
                    store=widget.store, inventory_quantity__lte=0, inventory_tracked=True, deleted_at__isnull=True
                )
                .select_related("product")
                .first(),
                "products": Product.objects.filter(
                    store=widget.store, status=ProductStatus.ACTIVE, is_gift_card=False, deleted_at__isnull=True
                )
                .annotate(
                    price=Min("variants__price", filter=Q(variants__deleted_at__isnull=True)),
                    stock=Sum("variants__inventory_quantity", filter=Q(variants__deleted_at__isnull=True)),
                )
                .order_by("id")[:6],
            },
        )
