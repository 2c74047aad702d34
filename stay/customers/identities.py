"""Normalising the values that identify a customer, so one person is found on every channel."""

import re

import phonenumbers

from stay.core.errors import InvalidInput

from .models import IdentityKind

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
