"""Money is a ``Decimal`` with a currency, never a float."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from .errors import InvalidInput

MONEY_DIGITS = 14
MONEY_PLACES = 2
ZERO = Decimal("0.00")
# Currencies without minor units; everything else is kept to the cent.
_ZERO_DECIMAL = {"KRW", "JPY", "VND", "CLP", "ISK", "UGX", "XAF", "XOF"}


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


def minor_units(currency: str) -> int:
    return 0 if currency.upper() in _ZERO_DECIMAL else 2


def format_money(amount: Decimal, currency: str) -> str:
    places = minor_units(currency)
    return f"{amount:,.{places}f} {currency}"
