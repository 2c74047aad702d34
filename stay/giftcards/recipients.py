"""The recipient's welcome: the first time someone checks or spends a gift card they were
given, they become a customer tagged "gift-card recipient" and, if they never ordered here,
get a welcome on their channel with the help centre's link and the store's first-order offer.

The check or checkout only notes the first use (:func:`first_use`); the recognition runs
just after it commits, in the background (:func:`recognise_waiting`), and the minute's sweep
catches any that a crash left waiting."""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.errors import InvalidInput
from stay.core.notify import Notice, NotifyError, notify
from stay.core.tasks import Coalesced
from stay.customers.models import Customer, IdentityKind
from stay.customers.services import customer_for_contact, customer_tag

from .models import DeliveryChannel, GiftCard, GiftCardSettings, Kind
from .tasks import recognise_recipients

log = logging.getLogger(__name__)

RECIPIENT_TAG = "gift-card recipient"


def _contact_of(card: GiftCard, contact: dict[str, str]) -> tuple[str, str, str, str]:
    """``(identity kind, value, name, locale)`` of whoever holds the card, best known first."""
    email = contact.get("email", "")
    phone = contact.get("phone", "")
    name = contact.get("name", "") or card.recipient_name
    locale = contact.get("locale", "") or card.recipient_locale
    if email:
        return IdentityKind.EMAIL, email, name, locale
    if phone:
        return IdentityKind.PHONE, phone, name, locale
    if card.recipient_email:
        return IdentityKind.EMAIL, card.recipient_email, name, locale
    if card.recipient_phone:
        kind = IdentityKind.WHATSAPP if card.delivery_channel == DeliveryChannel.WHATSAPP else IdentityKind.PHONE
        return kind, card.recipient_phone, name, locale
    return "", "", name, locale


def contact_record(contact: object, actor: str) -> dict[str, str]:
    """What the storefront told about who is checking or spending a card, and who asked."""
    record = {field: getattr(contact, field, "") or "" for field in ("email", "phone", "name", "locale")}
    return {field: value for field, value in record.items() if value} | {"actor": actor}


def first_use(*, card: GiftCard, contact: object = None, actor: str) -> None:
    """Called under the card's row lock whenever a card is checked or spent. The first time,
    note when and by whom; the holder is recognised once the transaction commits, in the
    background, so a checkout never waits for a customer record or a welcome."""
    if card.kind != Kind.GIFT_CARD or card.first_used_at is not None:
        return
    card.first_used_at = timezone.now()
    card.first_contact = contact_record(contact, actor)
    GiftCard.objects.filter(pk=card.pk).update(first_used_at=card.first_used_at, first_contact=card.first_contact)
    recognise_soon()


def recognise_waiting(limit: int = 500) -> int:
    """The drain: recognise the holder of each card used for the first time, oldest first, one
    card per transaction. Workers running it at once skip each other's cards. A card that fails
    is logged and left for the next run, behind the others rather than in front of them."""
    done = 0
    failed: set[int] = set()
    while done + len(failed) < limit:
        with transaction.atomic():
            card = (
                GiftCard.objects.select_for_update(skip_locked=True)
                .select_related("store")
                .filter(first_used_at__isnull=False, recognised_at__isnull=True)
                .exclude(pk__in=failed)
                .order_by("first_used_at")
                .first()
            )
            if card is None:
                break
            try:
                with transaction.atomic():
                    recognise(card)
            except Exception:
                log.exception("gift card %s: holder not recognised; tried again at the next sweep", card.pk)
                failed.add(card.pk)
                continue
        done += 1
    return done


# Asked for at every first use; a tenth of a second later is soon enough for a welcome.
recognise_soon = Coalesced(recognise_recipients, window=0.1)


def recognise(card: GiftCard) -> None:
    """Make the card's holder a customer tagged "gift-card recipient" (unless they bought it)
    and welcome them if they never ordered here. Under the card's row lock."""
    contact = card.first_contact or {}
    actor = contact.get("actor", "system")
    now = timezone.now()
    card.recognised_at = now
    fields = ["recognised_at"]
    kind, value, name, locale = _contact_of(card, contact)
    if kind:
        try:
            customer, _identity = customer_for_contact(
                store=card.store, kind=kind, value=value, name=name, locale=locale, actor=actor
            )
        except InvalidInput as exc:  # an unreadable address is noted and left
            log.warning("gift card %s: recipient %s not recognised: %s", card.pk, value, exc)
            customer = None
        if customer is not None:
            is_buyer = customer.pk == card.buyer_id
            if not is_buyer:
                customer_tag(customer=customer, tag=RECIPIENT_TAG, actor=actor)
            if card.customer_id is None:
                card.customer = customer
                fields.append("customer")
            if not is_buyer and _welcome(card, customer, kind):
                card.welcomed_at = now
                fields.append("welcomed_at")
    GiftCard.objects.filter(pk=card.pk).update(**{f: getattr(card, f) for f in fields})


def _welcome(card: GiftCard, customer: Customer, kind: str) -> bool:
    rules = GiftCardSettings.objects.filter(store_id=card.store_id).first()
    if rules is not None and not rules.welcome_enabled:
        return False
    if customer.orders_count or GiftCard.objects.filter(customer=customer, welcomed_at__isnull=False).exists():
        return False
    channels: dict[str, str] = {
        IdentityKind.EMAIL: DeliveryChannel.EMAIL,
        IdentityKind.WHATSAPP: DeliveryChannel.WHATSAPP,
    }
    channel = channels.get(kind, DeliveryChannel.SMS)
    store = card.store
    with override(customer.locale or card.recipient_locale or store.default_locale or "en"):
        lines = [
            _("Welcome to %(store)s!") % {"store": store.name},
            _("Your gift card ending %(last4)s has %(balance)s %(currency)s to spend.")
            % {"last4": card.last4, "balance": card.available, "currency": card.currency},
        ]
        if rules is not None and rules.first_order_incentive.strip():
            lines.append(
                _("A welcome offer for your first order: %(offer)s") % {"offer": rules.first_order_incentive.strip()}
            )
        if rules is not None and rules.help_centre_url:
            lines.append(_("Questions about sizes, delivery or returns? %(link)s") % {"link": rules.help_centre_url})
        lines.append(_("Reply to this message any time: a person will answer."))
        subject = _("Welcome to %(store)s") % {"store": store.name}
    template = None
    if channel == DeliveryChannel.WHATSAPP:
        template = {
            "name": "stay_gift_card_welcome",
            "language": customer.locale or store.default_locale or "en",
            "components": [{"type": "body", "parameters": [{"type": "text", "text": store.name}]}],
        }
    try:
        with transaction.atomic():
            notify(
                Notice(
                    store_id=store.pk,
                    customer_id=customer.pk,
                    channel=channel,
                    subject=subject,
                    text="\n\n".join(lines),
                    kind="gift_card.welcome",
                    template=template,
                )
            )
    except NotifyError as exc:
        log.warning("gift card %s: welcome not sent: %s", card.pk, exc)
        return False
    return True
