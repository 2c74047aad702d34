"""A shopper's own page for marketing messages, reached from a link in every marketing message:
see what they agreed to and opt out of any channel in one step, without signing in.

The link is signed (it names the customer and cannot be guessed) and never expires: an
unsubscribe link must always work. Its one-click form (RFC 8058) is a POST whose body is
``List-Unsubscribe=One-Click``: it needs no cookie, no CSRF token and no page, so a mail
client's "Unsubscribe" button works; a GET (a mail scanner opening the link) changes nothing.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

from .models import Customer

_SALT = "stay.customers.preferences"


def preferences_token(customer: Customer) -> str:
    return signing.dumps({"c": customer.pk}, salt=_SALT, compress=True)


def customer_of_token(token: str) -> Customer | None:
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    customer = Customer.objects.filter(pk=data.get("c")).select_related("store").first()
    while customer is not None and customer.merged_into_id:  # merged since: the link follows
        customer = Customer.objects.filter(pk=customer.merged_into_id).select_related("store").first()
    return customer


def preferences_url(customer: Customer) -> str:
    return f"{settings.PUBLIC_URL}{reverse('preferences', args=[preferences_token(customer)])}"


def list_unsubscribe_headers(customer: Customer, *, url: str = "") -> dict[str, str]:
    """The headers every marketing e-mail carries (RFC 2369 and RFC 8058); ``url``: the
    customer's preferences link, when the caller made it already."""
    return {
        "List-Unsubscribe": f"<{url or preferences_url(customer)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
