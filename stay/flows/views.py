"""The confirmation link's page: it confirms with one button (a POST), never on opening."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stay.core.errors import InvalidInput, NotFound
from stay.core.http import client_ip
from stay.core.i18n import pick_language
from stay.customers.models import ConsentState

from .compose import click_of
from .services import outreach_clicked
from .subscriptions import pending_of_token, subscription_confirm


@csrf_exempt  # the signed link is the credential, and confirming is all it can do
@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pending = pending_of_token(token)
    except NotFound as exc:
        return render(request, "404.html", {"message": str(exc)}, status=404)
    except InvalidInput as exc:
        return render(request, "400.html", {"message": str(exc)}, status=400)
    customer = pending.customer
    language = pick_language(request, customer.locale, customer.store.default_locale)
    with translation.override(language):
        done = None
        if request.method == "POST":
            evidence = {
                "confirmed_ip": client_ip(request),
                "confirmed_user_agent": request.headers.get("User-Agent", "")[:300],
            }
            done = subscription_confirm(pending=pending, how="link", evidence=evidence)
        context = {
            "store": customer.store,
            "pending": pending,
            "done": done,
            "subscribed": done is not None and done.state == ConsentState.SUBSCRIBED,
            "title": _("Confirm your subscription"),
        }
        return render(request, "flows/confirm.html", context)


@require_http_methods(["GET", "HEAD"])
def click(request: HttpRequest, token: str) -> HttpResponse:
    """A link in a marketing message: the click is recorded on the step, then the shopper goes
    on to the product or cart. Only links our messages carried (signed) are followed."""
    data = click_of(token)
    if data is None:
        return render(request, "404.html", {"message": _("This link is not valid.")}, status=404)
    if request.method == "GET":
        outreach_clicked(enrolment_id=int(data.get("e", 0)), position=int(data.get("p", 0)))
    return HttpResponseRedirect(data["u"])
