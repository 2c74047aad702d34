"""A customer's personal data across every app: export it all, erase it all, and keep an
audit trail of who read, exported or erased it.

Each app registers its part in ``AppConfig.ready()`` (``register_part``): a function that
returns what the app holds about a customer, and one that removes or anonymises it. Money
records (orders' amounts, refunds, the gift-card ledger) are kept, as tax and accounting law
require; what ties them to a person (names, addresses, emails, phones, messages) goes. The
customer row itself stays, nameless and marked erased, so that those records still add up."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from .models import AuditEntry, Store

Exporter = Callable[[int], Any]
Eraser = Callable[[int], int]


@dataclass(frozen=True)
class Part:
    name: str
    export: Exporter
    erase: Eraser


_parts: dict[str, Part] = {}


def register_part(name: str, *, export: Exporter, erase: Eraser) -> None:
    """``export(customer_id)`` returns JSON-ready data; ``erase(customer_id)`` removes or
    anonymises it and returns how many rows it changed. Erasers run in the reverse order of
    registration: the apps above first, the customer record itself last."""
    _parts[name] = Part(name, export, erase)


def audit(*, store: Store | int, actor: str, action: str, customer_id: int | None, via: str, **detail: Any) -> None:
    store_id = store if isinstance(store, int) else store.pk
    AuditEntry.objects.create(
        store_id=store_id, actor=actor[:120], action=action, customer_id=customer_id, via=via, detail=detail
    )


def customer_export(*, store: Store, customer_id: int, actor: str, via: str) -> dict[str, Any]:
    """Everything Stay holds about one customer, by app. Audited."""
    data = {
        "customer_id": customer_id,
        "store": store.slug,
        "exported_at": timezone.now().isoformat(),
        **{part.name: part.export(customer_id) for part in _parts.values()},
    }
    audit(store=store, actor=actor, action="export", customer_id=customer_id, via=via)
    return data


def customer_erase(*, store: Store, customer_id: int, actor: str, via: str) -> dict[str, int]:
    """Remove or anonymise one customer's personal data in every app, in one transaction
    (all of it or none), and record who did it. Returns the rows changed per app."""
    with transaction.atomic():
        changed = {part.name: part.erase(customer_id) for part in reversed(list(_parts.values()))}
        audit(store=store, actor=actor, action="erase", customer_id=customer_id, via=via, changed=changed)
    return changed


ERASED = "[erased]"
