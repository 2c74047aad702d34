"""Sending a gift card to its recipient, at the time the buyer chose (Christmas morning, in
the recipient's time zone), on their channel, with the buyer's message.

The message stored in the inbox shows the code masked (``••••-••••-••••-7KQ2``) and the card's
page as ``…/gift/••••7KQ2``; the real code and link are put back only when the channel sends
it (:func:`secrets_of`, a :mod:`stay.core.notify` filler)."""

import logging
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.events import publish
from stay.core.notify import Notice, NotifyError, notify
from stay.core.tasks import enqueue_on_commit
from stay.customers.models import IdentityKind
from stay.customers.services import customer_for_contact

from .codes import code_display, code_from_nonce, code_masked
from .models import DeliveryChannel, GiftCard, GiftCardEvent
from .services import Caller, _audit

log = logging.getLogger(__name__)

FILLER = "giftcard"
_PAGE_SALT = "stay.giftcards.page"
_IDENTITY = {
    DeliveryChannel.EMAIL: IdentityKind.EMAIL,
    DeliveryChannel.SMS: IdentityKind.PHONE,
    DeliveryChannel.WHATSAPP: IdentityKind.WHATSAPP,
}


def page_token(card: GiftCard) -> str:
    return signing.Signer(salt=_PAGE_SALT).sign(str(card.pk))


def card_of_token(token: str) -> GiftCard | None:
    try:
        pk = int(signing.Signer(salt=_PAGE_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return GiftCard.objects.select_related("store").filter(pk=pk, code_hash__isnull=False).first()


def page_url(card: GiftCard) -> str:
    return settings.PUBLIC_URL + reverse("giftcard-page", args=[page_token(card)])


def _masked_page_url(card: GiftCard) -> str:
    return f"{settings.PUBLIC_URL}/gift/••••{card.last4}"


def secrets_of(reference: str) -> dict[str, str]:
    card = GiftCard.objects.get(pk=int(reference))
    return {
        code_masked(card.last4): code_display(code_from_nonce(card.code_nonce)),
        _masked_page_url(card): page_url(card),
    }


def _texts(card: GiftCard) -> tuple[str, str]:
    store = card.store
    amount = f"{card.initial_value} {card.currency}"
    if card.sender_name:
        subject = _("%(sender)s sent you a %(store)s gift card") % {"sender": card.sender_name, "store": store.name}
        opening = _("%(sender)s sent you a gift card for %(store)s worth %(amount)s.") % {
            "sender": card.sender_name,
            "store": store.name,
            "amount": amount,
        }
    else:
        subject = _("Your %(store)s gift card") % {"store": store.name}
        opening = _("Here is your gift card for %(store)s worth %(amount)s.") % {"store": store.name, "amount": amount}
    lines = [_("Hello %(name)s,") % {"name": card.recipient_name} if card.recipient_name else _("Hello,"), opening]
    if card.message:
        lines.append(f"“{card.message}”")
    lines.append(_("Your code: %(code)s") % {"code": code_masked(card.last4)})
    lines.append(_("Enter it at checkout on %(store)s's website.") % {"store": store.name})
    if card.expires_at:
        lines.append(_("It can be used until %(date)s.") % {"date": card.expires_at.date().isoformat()})
    lines.append(_("Balance, QR code and how to use it: %(link)s") % {"link": _masked_page_url(card)})
    return subject, "\n\n".join(lines)


def gift_card_deliver(*, card_id: int, now: datetime | None = None) -> bool:
    """Send the card to its recipient if it is due and not sent yet. Safe to run twice: the
    card's row lock and ``delivered_at`` let only one run send it."""
    now = now or timezone.now()
    with transaction.atomic():
        card = GiftCard.objects.select_for_update().select_related("store").filter(pk=card_id).first()
        if card is None or card.delivered_at or card.delivery_error or not card.delivery_channel:
            return False
        if card.deliver_at and card.deliver_at > now:
            return False
        caller = Caller("system:delivery")
        address = card.recipient_email if card.delivery_channel == DeliveryChannel.EMAIL else card.recipient_phone
        customer, _identity = customer_for_contact(
            store=card.store,
            kind=_IDENTITY[DeliveryChannel(card.delivery_channel)],
            value=address,
            name=card.recipient_name,
            locale=card.recipient_locale,
            actor=caller.actor,
        )
        with override(card.recipient_locale or customer.locale or card.store.default_locale or "en"):
            subject, text = _texts(card)
        template = None
        if card.delivery_channel == DeliveryChannel.WHATSAPP:
            # Outside the 24-hour window WhatsApp takes only an approved template.
            template = {
                "name": "stay_gift_card",
                "language": card.recipient_locale or card.store.default_locale or "en",
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": card.sender_name or card.store.name},
                            {"type": "text", "text": f"{card.initial_value} {card.currency}"},
                            {"type": "text", "text": code_masked(card.last4)},
                            {"type": "text", "text": _masked_page_url(card)},
                        ],
                    }
                ],
            }
        try:
            with transaction.atomic():
                message_id = notify(
                    Notice(
                        store_id=card.store_id,
                        customer_id=customer.pk,
                        channel=card.delivery_channel,
                        subject=subject,
                        text=text,
                        kind="gift_card.delivery",
                        fill=(FILLER, str(card.pk)),
                        template=template,
                        meta={"gift_card_id": card.pk},
                    )
                )
        except NotifyError as exc:
            card.delivery_error = str(exc)[:300]
            card.save(update_fields=["delivery_error", "updated_at"])
            _audit(card.store, card, "delivery_failed", caller, error=card.delivery_error)
            log.warning("gift card %s not delivered: %s", card.pk, exc)
            return False
        card.delivered_at = now
        card.save(update_fields=["delivered_at", "updated_at"])
        _audit(card.store, card, "delivered", caller, channel=card.delivery_channel, message=message_id)
        publish("gift_card.delivered", card_id=card.pk, customer_id=customer.pk)
    return True


@transaction.atomic
def gift_card_redeliver(*, card: GiftCard, caller: Caller) -> None:
    """Send the card again now (after its address was corrected, or a lost message)."""
    GiftCard.objects.filter(pk=card.pk).update(delivered_at=None, delivery_error="", deliver_at=timezone.now())
    GiftCardEvent.objects.create(
        store=card.store, card=card, kind="redelivery_requested", actor=caller.actor, client=caller.client
    )
    from .tasks import deliver_gift_card

    enqueue_on_commit(deliver_gift_card, card.pk)


def deliver_due(now: datetime | None = None) -> int:
    now = now or timezone.now()
    due = GiftCard.objects.filter(delivered_at__isnull=True, deliver_at__lte=now, delivery_error="").exclude(
        delivery_channel=""
    )
    return sum(gift_card_deliver(card_id=pk, now=now) for pk in due.values_list("pk", flat=True)[:500])
