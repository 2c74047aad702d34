"""Who an API call is about: a storefront's signed-in shopper is themselves (signed as the chat
widget signs them, ``core.auth.StorefrontShopperAuth``); a token names the customer. Shared by
every API that serves both (loyalty, recommendations)."""

from django.http import HttpRequest
from django.utils.translation import gettext as _

from stay.core.api import request_store
from stay.core.errors import InvalidInput, NotFound
from stay.core.storefront import Shopper

from .models import Customer, IdentityKind
from .selectors import customer_get, identity_find


def shopper_customer(shopper: Shopper) -> Customer:
    """The customer behind a signed storefront shopper (404 for one the store does not know)."""
    identity = identity_find(store=shopper.store, kind=IdentityKind.PLATFORM, value=shopper.platform_customer_id)
    if identity is None:
        raise NotFound(_("No customer %(id)s is known to this store yet.") % {"id": shopper.platform_customer_id})
    return identity.customer


def caller_customer(request: HttpRequest, store: str | None, customer_id: int | None) -> tuple[Customer, str]:
    """The customer a call is about, and who asks (``shopper:<id>`` or ``api:<user>``)."""
    auth = getattr(request, "auth", None)
    if isinstance(auth, Shopper):
        return shopper_customer(auth), f"shopper:{auth.platform_customer_id}"
    shop = request_store(request, store)
    if customer_id is None:
        raise InvalidInput(_("customer_id is required with a token."), code="customer_required")
    return customer_get(store=shop, customer_id=customer_id), f"api:{request.user.get_username()}"
