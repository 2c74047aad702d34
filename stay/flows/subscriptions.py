"""Signing up for marketing messages, with double opt-in (issue 20).

A request records *pending* consent with what a regulator asks for (the source, the exact
wording shown, the IP and user agent) and asks the shopper to confirm: by e-mail a signed link
whose page confirms with one button (a POST: a mail scanner that opens links confirms nothing),
by text or WhatsApp a reply "YES" / "예" / "네" (conversations.optout). Unconfirmed requests
expire after ``CONFIRM_WITHIN``. The confirmation, and its result sent to the shopper, are
evidence too."""

import logging
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.conversations.optout import CONFIRM_WITHIN
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store
from stay.core.notify import Notice, NotifyError, notify
from stay.customers.inputs import ConsentInput, CustomerInput
from stay.customers.models import ConsentChannel, ConsentRecord, ConsentState, Customer
from stay.customers.selectors import consent_current
from stay.customers.services import consent_record, customer_resolve

_SALT = "stay.flows.confirm"
log = logging.getLogger(__name__)


def subscription_request(
    *,
    store: Store,
    channel: str,
    email: str = "",
    phone: str = "",
    wording: str,
    source: str,
    ip: str = "",
    user_agent: str = "",
    locale: str = "",
    night_time: bool = False,
) -> ConsentRecord:
    """Ask to send ``channel``'s marketing messages to this shopper: pending until confirmed.
    ``night_time``: the shopper also agreed, separately, to texts between 21:00 and 08:00 (for
    a shopper in Korea the gate needs it; the wording shown must say so)."""
    if channel not in ConsentChannel.values:
        raise InvalidInput(_("channel must be one of email, sms, whatsapp"), code="invalid_channel")
    if channel == ConsentChannel.EMAIL and not email.strip():
        raise InvalidInput(_("an e-mail address is needed to sign up for e-mail"), code="email_required")
    if channel != ConsentChannel.EMAIL and not phone.strip():
        raise InvalidInput(_("a phone number is needed to sign up for SMS or WhatsApp"), code="phone_required")
    if not wording.strip():
        raise InvalidInput(
            _("wording: the exact text the shopper agreed to is kept as evidence"), code="wording_required"
        )
    with transaction.atomic():
        customer = customer_resolve(
            store=store,
            data=CustomerInput(
                email=email.strip() if channel == ConsentChannel.EMAIL else "", phone=phone.strip(), locale=locale
            ),
            actor=f"signup:{source[:40]}",
        )
        current = consent_current(customer).get(channel)
        if current is not None and current.state == ConsentState.SUBSCRIBED:
            return current  # signed up already: nothing to confirm again
        evidence: dict[str, Any] = {"wording": wording.strip()[:2000], "ip": ip, "user_agent": user_agent[:300]}
        if night_time and channel != ConsentChannel.EMAIL:
            evidence["night_time"] = True
        consent_record(
            customer=customer,
            consent=ConsentInput(
                channel=channel,
                state=ConsentState.PENDING,
                occurred_at=timezone.now(),
                source=source[:120],
                evidence=evidence,
            ),
            actor=f"signup:{source[:40]}",
        )
        pending = consent_current(customer)[channel]
        # Queued with the request (the inbox sends it after commit, and its sweep resends it
        # if the process dies): a committed sign-up is never left without its question.
        _ask_to_confirm(customer, pending)
    return pending


def _ask_to_confirm(customer: Customer, pending: ConsentRecord) -> None:
    store = customer.store
    with override(customer.locale or store.default_locale or "en"):
        if pending.channel == ConsentChannel.EMAIL:
            subject = _("Confirm your subscription to %(store)s") % {"store": store.name}
            text = _(
                "Please confirm that you want news and offers from %(store)s by e-mail: %(url)s "
                "If you did not ask for this, ignore this message and nothing will be sent."
            ) % {"store": store.name, "url": confirm_url(pending)}
        else:
            subject = _("Confirm your subscription to %(store)s") % {"store": store.name}
            text = _(
                "%(store)s: reply YES to get news and offers here. If you did not ask for this, ignore this message."
            ) % {"store": store.name}
    try:
        notify(
            Notice(
                store_id=store.pk,
                customer_id=customer.pk,
                channel=pending.channel,
                subject=subject,
                text=text,
                kind="subscription.confirm",
            )
        )
    except NotifyError as exc:  # the pending request stays; the shopper can sign up again
        log.warning("could not ask customer %s to confirm %s: %s", customer.pk, pending.channel, exc)


def confirm_url(pending: ConsentRecord) -> str:
    token = signing.dumps({"r": pending.pk}, salt=_SALT, compress=True)
    return f"{settings.PUBLIC_URL}{reverse('subscription-confirm', args=[token])}"


def pending_of_token(token: str) -> ConsentRecord:
    try:
        data = signing.loads(token, salt=_SALT, max_age=CONFIRM_WITHIN)
    except signing.SignatureExpired:
        raise InvalidInput(_("This link has expired: sign up again to get a new one."), code="expired") from None
    except signing.BadSignature:
        raise NotFound(_("This link is not valid.")) from None
    record = ConsentRecord.objects.filter(pk=data.get("r")).select_related("customer__store").first()
    if record is None:
        raise NotFound(_("This link is not valid."))
    return record


def subscription_confirm(*, pending: ConsentRecord, how: str, evidence: dict[str, Any]) -> ConsentRecord:
    """The shopper confirmed: subscribed from now, unless they opted out since asking."""
    customer = pending.customer
    with transaction.atomic():
        current = consent_current(customer).get(pending.channel)
        if current is not None and current.pk != pending.pk and current.state != ConsentState.PENDING:
            return current  # they opted out (or in) since: the newer word stands
        consent_record(
            customer=customer,
            consent=ConsentInput(
                channel=pending.channel,
                state=ConsentState.SUBSCRIBED,
                occurred_at=timezone.now(),
                source=pending.source,
                evidence={**pending.evidence, "confirmed_by": how, "request": pending.pk, **evidence},
            ),
            actor="customer",
        )
        return consent_current(customer)[pending.channel]
