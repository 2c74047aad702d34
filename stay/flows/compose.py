"""A marketing message as each shopper gets it: the step's text in their language with their
values filled in, links through the click redirect, and what the law asks of every marketing
message (issue 20).

- Every marketing message ends with a free way to refuse: the shopper's preferences link (and
  for texts, the reply word), and every marketing e-mail carries ``List-Unsubscribe`` with
  ``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` (RFC 8058).
- For a shopper in Korea (Network Act art. 50): the message begins with "(광고)", names the
  store and its contact, and ends with the free way to refuse ("무료 수신거부").
"""

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.conversations.models import Channel
from stay.core.models import Store
from stay.customers.models import Customer
from stay.customers.preferences import list_unsubscribe_headers, preferences_url

from .models import FlowStep, OutreachSettings

_CLICK_SALT = "stay.flows.click"
AD_MARK = "(광고)"


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:  # an unknown {variable} is left out, not an error
        return ""


def click_url(*, enrolment_id: int, position: int, url: str) -> str:
    """A link that records the click on the step, then goes to ``url``. Signed: it can only
    lead where a message of ours pointed."""
    token = signing.dumps({"e": enrolment_id, "p": position, "u": url}, salt=_CLICK_SALT, compress=True)
    return f"{settings.PUBLIC_URL}{reverse('flows-click', args=[token])}"


def click_of(token: str) -> dict[str, Any] | None:
    try:
        data = signing.loads(token, salt=_CLICK_SALT)
    except signing.BadSignature:
        return None
    return data if isinstance(data, dict) and str(data.get("u", "")).startswith(("http://", "https://")) else None


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    meta: dict[str, Any]


def step_text(step: FlowStep, language: str, fallback: str) -> tuple[str, str]:
    """The step's (subject, body) in ``language``, else the store's language, else English."""
    texts = {text.language: text for text in step.texts.all()}
    chosen = texts.get(language) or texts.get(fallback) or texts.get("en") or next(iter(texts.values()), None)
    return (chosen.subject, chosen.body) if chosen is not None else ("", "")


def compose(
    *,
    store: Store,
    outreach: OutreachSettings,
    customer: Customer,
    country: str,
    channel: str,
    step: FlowStep,
    language: str,
    values: dict[str, str],
    meta: dict[str, Any],
) -> Composed:
    subject, body = step_text(step, language, store.default_locale or "en")
    filled = _Blank({"store": store.name, "name": (customer.name or "").split(" ")[0], **values})
    subject, text = subject.format_map(filled).strip(), body.format_map(filled).strip()
    refuse = preferences_url(customer)
    korean = country == "KR"
    with override("ko" if korean else language):
        if korean:
            subject = f"{AD_MARK} {subject}".strip()
            text = f"{AD_MARK} {text}"
            contact = f" {outreach.sender_contact}" if outreach.sender_contact else ""
            text += "\n\n" + _("%(store)s%(contact)s") % {"store": store.name, "contact": contact}
            if channel == Channel.EMAIL:
                text += "\n" + _("Free opt-out: %(url)s") % {"url": refuse}
            else:
                text += "\n" + _("Free opt-out: reply 수신거부 or %(url)s") % {"url": refuse}
        elif channel == Channel.EMAIL:
            text += "\n\n" + _("You get this because you signed up at %(store)s. Unsubscribe: %(url)s") % {
                "store": store.name,
                "url": refuse,
            }
        else:
            text += "\n\n" + _("Reply STOP to opt out.")
    meta = {**meta, "subject": subject} if channel == Channel.EMAIL else dict(meta)
    if channel == Channel.EMAIL:
        meta["headers"] = list_unsubscribe_headers(customer, url=refuse)
    if channel == Channel.WHATSAPP and step.whatsapp_template:
        # The store's approved template has one body variable, {{1}}: the step's message.
        meta["template"] = {
            "name": step.whatsapp_template,
            "language": language,
            "components": [{"type": "body", "parameters": [{"type": "text", "text": text}]}],
        }
    return Composed(subject=subject, text=text, meta=meta)
