"""Money is a ``Decimal`` with a currency, never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
