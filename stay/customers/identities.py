"""Normalising the values that identify a customer, so one person is found on every channel."""

import re

import phonenumbers

from stay.core.errors import InvalidInput

from .models import Customer, IdentityKind

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def normalise_email(value: str) -> str:
    email = value.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput(f"{value!r} is not an email address")
    return email


def normalise_phone(value: str, *, region: str = "US") -> str:
    """Return the number in E.164 (``+821012345678``); a national number uses ``region``."""
    try:
        number = phonenumbers.parse(value.strip(), region.upper())
    except phonenumbers.NumberParseException:
        raise InvalidInput(f"{value!r} is not a phone number") from None
    if not phonenumbers.is_possible_number(number):
        raise InvalidInput(f"{value!r} is not a possible phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_identity(kind: str, value: str, *, region: str = "US") -> str:
    if kind == IdentityKind.EMAIL:
        return normalise_email(value)
    if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
        return normalise_phone(value, region=region)
    if kind in (IdentityKind.CHAT, IdentityKind.PLATFORM):
        cleaned = str(value).strip()
        if not cleaned:
            raise InvalidInput(f"an empty {kind} identity")
        return cleaned
    raise InvalidInput(f"unknown identity kind {kind!r}")


_DOTLESS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}


def mailbox_of(value: str) -> str:
    """The mailbox an address delivers to, as its provider reads it: ``+tags`` dropped
    (sub-addresses of one mailbox), and for Gmail the dots of the local part too, so
    ``m.i.n.a+shop@googlemail.com`` is ``mina@gmail.com``. For "once per person" rules."""
    email = normalise_email(value)
    local, _at, domain = email.rpartition("@")
    local = local.split("+", 1)[0]
    if domain in _DOTLESS:
        local, domain = local.replace(".", ""), _DOTLESS[domain]
    return f"{local}@{domain}"


def people_of(customer: Customer) -> list[str]:
    """The person's keys for "once per person" rules: each mailbox (as its provider reads it)
    and each phone number of theirs."""
    keys = []
    for kind, value in customer.identities.values_list("kind", "value"):
        if kind == IdentityKind.EMAIL:
            keys.append(mailbox_of(value))
        elif kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
            keys.append(value)
    return list(dict.fromkeys(keys))
