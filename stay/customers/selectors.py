"""Reads for customers."""

from collections.abc import Iterable, Sequence

from django.db.models import Q, QuerySet

from stay.core.db import batched, select
from stay.core.errors import InvalidInput, NotFound
from stay.core.models import Store

from .identities import normalise_email, normalise_phone
from .models import ConsentRecord, Customer, Identity, IdentityKind


def customer_get(*, store: Store, customer_id: int) -> Customer:
    found = select(Customer, "store_id = %s AND id = %s", [store.pk, customer_id])
    if not found:
        raise NotFound(f"no customer {customer_id}")
    found[0].store = store  # the caller's own, not read again
    return found[0]


def identity_find(*, store: Store, kind: str, value: str) -> Identity | None:
    """The identity ``kind:value`` (normalised already) of the store, if anyone has it. Every
    inbound message asks this: it goes through the lean ``select`` (stay.core.db)."""
    found = select(Identity, "store_id = %s AND kind = %s AND value = %s", [store.pk, kind, value])
    return found[0] if found else None


def customer_list(*, store: Store) -> QuerySet[Customer]:
    return Customer.objects.filter(store=store, merged_into__isnull=True).order_by("-last_order_at", "-id")


def customer_match(*, store: Store, q: str) -> Q:
    """A filter for customers whose email, phone or name matches ``q``."""
    q = q.strip()
    condition = Q(name__icontains=q)
    if "@" in q:
        try:
            condition |= Q(identities__kind=IdentityKind.EMAIL, identities__value=normalise_email(q))
        except InvalidInput:
            condition |= Q(identities__kind=IdentityKind.EMAIL, identities__value__icontains=q.lower())
    elif sum(ch.isdigit() for ch in q) >= 6:
        phones = phone_candidates(q, region=store.country)
        if phones:
            condition |= Q(
                identities__kind__in=[IdentityKind.PHONE, IdentityKind.WHATSAPP], identities__value__in=phones
            )
    return condition


def phone_candidates(q: str, *, region: str) -> set[str]:
    """The numbers a person may mean by ``q``, in E.164: written as in the store's country
    (``010-1234-5678``, ``(555) 010-1234``) or international without its "+" (``821012345678``)."""
    digits = "".join(ch for ch in q if ch.isdigit())
    found = set()
    for written in (q, f"+{digits}", f"+{digits.removeprefix('00')}"):
        try:
            found.add(normalise_phone(written, region=region))
        except InvalidInput:
            continue
    return found


def consent_current(customer: Customer) -> dict[str, ConsentRecord]:
    """The state on each channel: the record that occurred last."""
    current: dict[str, ConsentRecord] = {}
    for record in ConsentRecord.objects.filter(customer=customer).order_by("-occurred_at", "-id"):
        current.setdefault(record.channel, record)
    return current


def consents_on(*, customer_ids: Iterable[int], channel: str) -> dict[int, ConsentRecord]:
    """Each customer's current consent record on ``channel`` (absent: never asked)."""
    current: dict[int, ConsentRecord] = {}
    for ids in batched(customer_ids, 900):
        for record in ConsentRecord.objects.filter(customer_id__in=ids, channel=channel).order_by(
            "customer_id", "-occurred_at", "-id"
        ):
            current.setdefault(record.customer_id, record)
    return current


def contacts_of(*, customer_ids: Iterable[int], kinds: Sequence[str]) -> dict[int, Identity]:
    """Each customer's first identity of the first of ``kinds`` they have (the address a
    message on a channel goes to when they never wrote from one)."""
    best: dict[int, Identity] = {}
    for ids in batched(customer_ids, 900):
        for identity in Identity.objects.filter(customer_id__in=ids, kind__in=kinds).order_by("id"):
            held = best.get(identity.customer_id)
            if held is None or kinds.index(identity.kind) < kinds.index(held.kind):
                best[identity.customer_id] = identity
    return best
