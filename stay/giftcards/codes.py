"""Gift card codes: 16 characters from an alphabet without look-alikes, the last one a check
character (Luhn mod 32), shown as ``XXXX-XXXX-XXXX-XXXX``.

A code is derived from a random nonce and the installation's key (an HMAC), so the database
holds only the nonce, a keyed hash to find the card by, and the last four characters: a leaked
database reveals no usable code, yet a card delivered on Christmas morning can still be shown
to its recipient.
"""

import hashlib
import hmac
import secrets

from django.conf import settings
from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput

# No 0/O or 1/I: nothing a shopper reading a card aloud can confuse. 32 characters, because
# Luhn mod N catches every single-character typo only for an even N.
ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 15  # 32^15 = 2^75 codes
LENGTH = BODY_LENGTH + 1
_N = len(ALPHABET)
_INDEX = {ch: i for i, ch in enumerate(ALPHABET)}


def _key(purpose: str) -> bytes:
    return hmac.new(settings.GIFT_CARD_KEY.encode(), purpose.encode(), hashlib.sha256).digest()


def _luhn_sum(chars: str, *, double_first: bool) -> int:
    total, double = 0, double_first
    for ch in reversed(chars):
        addend = _INDEX[ch] * (2 if double else 1)
        total += addend // _N + addend % _N
        double = not double
    return total


def check_character(body: str) -> str:
    return ALPHABET[(_N - _luhn_sum(body, double_first=True) % _N) % _N]


def code_from_nonce(nonce: str) -> str:
    """The code a nonce stands for (with this installation's key)."""
    number = int.from_bytes(hmac.new(_key("code"), bytes.fromhex(nonce), hashlib.sha256).digest(), "big")
    body = []
    for _i in range(BODY_LENGTH):
        number, digit = divmod(number, _N)
        body.append(ALPHABET[digit])
    text = "".join(body)
    return text + check_character(text)


def code_new() -> tuple[str, str]:
    """A fresh ``(code, nonce)`` from the operating system's secure random source."""
    nonce = secrets.token_bytes(16).hex()
    return code_from_nonce(nonce), nonce


def code_normalise(raw: str) -> str:
    """What a shopper typed, as a code: upper case, without spaces and dashes. Raises
    :class:`InvalidInput` for anything that cannot be a code (a typo fails the check)."""
    code = "".join(ch for ch in (raw or "").upper() if ch not in " -\t")
    if len(code) != LENGTH or any(ch not in _INDEX for ch in code):
        raise InvalidInput(_("That is not a gift card code: it has 16 letters and digits."), code="invalid_code")
    if _luhn_sum(code, double_first=False) % _N:
        raise InvalidInput(_("That gift card code has a typo: check it and try again."), code="invalid_code")
    return code


def code_hash(code: str) -> str:
    return hmac.new(_key("lookup"), code.encode(), hashlib.sha256).hexdigest()


def code_display(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, LENGTH, 4))


def code_masked(last4: str) -> str:
    return f"••••-••••-••••-{last4}"
