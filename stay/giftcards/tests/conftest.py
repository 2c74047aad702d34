from decimal import Decimal
from itertools import count

import pytest

from stay.giftcards.codes import code_display, code_from_nonce
from stay.giftcards.models import GiftCard
from stay.giftcards.services import Caller, gift_card_issue

_keys = count(1)
CALLER = Caller("test", "203.0.113.9")


def key() -> str:
    return f"k-{next(_keys)}"


def code_of(card_id: int) -> str:
    return code_display(code_from_nonce(GiftCard.objects.get(pk=card_id).code_nonce))


@pytest.fixture
def issue(store):
    """Issue a card worth ``amount`` in the store; returns ``(card_id, code)``."""

    def make(amount: str = "50.00", **kwargs):
        result = gift_card_issue(store=store, amount=Decimal(amount), caller=CALLER, idempotency_key=key(), **kwargs)
        return result["card_id"], code_of(result["card_id"])

    return make
