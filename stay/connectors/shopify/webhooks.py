"""``POST /webhooks/shopify/<store>``: the endpoint a Shopify store's webhooks are pointed at."""

import json
import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stay.core.errors import Conflict, InvalidInput
from stay.core.models import Platform, Store

from .services import webhook_apply
from .signing import verify

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, store_slug: str) -> JsonResponse:
    store = Store.objects.filter(slug=store_slug, platform=Platform.SHOPIFY).first()
    if store is None:
        return _error(404, f"no Shopify store {store_slug!r} is connected")
    body = request.body
    if not verify(body, request.headers.get("X-Shopify-Hmac-Sha256", ""), store.webhook_secret):
        return _error(401, "X-Shopify-Hmac-Sha256 is missing or does not match the body")
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if not topic:
        return _error(400, "the X-Shopify-Topic header is missing")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        return _error(400, f"the body is not valid JSON: {exc}")
    if not isinstance(payload, dict):
        return _error(400, "the body must be a JSON object")
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    try:
        outcome = webhook_apply(store=store, topic=topic, webhook_id=webhook_id, payload=payload)
    except InvalidInput as exc:
        log.warning("shopify %s %s rejected: %s", topic, webhook_id, exc)
        return _error(400, str(exc))
    except Conflict as exc:
        return _error(409, str(exc))
    return JsonResponse({"status": outcome})
