"""An agent's own sign-in security: two-factor sign-in with an authenticator app (TOTP,
django-otp). Once on, the console asks for the app's 6-digit code after the password."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.forms import OTPAuthenticationForm
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.views import LoginView

from stay.giftcards.qr import qr_svg

DEVICE = "console"


def _device(user: object, confirmed: bool) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, name=DEVICE, confirmed=confirmed).first()


class ConsoleLoginForm(OTPAuthenticationForm):
    """Username and password, and the authenticator app's code for an agent who turned
    two-factor sign-in on (their one device: there is nothing to choose)."""

    def clean_otp(self, user: Any) -> None:
        if user is not None and _device(user, confirmed=True) is None:
            return  # two-factor sign-in is off for this account: the password signs in
        super().clean_otp(user)

    def _chosen_device(self, user: Any) -> Any:
        return _device(user, confirmed=True)


class ConsoleLoginView(LoginView):
    otp_authentication_form = ConsoleLoginForm
    template_name = "console/login.html"


@login_required(login_url="console:login")
@require_http_methods(["GET", "POST"])
def security(request: HttpRequest) -> HttpResponse:
    user = request.user
    active = _device(user, confirmed=True)
    if active is not None and not user.is_verified():  # type: ignore[union-attr]
        return redirect("console:login")
    error, status = "", 200
    action = request.POST.get("action", "")
    code = request.POST.get("code", "").replace(" ", "")
    if action == "start" and active is None:
        TOTPDevice.objects.filter(user=user, name=DEVICE, confirmed=False).delete()
        TOTPDevice.objects.create(user=user, name=DEVICE, confirmed=False)
    elif action == "confirm" and active is None:
        pending = _device(user, confirmed=False)
        if pending is not None and pending.verify_token(code):
            pending.confirmed = True
            pending.save(update_fields=["confirmed"])
            otp_login(request, pending)
            return redirect("console:security")
        error, status = _("That code is not right: type the 6 digits your app shows now."), 400
    elif action == "stop" and active is not None:
        if active.verify_token(code):
            active.delete()
            return redirect("console:security")
        error, status = _("That code is not right: type the 6 digits your app shows now."), 400
    active = _device(user, confirmed=True)
    pending = None if active else _device(user, confirmed=False)
    context = {
        "active": active,
        "pending": pending,
        "qr": qr_svg(pending.config_url) if pending else "",
        "secret": _spaced(pending.bin_key) if pending else "",
        "error": error,
    }
    return render(request, "console/security.html", context, status=status)


def _spaced(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))
