"""What the shopper is told at each step of a return, in their language, on the channel they
chose; and the inbox's side: a return an agent must decide opens its conversation.

Every message of one return goes into one conversation (the first notice opens it, resolved;
it shows in the customer's timeline and the agent's inbox with the return in its order panel).
"""

import logging
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import override

from stay.conversations.models import ConversationEvent, Message, Status
from stay.conversations.services import conversation_set_status, conversation_set_tags, note_add
from stay.core.notify import Notice, NotifyError, notify
from stay.orders.models import Order

from .models import Return

log = logging.getLogger(__name__)
_SALT = "stay.returns.status"


def status_token(ret: Return) -> str:
    return signing.Signer(salt=_SALT).sign(str(ret.pk))


def return_of_token(token: str) -> Return | None:
    try:
        pk = int(signing.Signer(salt=_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return Return.objects.select_related("store", "order", "customer").filter(pk=pk).first()


_PORTAL_SALT = "stay.returns.portal"
PORTAL_LINK_DAYS = 7


def portal_url(order: Order, *, reason: str = "", language: str = "") -> str:
    """A link that opens the returns portal on ``order`` without asking for it again, with
    ``reason`` chosen on every item: for a shopper whose order was already verified (by the
    assistant). Valid for a week."""
    token = signing.TimestampSigner(salt=_PORTAL_SALT).sign(str(order.pk))
    query = urlencode({k: v for k, v in (("t", token), ("reason", reason), ("lang", language)) if v})
    return f"{settings.PUBLIC_URL}{reverse('returns:portal', args=[order.store.slug])}?{query}"


def order_of_portal_token(token: str, *, store_id: int) -> Order | None:
    try:
        pk = int(signing.TimestampSigner(salt=_PORTAL_SALT).unsign(token, max_age=PORTAL_LINK_DAYS * 86400))
    except (signing.BadSignature, ValueError):
        return None
    return Order.objects.filter(pk=pk, store_id=store_id).first()


def status_url(ret: Return) -> str:
    return settings.PUBLIC_URL + reverse("returns:status", args=[ret.store.slug, status_token(ret)])


def label_url(ret: Return) -> str:
    return settings.PUBLIC_URL + reverse("returns:label", args=[ret.store.slug, status_token(ret)])


def _resolution_text(ret: Return) -> str:
    parts = []
    for act in ret.resolution:
        kind = act.get("kind")
        if kind == "refund":
            parts.append(
                _("A refund of %(amount)s %(currency)s to your original payment.")
                % {"amount": act["amount"], "currency": ret.order.currency}
            )
        elif kind in ("store_credit", "gift_card"):
            total = _total(act)
            what = (
                _("store credit") if kind == "store_credit" else _("a gift card (its code comes in a separate message)")
            )
            parts.append(
                _("%(amount)s %(currency)s as %(what)s.")
                % {"amount": total, "currency": ret.order.currency, "what": what}
            )
        elif kind == "exchange_order":
            parts.append(_("Your exchange is on its way as a new order."))
        elif kind == "replacement_order":
            parts.append(_("A replacement is on its way as a new order."))
    return " ".join(parts)


def _total(act: dict[str, str]) -> str:
    return str(Decimal(act.get("amount", "0")) + Decimal(act.get("bonus", "0") or "0"))


def _texts(ret: Return, kind: str) -> tuple[str, str]:
    number, order = ret.number, ret.order.name
    status = status_url(ret)
    if kind == "review":
        return (
            _("Return %(number)s received") % {"number": number},
            _(
                "We have your return request %(number)s for order %(order)s. A person will look at it and "
                "reply within one working day. Follow it here: %(url)s"
            )
            % {"number": number, "order": order, "url": status},
        )
    if kind == "label" and not ret.has_label:
        return (
            _("Your return %(number)s is approved") % {"number": number},
            _(
                "Your return %(number)s for order %(order)s is approved. We will tell you where and how to send "
                "the items shortly. Follow it here: %(url)s"
            )
            % {"number": number, "order": order, "url": status},
        )
    if kind == "label":
        deadline = (
            ret.lines.exclude(deadline__isnull=True).order_by("deadline").values_list("deadline", flat=True).first()
        )
        by = (" " + _("Please send it by %(date)s.") % {"date": deadline.isoformat()}) if deadline else ""
        return (
            _("Your return label for %(number)s") % {"number": number},
            _(
                "Your return %(number)s for order %(order)s is approved. Print your label and packing slip: "
                "%(label)s Pack the items with the slip inside and hand the parcel to the carrier.%(by)s "
                "Follow it here: %(url)s"
            )
            % {"number": number, "order": order, "label": label_url(ret), "by": by, "url": status},
        )
    if kind == "rejected":
        return (
            _("About your return %(number)s") % {"number": number},
            _(
                "We are sorry: return %(number)s for order %(order)s cannot be accepted. Why: %(why)s "
                "Reply to this message if you think we got it wrong."
            )
            % {"number": number, "order": order, "why": why_text(ret)},
        )
    if kind == "received":
        return (
            _("We received your return %(number)s") % {"number": number},
            _("Your parcel for return %(number)s has arrived and been checked.") % {"number": number},
        )
    if kind == "resolved":
        return (
            _("Your return %(number)s is complete") % {"number": number},
            _("Return %(number)s for order %(order)s is complete. %(what)s")
            % {"number": number, "order": order, "what": _resolution_text(ret)},
        )
    return (
        _("Return %(number)s cancelled") % {"number": number},
        _("Return %(number)s for order %(order)s was cancelled.") % {"number": number, "order": order},
    )


def reason_text(*, explanation: str, code: str | None, deadline: date | None) -> str:
    """Why the rules decided so about a line, in the shopper's words (never a rule's name)."""
    if explanation:
        return explanation
    if code == "window_closed" and deadline:
        return _("The return window closed on %(date)s.") % {"date": deadline.isoformat()}
    if code == "not_returnable":
        return _("This item cannot be returned.")
    return ""


def why_text(ret: Return) -> str:
    """Why the rules decided as they did, in words the shopper can read."""
    reasons = []
    for line in ret.lines.all():
        reason = reason_text(
            explanation=line.why.get("explanation") or "", code=line.why.get("code"), deadline=line.deadline
        )
        if reason:
            reasons.append(reason)
    if ret.note and ret.status == "rejected":
        reasons.append(ret.note)
    return " ".join(dict.fromkeys(reasons)) or _("The store's return policy does not cover it.")


def tell(ret: Return, kind: str) -> None:
    """Tell the shopper about ``kind`` (review, label, rejected, received, resolved, cancelled).
    A message that cannot go out (no address on that channel) is logged; the status page
    still shows everything."""
    with override(ret.locale or ret.store.default_locale or "en"):
        subject, text = _texts(ret, kind)
    try:
        message_id = notify(
            Notice(
                store_id=ret.store_id,
                customer_id=ret.customer_id,
                channel=ret.channel,
                subject=subject,
                text=text,
                kind=f"return.{kind}",
                meta={"return": ret.number},
                conversation_id=ret.conversation_id,
            )
        )
    except NotifyError as exc:
        log.warning("return %s: could not send %s: %s", ret.number, kind, exc)
        return
    if ret.conversation_id is None:
        ret.conversation_id = Message.objects.filter(pk=message_id).values_list("conversation_id", flat=True).get()
        ret.save(update_fields=["conversation", "updated_at"])
    ConversationEvent.objects.create(
        conversation_id=ret.conversation_id,
        kind=f"return_{kind}",
        actor="system",
        data={"order": ret.order.name, "to": ret.number},
    )
    if kind == "label" and not ret.has_label and ret.needs_return:
        with override(ret.store.default_locale or "en"):
            ask_agent(
                ret,
                _(
                    "Return %(number)s is approved but no label could be offered: the store's return address "
                    "or carrier is not set (Returns → Return settings). Tell the shopper where to send it."
                )
                % {"number": ret.number},
            )


def ask_agent(ret: Return, note: str = "") -> None:
    """Put the return's conversation in the agents' queue with a note of what to decide."""
    conversation = ret.conversation
    if conversation is None:
        log.warning("return %s needs an agent but has no conversation", ret.number)
        return
    with override(ret.store.default_locale or "en"):
        lines = ret.lines.select_related("order_line")
        summary = "; ".join(
            f"{ln.quantity} × {ln.order_line.title}: {ln.get_reason_display()} → {ln.get_outcome_display() or '—'} "
            f"({ln.get_verdict_display()}, {ln.rule})"
            for ln in lines
        )
        text = note or _("Return %(number)s needs a decision.") % {"number": ret.number}
        note_add(conversation=conversation, text=f"{text} {summary}", author=None, author_kind="system")
    if conversation.status != Status.OPEN:
        conversation_set_status(conversation=conversation, status=Status.OPEN, actor=None)
    conversation_set_tags(conversation=conversation, tags=[*conversation.tags, "returns"], actor=None)
