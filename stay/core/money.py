"""Money is a ``Decimal`` with a currency, never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import forms
from django.db import models
from django.db.models.expressions import Combinable
from django.utils.translation import gettext as _

from .errors import InvalidInput

ZERO = Decimal("0.00")


def parse_amount(value: object, *, field: str = "amount") -> Decimal:
    """Parse a money amount given as a string or int (platforms send strings like "19.99")."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        # Floats can't represent cents exactly; only accept them via their shortest repr.
        value = repr(value)
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise InvalidInput(f"{field}: {value!r} is not an amount of money") from None
    if not amount.is_finite():
        raise InvalidInput(f"{field}: {value!r} is not an amount of money")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


CENT = Decimal("0.01")
# ISO 4217 currencies without minor units that stores here sell in.
WHOLE_UNIT_CURRENCIES = frozenset({"KRW", "JPY", "VND", "CLP", "ISK", "PYG", "UGX"})


def money_text(amount: Decimal | int | str, currency: str) -> str:
    """An amount as people read it: ``10.00 USD``, ``5,000 KRW`` (no minor units there)."""
    value = Decimal(str(amount))
    if currency.upper() in WHOLE_UNIT_CURRENCIES:
        return f"{value.quantize(Decimal(1), rounding=ROUND_HALF_UP):,} {currency}"
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,} {currency}"


# What a DECIMAL(14, 2) column holds: no amount anywhere may be larger.
AMOUNT_CEILING = Decimal("999999999999.99")


def to_cents(amount: Decimal) -> int:
    """``Decimal("12.34")`` → ``1234``. An amount with a fraction of a cent is refused, never rounded."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise InvalidInput(f"{amount} has a fraction of a cent")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


class CentsField(models.BigIntegerField):
    """A money amount that is a ``Decimal`` in Python and a whole number of cents in the
    database, so sums are exact on every backend: SQLite keeps a DECIMAL column as a float,
    and a ledger's totals must not drift by a cent over a million rows."""

    # What django-stubs lets a model attribute take and give.
    _pyi_private_set_type: "Decimal | int | str | Combinable"  # type: ignore[assignment]
    _pyi_private_get_type: Decimal  # type: ignore[assignment]

    def from_db_value(self, value: int | None, expression: object, connection: object) -> Decimal | None:
        return None if value is None else from_cents(int(value))

    def to_python(self, value: object) -> Decimal | None:  # type: ignore[override]
        if value is None or isinstance(value, Decimal):
            return value
        return parse_amount(value, field=self.name or "amount")

    def get_prep_value(self, value: object) -> int | None:  # type: ignore[override]
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value * 100
        if not isinstance(value, Decimal):
            value = parse_amount(value, field=self.name or "amount")
        return to_cents(value)

    def formfield(self, **kwargs):  # type: ignore[no-untyped-def,override]
        return forms.DecimalField(**{"decimal_places": 2, "max_digits": 16, **kwargs})


def amount_check(amount: Decimal, *, limit: Decimal, what: str = "amount") -> Decimal:
    """``amount`` if it is at most ``limit`` (a store's largest amount), else a clear refusal:
    no path may move more than that at once, whoever asks (1e15 is a typo, not a refund)."""
    if amount > limit:
        raise InvalidInput(
            _("The %(what)s may be at most %(limit)s.") % {"what": what, "limit": limit}, code="amount_too_large"
        )
    return amount
