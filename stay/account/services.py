"""Signing a shopper in to their account page (a one-time link by e-mail, a code by text, to
an identity the store already knows; rate-limited; the same answer whether or not the address
is known), and their request to be forgotten."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.core.notify import Notice, notify_if_possible
from stay.core.privacy import customer_erase
from stay.core.ratelimit import rate_hit
from stay.customers.identities import normalise_identity
from stay.customers.models import Customer, IdentityKind
from stay.customers.selectors import identity_find

from .models import DeletionRequest, DeletionState, SignIn

VALID_FOR = timedelta(minutes=15)
MAX_CODE_ATTEMPTS = 5


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _identity(store: Store, contact: str) -> tuple[str, Customer | None, int | None]:
    """``(channel, customer, identity id)`` for an e-mail address or a phone number (a
    customer only when the store knows that identity)."""
    contact = contact.strip()
    if not contact:
        raise InvalidInput(_("Enter your e-mail address or phone number."), code="contact_required")
    kinds = (IdentityKind.EMAIL,) if "@" in contact else (IdentityKind.PHONE, IdentityKind.WHATSAPP)
    channel = "email" if "@" in contact else "sms"
    for kind in kinds:
        try:
            value = normalise_identity(kind, contact, region=store.country or "US")
        except InvalidInput:
            raise InvalidInput(
                _("That is not an e-mail address or a phone number we can read."), code="contact_invalid"
            ) from None
        found = identity_find(store=store, kind=kind, value=value)
        if found is not None:
            customer = found.customer
            while customer.merged_into_id:
                customer = Customer.objects.get(pk=customer.merged_into_id)
            return ("whatsapp" if kind == IdentityKind.WHATSAPP else channel), customer, found.pk
    return channel, None, None


def sign_in_request(*, store: Store, contact: str, client: str, language: str) -> str:
    """Send a one-time way in to ``contact`` if the store knows it; answers the channel it
    would go by either way (a stranger learns nothing). Rate-limited per client and contact."""
    rate_hit(f"account:client:{client}", limit=10, per_seconds=600)
    rate_hit(f"account:contact:{store.pk}:{contact.strip().lower()}", limit=5, per_seconds=3600)
    channel, customer, identity_id = _identity(store, contact)
    if customer is None:
        return channel
    secret = secrets.token_urlsafe(24) if channel == "email" else f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        sign_in = SignIn.objects.create(
            store=store,
            customer=customer,
            channel=channel,
            token_hash=_hash(secrets.token_hex(16)),
            expires_at=timezone.now() + VALID_FOR,
        )
        sign_in.token_hash = _hash(secret if channel == "email" else f"{sign_in.pk}:{secret}")
        sign_in.save(update_fields=["token_hash"])
        with translation.override(language):
            if channel == "email":
                link = settings.PUBLIC_URL + reverse("account:link", args=[store.slug, secret])
                subject = _("Sign in to your account at %(store)s") % {"store": store.name}
                text = _(
                    "Open this link within 15 minutes to sign in to your account at %(store)s:\n%(link)s\n\n"
                    "If you did not ask for it, ignore this message."
                ) % {"store": store.name, "link": link}
            else:
                subject = ""
                text = _("%(code)s is your sign-in code for %(store)s. It works for 15 minutes.") % {
                    "code": secret,
                    "store": store.name,
                }
        notify_if_possible(
            Notice(
                store_id=store.pk,
                customer_id=customer.pk,
                channel=channel,
                subject=subject,
                text=text,
                kind="account.sign_in",
                identity_id=identity_id,  # where they asked for it, not another of theirs
            )
        )
    return channel


def sign_in_with_link(*, store: Store, token: str) -> Customer | None:
    """The customer a link signs in, once, within its time."""
    with transaction.atomic():
        found = SignIn.objects.select_for_update().filter(store=store, token_hash=_hash(token), channel="email").first()
        if found is None or found.used_at or found.expires_at < timezone.now():
            return None
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        return found.customer


def sign_in_with_code(*, store: Store, contact: str, code: str, client: str) -> Customer | None:
    """The customer a code sent to ``contact`` signs in, once, within its time and a few tries."""
    rate_hit(f"account:code:{client}", limit=20, per_seconds=600)
    _channel, customer, _found = _identity(store, contact)
    if customer is None:
        return None
    with transaction.atomic():
        found = (
            SignIn.objects.select_for_update()
            .filter(store=store, customer=customer, used_at__isnull=True, expires_at__gt=timezone.now())
            .exclude(channel="email")
            .order_by("-pk")
            .first()
        )
        if found is None or found.attempts >= MAX_CODE_ATTEMPTS:
            return None
        if found.token_hash != _hash(f"{found.pk}:{code.strip()}"):
            found.attempts += 1
            found.save(update_fields=["attempts"])
            return None
        found.used_at = timezone.now()
        found.save(update_fields=["used_at"])
        return customer


def deletion_request(*, customer: Customer) -> DeletionRequest:
    """ "Delete my account": queued for an agent to confirm (once: a repeat is the same request)."""
    waiting = DeletionRequest.objects.filter(customer=customer, state=DeletionState.WAITING).first()
    return waiting or DeletionRequest.objects.create(store_id=customer.store_id, customer=customer)


def deletion_confirm(*, request: DeletionRequest, actor: str) -> dict[str, int]:
    """An agent confirms: every app removes or anonymises the person (orders the store must
    keep are kept, anonymised), recorded in the personal data audit trail."""
    with transaction.atomic():
        locked = DeletionRequest.objects.select_for_update().get(pk=request.pk)
        if locked.state != DeletionState.WAITING or locked.customer_id is None:
            return {}
        changed = customer_erase(store=locked.store, customer_id=locked.customer_id, actor=actor, via="account page")
        locked.state, locked.done_by, locked.done_at = DeletionState.DONE, actor[:120], timezone.now()
        locked.save(update_fields=["state", "done_by", "done_at"])
    return changed
