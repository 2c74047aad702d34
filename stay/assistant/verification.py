"""Who may see an order: a shopper proves it is theirs with its number and the email or phone
on it (or by chatting from a storefront that vouched for them). Attempts are rate-limited per
conversation and per order number, and a miss says the same whatever was wrong, so the
assistant cannot be used to find out anything about someone else's order."""

import re
from dataclasses import dataclass

import phonenumbers

from stay.core.models import Store
from stay.core.ratelimit import rate_hit
from stay.orders.models import Order
from stay.orders.selectors import numbered

ATTEMPTS_PER_HOUR = 5  # per conversation (or client)
ATTEMPTS_PER_ORDER_PER_HOUR = 10

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# "#1001", "order 1001", "1001번"; a phone number is not an order number (too long).
_ORDER = re.compile(r"(?<![\d+])#?\s?(\d{3,9})(?!\d)")


@dataclass(frozen=True)
class Proof:
    number: str = ""
    email: str = ""
    phone: str = ""

    @property
    def complete(self) -> bool:
        return bool(self.number and (self.email or self.phone))

    @property
    def any(self) -> bool:
        return bool(self.number or self.email or self.phone)


def _split(text: str, region: str) -> tuple[str, str, list[str]]:
    """The text without its email and phone numbers; the email; the phones (E.164)."""
    email_match = _EMAIL.search(text)
    rest = _EMAIL.sub(" ", text)
    phones = []
    for match in phonenumbers.PhoneNumberMatcher(rest, region or "US"):
        phones.append(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
        rest = rest.replace(match.raw_string, " ")
    return rest, (email_match.group(0).lower() if email_match else ""), phones


def proof_in(text: str, *, region: str) -> Proof:
    """The order number, email and phone a shopper typed, if any."""
    rest, email, phones = _split(text, region)
    numbers = _ORDER.findall(rest)
    return Proof(number=numbers[0] if numbers else "", email=email, phone=phones[0] if phones else "")


def without_proof(text: str, *, region: str) -> str:
    """The words around the order number, email and phone: what the shopper wants."""
    rest, _email, _phones = _split(text, region)
    return " ".join(_ORDER.sub(" ", rest).split())


def _same_phone(order: Order, phone: str, region: str) -> bool:
    if not order.phone or not phone:
        return False
    try:
        on_order = phonenumbers.parse(order.phone, region or "US")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.format_number(on_order, phonenumbers.PhoneNumberFormat.E164) == phone


def orders_numbered(store: Store, number: str) -> list[Order]:
    number = number.strip().lstrip("#")
    if not number:
        return []
    return list(numbered(Order.objects.filter(store=store), number)[:5])


def verified_order(*, store: Store, proof: Proof, who: str) -> Order | None:
    """The order ``proof`` names, if its email or phone is the one on the order. ``who`` is
    the conversation (or client) the attempt counts against. Raises ``RateLimited``."""
    if not proof.complete:
        return None
    rate_hit(f"assistant:verify:{store.pk}:{who}", limit=ATTEMPTS_PER_HOUR, per_seconds=3600)
    rate_hit(f"assistant:order:{store.pk}:{proof.number}", limit=ATTEMPTS_PER_ORDER_PER_HOUR, per_seconds=3600)
    for order in orders_numbered(store, proof.number):
        if proof.email and order.email and order.email.lower() == proof.email:
            return order
        if _same_phone(order, proof.phone, store.country):
            return order
    return None


def customers_order(*, customer_id: int, number: str = "") -> Order | None:
    """A verified customer's order: the one numbered ``number``, else their latest."""
    orders = Order.objects.filter(customer_id=customer_id).order_by("-placed_at", "-id")
    return (numbered(orders, number) if number else orders).first()
