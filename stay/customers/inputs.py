"""What the outside world tells us about a customer, already parsed (by a connector, the
importer or the demo) and ready for :mod:`stay.customers.services`."""

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class ConsentInput:
    channel: str
    state: str
    occurred_at: datetime
    source: str
    evidence: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CustomerInput:
    platform_id: str = ""
    email: str = ""
    phone: str = ""
    name: str = ""
    locale: str = ""
    timezone: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    updated_at: datetime | None = None
    consents: tuple[ConsentInput, ...] = ()
