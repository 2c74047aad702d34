"""A conversation's activity as sentences an agent reads, in their language: never the event's
code ("order_refund"), a status's value ("resolved") or an actor's stored name ("user:alex")."""

from typing import Any

from django.utils.translation import gettext as _

from stay.core.money import money_text
from stay.customers.models import ConsentChannel, ConsentState

from .models import ConversationEvent, Priority, Status


def _status(value: Any) -> str:
    return str(Status(value).label) if value in Status.values else "—"


def event_text(event: ConversationEvent, currency: str = "") -> str:
    data = event.data or {}
    order = data.get("order", "")
    money = money_text(data["amount"], data.get("currency") or currency) if data.get("amount") else ""
    texts = {
        "created": lambda: _("Conversation started"),
        "assigned": lambda: _("Assigned to %(name)s") % {"name": data.get("assignee")},
        "unassigned": lambda: _("Unassigned"),
        "status_changed": lambda: (
            _("Status: %(was)s → %(now)s") % {"was": _status(data.get("from")), "now": _status(data.get("to"))}
        ),
        "priority_changed": lambda: (
            _("Priority: %(to)s") % {"to": Priority(data["to"]).label if data.get("to") in Priority.values else "—"}
        ),
        "tagged": lambda: _("Tags: %(tags)s") % {"tags": ", ".join(data.get("tags") or []) or "—"},
        "merged": lambda: _("Conversation #%(id)s merged into this one") % {"id": data.get("merged")},
        "reopened": lambda: _("Reopened: the customer wrote again"),
        "snooze_ended": lambda: _("Snooze ended"),
        "csat_recorded": lambda: _("Satisfaction: %(score)s/5") % {"score": data.get("score")},
        "order_refund": lambda: _("Refund of %(money)s requested on %(order)s") % {"money": money, "order": order},
        "order_cancel": lambda: _("Cancellation of %(order)s requested") % {"order": order},
        "order_replacement": lambda: (
            _("Replacement worth %(money)s requested for %(order)s") % {"money": money, "order": order}
        ),
        "order_resend": lambda: _("Status and tracking of %(order)s sent to the customer") % {"order": order},
        "store_credit": lambda: (
            _("Store credit of %(money)s given: %(reason)s") % {"money": money, "reason": data.get("reason", "")}
        ),
        "consent_recorded": lambda: (
            _("Marketing consent recorded: %(channel)s, %(state)s")
            % {
                "channel": ConsentChannel(data["channel"]).label
                if data.get("channel") in ConsentChannel.values
                else "—",
                "state": ConsentState(data["state"]).label if data.get("state") in ConsentState.values else "—",
            }
        ),
        "return_review": lambda: _("Return %(number)s waits for a person's approval") % {"number": data.get("to")},
        "return_label": lambda: _("Return %(number)s: label sent to the customer") % {"number": data.get("to")},
        "return_rejected": lambda: _("Return %(number)s declined") % {"number": data.get("to")},
        "return_received": lambda: _("Return %(number)s received") % {"number": data.get("to")},
        "return_resolved": lambda: _("Return %(number)s resolved") % {"number": data.get("to")},
    }
    text = texts.get(event.kind)
    return text() if text is not None else _("Other activity")
