"""``/channels/sms/twilio``: Twilio's incoming-message webhook, and ``…/status`` for the
delivery statuses of what Stay sent. Both are signed with X-Twilio-Signature."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stay.conversations.models import Channel, Delivery
from stay.conversations.services import delivery_report
from stay.core.errors import InvalidInput

from .models import TwilioAccount
from .services import sms_receive
from .signing import verify

TWIML_EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
STATUS = {
    "sent": Delivery.SENT,
    "delivered": Delivery.DELIVERED,
    "read": Delivery.READ,
    "undelivered": Delivery.FAILED,
    "failed": Delivery.FAILED,
}


def public_url(request: HttpRequest) -> str:
    """The URL Twilio signed: as it requested it, so behind a proxy that ends TLS the scheme
    comes from X-Forwarded-Proto."""
    proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip() or request.scheme
    return f"{proto}://{request.get_host()}{request.get_full_path()}"


def _signed_account(request: HttpRequest) -> TwilioAccount | HttpResponse:
    sid = request.POST.get("AccountSid", "")
    account = TwilioAccount.objects.select_related("store").filter(account_sid=sid).first() if sid else None
    params = [(k, v) for k in request.POST for v in request.POST.getlist(k)]
    header = request.headers.get("X-Twilio-Signature", "")
    if account is None or not verify(public_url(request), params, header, account.auth_token):
        return HttpResponse("X-Twilio-Signature does not match", status=403, content_type="text/plain")
    return account


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> HttpResponse:
    account = _signed_account(request)
    if isinstance(account, HttpResponse):
        return account
    try:
        sms_receive(account=account, form={k: request.POST.get(k, "") for k in request.POST})
    except InvalidInput as exc:
        return HttpResponse(str(exc), status=400, content_type="text/plain")
    return HttpResponse(TWIML_EMPTY, content_type="text/xml")


@csrf_exempt
@require_POST
def status(request: HttpRequest) -> HttpResponse:
    account = _signed_account(request)
    if isinstance(account, HttpResponse):
        return account
    sid, state = request.POST.get("MessageSid", ""), request.POST.get("MessageStatus", "")
    if not sid or not state:
        return HttpResponse("MessageSid and MessageStatus are required", status=400, content_type="text/plain")
    if state in STATUS:
        delivery_report(
            store_id=account.store_id,
            channel=Channel.SMS,
            channel_message_id=sid,
            delivery=STATUS[state],
            error=request.POST.get("ErrorCode", ""),
        )
    return HttpResponse(status=204)
