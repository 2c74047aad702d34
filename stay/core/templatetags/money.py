"""``{{ order.total|money:order.currency }}``: amounts as people read them."""

from decimal import Decimal

from django import template

from stay.core.money import money_text

register = template.Library()


@register.filter
def money(amount: Decimal | int | str | None, currency: str = "") -> str:
    if amount is None or amount == "":
        return "—"
    return money_text(amount, currency or "")
