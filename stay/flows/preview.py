"""What an operator sees before a step goes out: its message for a real customer, in each
language it is written in, and a test send to their own address."""

from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from stay.core.errors import InvalidInput
from stay.customers.identities import normalise_email
from stay.customers.models import Customer

from .compose import compose
from .engine import values_of
from .gate import outreach_settings
from .models import Enrolment, FlowStep


@dataclass(frozen=True)
class Preview:
    language: str
    subject: str
    text: str


def step_preview(*, step: FlowStep, customer_id: int | None) -> list[Preview]:
    """The step's message for ``customer_id`` (a sample shopper if none), with the values of
    the customer's latest enrolment in this flow when there is one."""
    store = step.flow.store
    customer = Customer.objects.filter(pk=customer_id, store=store).first() if customer_id else None
    if customer_id and customer is None:
        raise InvalidInput(_("No customer %(id)s in this store.") % {"id": customer_id})
    sample = customer or Customer(pk=0, store=store, name=_("Sample Shopper"))
    enrolment = (
        Enrolment.objects.filter(flow=step.flow, customer=customer).order_by("-id").first() if customer else None
    )
    settings = outreach_settings(store)
    values = values_of(store, settings.shop_url, [enrolment])[enrolment.pk] if enrolment else {}
    out = []
    for text in step.texts.all():
        composed = compose(
            store=store,
            outreach=settings,
            customer=sample,
            country=store.country,
            channel=step.channel or "email",
            step=step,
            language=text.language,
            values=values,
            meta={},
        )
        out.append(Preview(text.language, composed.subject, composed.text))
    return out


def step_test_send(*, step: FlowStep, previews: list[Preview], address: str) -> str:
    """E-mail every language's version to ``address``, marked as a test; returns the address."""
    email = normalise_email(address)
    for preview in previews:
        EmailMessage(
            subject=f"[{_('Test')}] {preview.subject or step.flow.name}",
            body=preview.text,
            to=[email],
        ).send()
    return email
