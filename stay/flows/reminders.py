"""Every two years, a shopper in Korea who agreed to marketing is told what they agreed to and
how to stop (Network Act art. 50(8): the result of consent is notified periodically). A
service message, not marketing: it is sent whatever the gate would say."""

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.core.notify import Notice, NotifyError, notify
from stay.customers.models import ConsentChannel, ConsentRecord, ConsentState, Customer, IdentityKind
from stay.customers.preferences import preferences_url
from stay.customers.selectors import consents_on, contacts_of

from .gate import shopper_place
from .models import ConsentReminder

log = logging.getLogger(__name__)
EVERY = timedelta(days=730)


def consent_reminders_due(now: datetime | None = None, *, limit: int = 1000) -> int:
    """Send the notices that are due; returns how many went (run daily)."""
    now = now or timezone.now()
    cutoff = now - EVERY
    told = 0
    for channel in ConsentChannel.values:
        ids = list(
            ConsentRecord.objects.filter(channel=channel, state=ConsentState.SUBSCRIBED, occurred_at__lte=cutoff)
            .values_list("customer_id", flat=True)
            .distinct()[: limit * 4]
        )
        current = consents_on(customer_ids=ids, channel=channel)
        recent = set(
            ConsentReminder.objects.filter(customer_id__in=ids, channel=channel, sent_at__gt=cutoff).values_list(
                "customer_id", flat=True
            )
        )
        due = [
            pk
            for pk, record in current.items()
            if record.state == ConsentState.SUBSCRIBED and record.occurred_at <= cutoff and pk not in recent
        ]
        phones = contacts_of(customer_ids=due, kinds=[IdentityKind.PHONE, IdentityKind.WHATSAPP])
        for customer in Customer.objects.filter(pk__in=due, merged_into__isnull=True).select_related("store")[:limit]:
            phone = phones.get(customer.pk)
            place = shopper_place(customer.store, customer.timezone, phone.value if phone else "")
            if place.country != "KR":
                continue
            told += _remind(customer, channel, current[customer.pk], place.zones[0])
    return told


def _remind(customer: Customer, channel: str, record: ConsentRecord, zone: ZoneInfo) -> int:
    """``zone``: the shopper's, so the day they agreed is the day they remember."""
    store = customer.store
    with override(customer.locale or store.default_locale or "ko"):
        label = ConsentChannel(channel).label
        subject = _("Your marketing consent at %(store)s") % {"store": store.name}
        text = _(
            "On %(date)s you agreed to receive news and offers from %(store)s by %(channel)s, and you still do. "
            "To change this at any time, free of charge: %(url)s"
        ) % {
            "date": timezone.localdate(record.occurred_at, zone).isoformat(),
            "store": store.name,
            "channel": label,
            "url": preferences_url(customer),
        }
    try:
        with transaction.atomic():
            message_id = notify(
                Notice(
                    store_id=store.pk,
                    customer_id=customer.pk,
                    channel=channel,
                    subject=str(subject),
                    text=str(text),
                    kind="consent.reminder",
                )
            )
            ConsentReminder.objects.create(customer=customer, channel=channel, message_id=message_id)
    except NotifyError as exc:
        log.warning("consent reminder for customer %s on %s not sent: %s", customer.pk, channel, exc)
        return 0
    return 1


# Opt-outs whose shopper is not told the result where they asked: an agent's record, an API
# call. (A STOP reply is answered on its channel; the preferences page, the chat and the
# platform's own unsubscribe page show it.)
NOT_TOLD = ("agent", "api")


def optout_tell(customer_id: int, channel: str, source: str) -> int:
    """``consent.withdrawn`` (durable): tell the shopper, on that channel, that it is done."""
    if source not in NOT_TOLD or channel not in ConsentChannel.values:
        return 0
    customer = Customer.objects.select_related("store").filter(pk=customer_id, merged_into__isnull=True).first()
    if customer is None:
        return 0
    store = customer.store
    with override(customer.locale or store.default_locale or "en"):
        subject = _("You are unsubscribed from %(store)s") % {"store": store.name}
        text = _(
            "As you asked, %(store)s will send you no more news or offers by %(channel)s (since %(date)s). "
            "Order and delivery messages still come. To sign up again: %(url)s"
        ) % {
            "store": store.name,
            "channel": ConsentChannel(channel).label,
            "date": timezone.now().date().isoformat(),
            "url": preferences_url(customer),
        }
    try:
        notify(
            Notice(
                store_id=store.pk,
                customer_id=customer.pk,
                channel=channel,
                subject=str(subject),
                text=str(text),
                kind="consent.result",
            )
        )
    except NotifyError as exc:
        log.warning("opt-out result for customer %s on %s not sent: %s", customer.pk, channel, exc)
        return 0
    return 1
