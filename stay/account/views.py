"""``/account/<store>/``: the shopper's own page, in English and Korean, on a phone too. Signed
in by a one-time link (e-mail) or code (text) to an identity the store knows; it shows their
orders with tracking and a way into the returns portal, gift cards and store credit, points
(pending, available, history, when they expire), tier and progress, rewards to redeem, their
referral code, marketing consent, and their data: download it, or ask to be forgotten."""

import json
import uuid
from datetime import date
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from stay.core.errors import RateLimited, StayError
from stay.core.http import client_ip
from stay.core.i18n import pick_language
from stay.core.models import Store
from stay.core.privacy import customer_export
from stay.customers.models import Customer
from stay.customers.preferences import preferences_url
from stay.customers.selectors import consent_current
from stay.giftcards.models import Kind
from stay.giftcards.selectors import cards_of_customer
from stay.loyalty.rewards import reward_redeem
from stay.loyalty.selectors import birthday_of, expiry_of, history_of, redemptions_of, rewards_of, standing_of
from stay.loyalty.services import birthday_set
from stay.loyalty.services import settings_for as loyalty_settings
from stay.orders.models import Order
from stay.orders.selectors import status_text
from stay.returns.messages import portal_url

from . import services

_SESSION = "account"


def _store(slug: str) -> Store:
    store = Store.objects.filter(slug=slug).first()
    if store is None:
        raise Http404("no such store")
    return store


def _signed_in(request: HttpRequest, store: Store) -> Customer | None:
    held = request.session.get(_SESSION) or {}
    if held.get("store") != store.pk or not isinstance(held.get("customer"), int):
        return None
    customer = Customer.objects.filter(pk=held["customer"], store=store).select_related("store").first()
    while customer is not None and customer.merged_into_id:
        customer = Customer.objects.filter(pk=customer.merged_into_id).select_related("store").first()
    return customer


def _sign_in(request: HttpRequest, store: Store, customer: Customer) -> None:
    request.session.cycle_key()  # a new session id on signing in
    request.session[_SESSION] = {"store": store.pk, "customer": customer.pk}


def _language(request: HttpRequest, store: Store, customer: Customer | None = None) -> str:
    return pick_language(request, customer.locale if customer else "", request.LANGUAGE_CODE, store.default_locale)


@require_GET
def home(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    customer = _signed_in(request, store)
    language = _language(request, store, customer)
    with translation.override(language):
        if customer is None:
            return render(request, "account/sign_in.html", {"store": store, "lang": language})
        return render(request, "account/page.html", _page(request, store, customer, language))


def _page(request: HttpRequest, store: Store, customer: Customer, language: str) -> dict[str, Any]:
    orders = list(Order.objects.filter(customer=customer).prefetch_related("fulfilments").order_by("-placed_at")[:20])
    programme = loyalty_settings(store)
    return {
        "store": store,
        "lang": language,
        "customer": customer,
        "orders": [(o, status_text(o, language), portal_url(o, language=language)) for o in orders],
        "cards": list(cards_of_customer(customer=customer).filter(customer=customer, kind=Kind.GIFT_CARD)[:20]),
        "credit": list(cards_of_customer(customer=customer).filter(customer=customer, kind=Kind.STORE_CREDIT)),
        "programme": programme.enabled,
        "standing": standing_of(customer) if programme.enabled else None,
        "history": history_of(customer, limit=20) if programme.enabled else [],
        "expires": expiry_of(customer) if programme.enabled else None,
        "birthday": birthday_of(customer),
        "birthday_points": programme.birthday_points if programme.enabled else 0,
        "rewards": rewards_of(store) if programme.enabled else [],
        "redemptions": redemptions_of(customer),
        "consent": sorted(consent_current(customer).items()),
        "preferences": preferences_url(customer),
        "key": uuid.uuid4().hex,
        "flash": request.session.pop("account_flash", ""),
    }


@require_POST
def sign_in(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    language = _language(request, store)
    contact = request.POST.get("contact", "")
    with translation.override(language):
        context: dict[str, Any] = {"store": store, "lang": language, "contact": contact}
        try:
            context["channel"] = services.sign_in_request(
                store=store, contact=contact, client=client_ip(request), language=language
            )
        except RateLimited as exc:
            context["error"] = str(exc)
            return render(request, "account/sign_in.html", context, status=429)
        except StayError as exc:
            context["error"] = str(exc)
            return render(request, "account/sign_in.html", context, status=400)
        return render(request, "account/sent.html", context)


@require_POST
def code(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store = _store(store_slug)
    language = _language(request, store)
    contact = request.POST.get("contact", "")
    with translation.override(language):
        try:
            customer = services.sign_in_with_code(
                store=store, contact=contact, code=request.POST.get("code", ""), client=client_ip(request)
            )
        except StayError as exc:
            customer, error = None, str(exc)
        else:
            error = _("That code is not right, or it has expired. Ask for a new one.")
        if customer is None:
            context = {"store": store, "lang": language, "contact": contact, "channel": "sms", "error": error}
            return render(request, "account/sent.html", context, status=400)
    _sign_in(request, store, customer)
    return redirect(reverse("account:home", args=[store.slug]) + f"?lang={language}")


@require_http_methods(["GET", "POST"])
def link(request: HttpRequest, store_slug: str, token: str) -> HttpResponseBase:
    """A GET (a mail scanner opening the link) only shows a button; the POST signs in, once."""
    store = _store(store_slug)
    language = _language(request, store)
    with translation.override(language):
        if request.method == "GET":
            return render(request, "account/link.html", {"store": store, "lang": language})
        customer = services.sign_in_with_link(store=store, token=token)
        if customer is None:
            context = {"store": store, "lang": language, "error": _("This link was used already or has expired.")}
            return render(request, "account/sign_in.html", context, status=400)
    _sign_in(request, store, customer)
    return redirect(reverse("account:home", args=[store.slug]))


def _signed_or_404(request: HttpRequest, store_slug: str) -> tuple[Store, Customer]:
    store = _store(store_slug)
    customer = _signed_in(request, store)
    if customer is None:
        raise Http404("not signed in")
    return store, customer


@require_POST
def redeem(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store, customer = _signed_or_404(request, store_slug)
    with translation.override(_language(request, store, customer)):
        try:
            redemption = reward_redeem(
                customer=customer,
                reward_id=int(request.POST.get("reward", "0") or 0),
                key=f"account-{request.POST.get('key', '')}",
                actor=f"shopper:{customer.pk}",
            )
            flash = _("Done: %(reward)s for %(points)s points. Your code is below.") % {
                "reward": redemption.reward.name,
                "points": redemption.points,
            }
        except (StayError, ValueError) as exc:
            flash = str(exc)
        request.session["account_flash"] = flash
    return redirect("account:home", store.slug)


@require_POST
def birthday(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store, customer = _signed_or_404(request, store_slug)
    with translation.override(_language(request, store, customer)):
        try:
            day = date.fromisoformat(request.POST.get("birthday", ""))
        except ValueError:
            request.session["account_flash"] = _("Enter your birthday as a date, e.g. 1990-05-17.")
        else:
            birthday_set(customer=customer, birthday=day)
            request.session["account_flash"] = _("Thank you: we will remember your birthday.")
    return redirect("account:home", store.slug)


@require_GET
def data(request: HttpRequest, store_slug: str) -> HttpResponse:
    store, customer = _signed_or_404(request, store_slug)
    export = customer_export(store=store, customer_id=customer.pk, actor=f"shopper:{customer.pk}", via="account page")
    response = HttpResponse(json.dumps(export, cls=DjangoJSONEncoder, indent=2), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{store.slug}-my-data.json"'
    return response


@require_POST
def delete(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    store, customer = _signed_or_404(request, store_slug)
    services.deletion_request(customer=customer)
    with translation.override(_language(request, store, customer)):
        request.session["account_flash"] = _(
            "We have your request. A person at the store will delete your account and tell you when it is done."
        )
    return redirect("account:home", store.slug)


@require_POST
def sign_out(request: HttpRequest, store_slug: str) -> HttpResponseBase:
    request.session.pop(_SESSION, None)
    return redirect("account:home", store_slug)
