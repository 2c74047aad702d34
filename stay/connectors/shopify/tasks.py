"""Background jobs of the Shopify connector (huey discovers them from this module)."""

from .calls import send_platform_call

__all__ = ["send_platform_call"]
