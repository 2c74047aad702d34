"""What loyalty tells a shopper: that their points will expire (a notice through the inbox,
in their language, on the channel they can be reached on)."""

from datetime import datetime

from django.utils import translation
from django.utils.translation import gettext as _

from stay.core.notify import Notice, notify_if_possible
from stay.customers.models import IdentityKind

from .models import Member


def expiry_warning(member: Member, ends: datetime, *, last_chance: bool) -> None:
    customer, store = member.customer, member.store
    channel = "email" if customer.identities.filter(kind=IdentityKind.EMAIL).exists() else "sms"
    with translation.override(customer.locale or store.default_locale or "en"):
        values = {"points": member.available, "date": ends.date().isoformat(), "store": store.name}
        if last_chance:
            subject = _("Last chance: your %(points)s points expire on %(date)s") % values
        else:
            subject = _("Your %(points)s points expire on %(date)s") % values
        text = (
            _(
                "You have %(points)s points at %(store)s. They expire on %(date)s unless you place an order "
                "before then: any purchase keeps them."
            )
            % values
        )
    notify_if_possible(  # no address to reach them on: the points still expire
        Notice(
            store_id=store.pk,
            customer_id=customer.pk,
            channel=channel,
            subject=subject,
            text=text,
            kind="loyalty.expiry",
        )
    )
