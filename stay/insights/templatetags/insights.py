from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def percent(share: float) -> str:
    """0.256 → 25.6% (in the page's language's number format)."""
    return f"{number_format(share * 100, 1)}%"


@register.filter
def percent_change(ratio: float) -> str:
    """1.2 → +20%; 0.9 → -10%."""
    change = (ratio - 1) * 100
    return f"{'+' if change >= 0 else ''}{number_format(change, 0)}%"


@register.filter
def heat(share: float) -> int:
    """The colour step (0-10) of a cohort's cell."""
    return min(10, max(0, round(share * 10)))


@register.filter
def upto(n: int) -> range:
    return range(1, n + 1)
