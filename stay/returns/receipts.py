"""Gift-receipt codes: what a gift's recipient types into the returns portal instead of the
buyer's email.

A code is the order's id, written in the gift card alphabet (no look-alike characters), then a
tag that is a keyed hash of that id, then a check character. Nothing is stored: the code is
recomputed from the order, and a typed code is checked against the tag in constant time, so
codes cannot be forged or guessed from order numbers.
"""

import hmac

from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput
from stay.core.models import Store
from stay.giftcards.codes import ALPHABET, check_character
from stay.orders.models import Order

_SALT = "stay.returns.gift-receipt"
_ID_LENGTH = 4  # longer for ids past 32**4
_TAG_LENGTH = 7  # 35 bits: with the lookup's rate limit, not guessable
_N = len(ALPHABET)


def _encode(number: int, length: int) -> str:
    digits: list[str] = []
    while number or len(digits) < length:
        number, digit = divmod(number, _N)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def _tag(order_id: int) -> str:
    digest = int.from_bytes(salted_hmac(_SALT, str(order_id), algorithm="sha256").digest(), "big")
    return _encode(digest, _TAG_LENGTH)[-_TAG_LENGTH:]


def receipt_code(order: Order) -> str:
    body = _encode(order.pk, _ID_LENGTH) + _tag(order.pk)
    code = body + check_character(body)
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def order_of_receipt(*, store: Store, raw: str) -> Order | None:
    """The order a typed gift-receipt code stands for, or ``None``. Raises
    :class:`InvalidInput` only for text that cannot be a code (a typo the check catches)."""
    code = "".join(ch for ch in raw.upper() if ch not in " -\t")
    if len(code) < _ID_LENGTH + _TAG_LENGTH + 1 or any(ch not in ALPHABET for ch in code):
        raise InvalidInput(_("A gift receipt code has 12 or more letters and digits."), code="invalid_code")
    body, check = code[:-1], code[-1]
    if check_character(body) != check:
        raise InvalidInput(_("That gift receipt code has a typo: check it and try again."), code="invalid_code")
    encoded, tag = body[:-_TAG_LENGTH], body[-_TAG_LENGTH:]
    order_id = 0
    for ch in encoded:
        order_id = order_id * _N + ALPHABET.index(ch)
    if not hmac.compare_digest(_tag(order_id), tag):
        return None
    return Order.objects.filter(store=store, pk=order_id).first()
