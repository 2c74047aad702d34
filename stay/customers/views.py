"""The shopper's marketing preferences page (see preferences.py): no sign-in, no cookie."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stay.core.http import client_ip
from stay.core.i18n import pick_language

from .models import ConsentChannel, ConsentState
from .preferences import customer_of_token
from .selectors import consent_current
from .services import consent_withdraw


@csrf_exempt  # the signed link is the credential; a mail client's one-click POST has no cookie
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest, token: str) -> HttpResponse:
    customer = customer_of_token(token)
    if customer is None:
        raise Http404(_("This link is not valid."))
    evidence = {"ip": client_ip(request), "user_agent": request.headers.get("User-Agent", "")[:300]}
    if request.method == "POST" and request.POST.get("List-Unsubscribe") == "One-Click":
        consent_withdraw(customer=customer, channels=[ConsentChannel.EMAIL], source="one-click", evidence=evidence)
        return HttpResponse(status=200)
    done = ""
    language = pick_language(request, customer.locale, customer.store.default_locale)
    with translation.override(language):
        if request.method == "POST":
            wanted = request.POST.get("channel", "")
            channels = list(ConsentChannel.values) if wanted == "all" else [wanted]
            if not set(channels) <= set(ConsentChannel.values):
                return render(request, "400.html", {"message": _("Choose a channel to stop.")}, status=400)
            consent_withdraw(customer=customer, channels=channels, source="preferences page", evidence=evidence)
            done = _("Done: you will get no marketing messages there any more.")
        current = consent_current(customer)
        rows = [
            (value, label, current.get(value) is not None and current[value].state == ConsentState.SUBSCRIBED)
            for value, label in ConsentChannel.choices
        ]
        return render(
            request,
            "customers/preferences.html",
            {"customer": customer, "store": customer.store, "rows": rows, "done": done, "lang": language},
        )
