"""``POST /channels/email/inbound``: a raw RFC 822 message forwarded by an email provider.

Authenticated with an API token (``Authorization: Bearer …``) so nobody else can drop mail
into the inbox. The body is the message itself (any content type)."""

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stay.core.auth import ApiTokenAuth
from stay.core.errors import InvalidInput, NotFound

from .services import email_receive

MAX_BYTES = 30 * 1024 * 1024


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    if ApiTokenAuth()(request) is None:
        return JsonResponse({"detail": "send a valid API token: Authorization: Bearer <token>"}, status=401)
    raw = request.body
    if not raw.strip():
        return JsonResponse({"detail": "the body must be the raw RFC 822 message"}, status=400)
    if len(raw) > MAX_BYTES:
        return JsonResponse({"detail": "the message is larger than 30 MB"}, status=413)
    recipients = [r for r in request.GET.getlist("to") if r]
    try:
        received = email_receive(raw=raw, recipients=recipients)
    except InvalidInput as exc:
        return JsonResponse({"detail": str(exc)}, status=400)
    except NotFound as exc:
        return JsonResponse({"detail": str(exc)}, status=404)
    return JsonResponse(
        {
            "disposition": received.disposition,
            "message_id": received.message.pk if received.message else None,
            "conversation_id": received.message.conversation_id if received.message else None,
        },
        status=200,
    )
