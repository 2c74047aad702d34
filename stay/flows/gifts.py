"""A welcome gift as the engine needs it: whether its code exists on the platform yet, and how
the shopper reads it."""

from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.money import money_text
from stay.orders.platform import Requested, platform_state

from .models import OutreachSettings, WelcomeGift


def gift_state(gift: WelcomeGift) -> Requested | None:
    """Where the gift's code stands on the platform (None: nothing to wait for)."""
    if gift.request_id is None:
        return None
    return platform_state(store=gift.store, request_id=gift.request_id)


def gift_text(gift: WelcomeGift, settings: OutreachSettings, language: str) -> str:
    """The gift as the shopper reads it, in their language."""
    store = gift.store
    ends = (gift.created_at + timedelta(days=settings.welcome_days)).date().isoformat()
    with override(language):
        if gift.kind == "credit":
            return _("%(amount)s of store credit, yours to spend") % {"amount": money_text(gift.value, store.currency)}
        off = f"{gift.value.normalize():f}%" if gift.kind == "percent" else money_text(gift.value, store.currency)
        text = _("%(off)s off your first order with the code %(code)s, until %(date)s") % {
            "off": off,
            "code": gift.code,
            "date": ends,
        }
        if settings.welcome_minimum:
            text += " " + _("(orders over %(minimum)s)") % {
                "minimum": money_text(settings.welcome_minimum, store.currency)
            }
        return text
