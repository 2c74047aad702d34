"""``POST /webhooks/shopify/<store>``: the endpoint a Shopify store's webhooks are pointed at."""

import logging

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from stay.core.errors import InvalidInput
from stay.core.models import Platform
from stay.core.selectors import store_for_webhook

from .services import webhook_accept
from .signing import verify

log = logging.getLogger(__name__)


def _error(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest, store_slug: str) -> JsonResponse:
    store = store_for_webhook(platform=Platform.SHOPIFY, slug=store_slug)
    if store is None:
        return _error(404, f"no Shopify store {store_slug!r} is connected")
    body = request.body
    if not verify(body, request.headers.get("X-Shopify-Hmac-Sha256", ""), store.webhook_secret):
        return _error(401, "X-Shopify-Hmac-Sha256 is missing or does not match the body")
    topic = request.headers.get("X-Shopify-Topic", "").strip()
    if not topic:
        return _error(400, "the X-Shopify-Topic header is missing")
    webhook_id = request.headers.get("X-Shopify-Webhook-Id", "").strip()
    try:
        status, _ = webhook_accept(store=store, topic=topic, webhook_id=webhook_id, body=body)
    except InvalidInput as exc:
        log.warning("shopify %s %s rejected: %s", topic, webhook_id, exc)
        return _error(400, str(exc))
    return JsonResponse({"status": status})
