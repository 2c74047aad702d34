"""Background jobs of the Shopify connector (huey discovers them from this module)."""

from .calls import send_platform_call
from .services import apply_received_webhooks, process_webhook, prune_webhooks

__all__ = ["apply_received_webhooks", "process_webhook", "prune_webhooks", "send_platform_call"]
