"""``/channels/whatsapp/webhook``: Meta's verification (GET) and events (POST)."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from stay.core.errors import InvalidInput

from .models import WhatsAppAccount
from .services import webhook_apply
from .signing import verify


@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        mode, token = request.GET.get("hub.mode"), request.GET.get("hub.verify_token", "")
        challenge = request.GET.get("hub.challenge", "")
        if mode == "subscribe" and token and WhatsAppAccount.objects.filter(verify_token=token).exists():
            return HttpResponse(challenge, content_type="text/plain")
        return HttpResponse("the verify token does not match", status=403, content_type="text/plain")
    body = request.body
    header = request.headers.get("X-Hub-Signature-256", "")
    secrets: dict[str, set[str]] = {}
    for number, secret in WhatsAppAccount.objects.values_list("phone_number_id", "app_secret"):
        secrets.setdefault(secret, set()).add(number)
    # Checked against the raw body before it is read at all; a bad signature stores nothing.
    # A secret vouches only for its own numbers: another app's events are not applied.
    signed_for = {number for secret, numbers in secrets.items() if verify(body, header, secret) for number in numbers}
    if not signed_for:
        return JsonResponse({"detail": "X-Hub-Signature-256 does not match the body"}, status=401)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return JsonResponse({"detail": "the body is not JSON (or is nested too deeply)"}, status=400)
    try:
        counts = webhook_apply(payload=payload, numbers=signed_for)
    except InvalidInput as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    return JsonResponse(counts)
