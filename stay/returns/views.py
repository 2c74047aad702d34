"""The returns portal at ``/returns/``: find the order (number plus email or postcode, or a
gift-receipt code), pick items and reasons, see what the rules allow with its value, confirm,
print the label. Works without JavaScript, on a phone, in English and Korean.

A found order is remembered in the session; the return's own page is reached by a signed
link (also sent by message), so the shopper can come back to it from anywhere.
"""

import uuid
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from stay.core.errors import Conflict, InvalidInput, NotFound, RateLimited
from stay.core.http import client_ip
from stay.core.i18n import pick_language
from stay.core.models import Store
from stay.flows.gate import outreach_settings
from stay.orders.models import Order, OrderLine
from stay.recommendations.serving import linked, recommend

from . import selectors, services
from .labels import label_response
from .messages import order_of_portal_token, return_of_token, status_token, why_text
from .models import STORE_FAULT, Outcome, Reason, Return, Status, Verdict
from .selectors import exchange_fits
from .services import Photo, Pick, Requester

_SESSION = "returns"
CHANNELS = (("email", "Email"), ("sms", "SMS"), ("whatsapp", "WhatsApp"))


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise Http404("no such store")
    return store


def _client(request: HttpRequest) -> str:
    return client_ip(request)


@require_GET
def index(request: HttpRequest) -> HttpResponseBase:
    stores = list(Store.objects.order_by("name")[:50])
    if len(stores) == 1:
        return redirect("returns:portal", stores[0].slug)
    with translation.override(pick_language(request, request.LANGUAGE_CODE)):
        return render(request, "returns/index.html", {"stores": stores})


@require_http_methods(["GET", "POST"])
def portal(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    language = pick_language(request, request.LANGUAGE_CODE, store.default_locale)
    with translation.override(language):
        context: dict[str, Any] = {"store": store, "lang": language, "receipt": request.GET.get("receipt", "")}
        status = 200
        if request.method == "GET" and request.GET.get("t"):
            # A link from the assistant: the order was verified in the conversation.
            order = order_of_portal_token(request.GET["t"], store_id=store.pk)
            if order is None:
                context["error"] = _("This link has expired. Enter your order number and email to continue.")
            else:
                request.session[_SESSION] = {"store": store.slug, "order": order.pk, "gift": False}
                reason = request.GET.get("reason", "")
                chosen = f"&reason={reason}" if reason in Reason.values else ""
                return redirect(f"{_url('returns:start', store.slug)}?lang={language}{chosen}")
        if request.method == "POST":
            data = request.POST
            try:
                order = selectors.portal_lookup(
                    store=store,
                    client=_client(request),
                    number=data.get("number", ""),
                    secret=data.get("secret", ""),
                    receipt=data.get("receipt", ""),
                )
            except RateLimited as exc:
                context["error"], status = str(exc), 429
            except InvalidInput as exc:
                context["error"], status = str(exc), 400
            else:
                if order is not None:
                    gift = bool(data.get("receipt", "").strip())
                    request.session[_SESSION] = {"store": store.slug, "order": order.pk, "gift": gift}
                    return redirect(f"{_url('returns:start', store.slug)}?lang={language}")
                # The same words whether the order is missing or the email is wrong.
                context["error"] = _("We could not find an order with those details. Check them and try again.")
            context.update(
                number=data.get("number", ""), secret=data.get("secret", ""), receipt=data.get("receipt", "")
            )
        return render(request, "returns/portal.html", context, status=status)


def _url(name: str, *args: Any) -> str:
    return reverse(name, args=args)


def _access(request: HttpRequest, store: Store) -> tuple[Order, bool] | None:
    found = request.session.get(_SESSION) or {}
    if found.get("store") != store.slug:
        return None
    order = Order.objects.filter(store=store, pk=found.get("order") or 0).select_related("store", "customer").first()
    return (order, bool(found.get("gift"))) if order else None


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() else 0


def _picks(request: HttpRequest, lines: dict[int, Any], with_outcomes: bool) -> list[Pick]:
    picks = []
    for line_id in lines:
        try:
            quantity = int(request.POST.get(f"qty_{line_id}", "0") or 0)
        except ValueError:
            raise InvalidInput(_("Choose how many to return.")) from None
        if quantity <= 0:
            continue
        reason = request.POST.get(f"reason_{line_id}", "")
        if not reason:
            raise InvalidInput(_("%(title)s: tell us why you are returning it.") % {"title": lines[line_id].title})
        variant = request.POST.get(f"variant_{line_id}", "")
        photos = tuple(
            Photo(f.name or "photo", f.content_type or "", f.read()) for f in request.FILES.getlist(f"photo_{line_id}")
        )
        picks.append(
            Pick(
                line_id=line_id,
                quantity=quantity,
                reason=reason,
                outcome=request.POST.get(f"outcome_{line_id}", "") if with_outcomes else "",
                exchange_variant_id=int(variant) if variant.isdigit() else None,
                comment=request.POST.get(f"comment_{line_id}", "")[:500],
                photos=photos,
            )
        )
    return picks


def _similar(store: Store, line: OrderLine, options: Any) -> list[tuple[str, str]]:
    """For an item that may be exchanged: after its other sizes and colours, products bought
    together with it, linked on the store's site (issue 22)."""
    if not any(o.outcome == Outcome.EXCHANGE for o in options) or not line.product_platform_id:
        return []
    try:
        picks = recommend(store=store, kind="bought_together", product_id=line.product_platform_id, limit=3)
    except NotFound:
        return []
    return linked(picks, outreach_settings(store).shop_url)


@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    access = _access(request, store)
    if access is None:
        return redirect("returns:portal", store.slug)
    order, gift = access
    language = pick_language(request, order.locale, store.default_locale)
    preset = request.GET.get("reason", "") if request.GET.get("reason", "") in Reason.values else ""
    with translation.override(language):
        left = services.returnable_quantities(order)
        lines = {ln.pk: ln for ln in order.lines.all() if left.get(ln.pk, 0) > 0 and not ln.is_gift_card}
        context: dict[str, Any] = {
            "store": store,
            "order": order,
            "gift": gift,
            "lang": language,
            "rows": [
                (
                    ln,
                    range(1, left[ln.pk] + 1),
                    _int(request.POST.get(f"qty_{ln.pk}")),
                    request.POST.get(f"reason_{ln.pk}", "") or preset,
                )
                for ln in lines.values()
            ],
            "reasons": Reason.choices,
            "fault": [r.value for r in STORE_FAULT],
            # Where the shopper goes when nothing is left to return: the returns already made.
            "returns": [
                (ret, status_token(ret))
                for ret in Return.objects.filter(order=order).exclude(status=Status.CANCELLED).order_by("-id")[:10]
            ],
            "channels": CHANNELS,
        }
        if request.method == "GET":
            return render(request, "returns/start.html", context)
        action = request.POST.get("action", "options")
        try:
            picks = _picks(request, lines, with_outcomes=action == "confirm")
            context["previews"] = previews = services.return_preview(order=order, picks=picks, gift=gift)
            context["shown"] = [(p, _similar(store, p.line, p.options)) for p in previews]
            context["any_allowed"] = any(p.decision.verdict != Verdict.REFUSED for p in previews)
            context["any_refused"] = any(p.decision.verdict == Verdict.REFUSED for p in previews)
            if action == "confirm":
                ret, _created = services.return_request(
                    order=order,
                    picks=picks,
                    requester=Requester(
                        actor="shopper:portal",
                        gift=gift,
                        name=request.POST.get("name", "").strip(),
                        email=request.POST.get("email", "").strip(),
                        phone=request.POST.get("phone", "").strip(),
                        locale=language,
                        channel=request.POST.get("channel", "email"),
                    ),
                    idempotency_key=f"portal:{request.POST.get('key', '')}" if request.POST.get("key") else "",
                )
                return redirect(f"{_url('returns:status', store.slug, status_token(ret))}?lang={language}")
        except (InvalidInput, Conflict) as exc:
            context["error"] = str(exc)
            return render(request, "returns/start.html", context, status=400 if isinstance(exc, InvalidInput) else 409)
        context["key"] = uuid.uuid4().hex
        return render(request, "returns/start.html", context)


def _return_of(store_slug: str, token: str) -> Return:
    ret = return_of_token(token)
    if ret is None or ret.store.slug != store_slug:
        raise Http404("no such return")
    return ret


@require_GET
def status(request: HttpRequest, store_slug: str, token: str) -> HttpResponse:
    ret = _return_of(store_slug, token)
    language = pick_language(request, ret.locale, ret.store.default_locale)
    lines = list(ret.lines.select_related("order_line", "exchange_variant"))
    with translation.override(language):
        return render(
            request,
            "returns/status.html",
            {
                "store": ret.store,
                "ret": ret,
                "lang": language,
                "token": token,
                "lines": lines,
                "fits": linked(exchange_fits(ret.store, ret.customer_id, lines), outreach_settings(ret.store).shop_url),
                "why": why_text(ret) if ret.status == Status.REJECTED else "",
                "steps": [(t.created_at, Status(t.to_status).label) for t in ret.transitions.filter(kind="status")],
            },
        )


@require_GET
def label(request: HttpRequest, store_slug: str, token: str) -> HttpResponse:
    ret = _return_of(store_slug, token)
    if not ret.has_label:
        raise Http404("this return has no label")
    return label_response(ret, pick_language(request, ret.locale, ret.store.default_locale))
