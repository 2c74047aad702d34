"""Writes for customers: recognising a person, consent evidence, and merging duplicates."""

from contextlib import suppress
from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry, insert, is_stale, joins_transaction, select, update
from stay.core.errors import Conflict, InvalidInput
from stay.core.events import publish
from stay.core.models import Store

from .identities import normalise_identity
from .inputs import ConsentInput, CustomerInput
from .models import (
    ConsentChannel,
    ConsentRecord,
    ConsentState,
    Customer,
    CustomerEvent,
    CustomerMerge,
    Identity,
    IdentityKind,
)
from .selectors import consent_current, identity_find

# When the identities given for one person point at several stored customers, the
# strongest one decides who it is; the others are left alone (an agent merges, not a guess).
_STRENGTH = [IdentityKind.PLATFORM, IdentityKind.EMAIL, IdentityKind.PHONE, IdentityKind.WHATSAPP, IdentityKind.CHAT]


def _identities_of(store: Store, data: CustomerInput) -> list[tuple[str, str]]:
    wanted: list[tuple[str, str]] = []
    if data.platform_id:
        wanted.append((IdentityKind.PLATFORM, normalise_identity(IdentityKind.PLATFORM, data.platform_id)))
    # Platforms hold junk contact details ("none", "n/a", "010-"): one that can't be read is
    # not an identity, and must not lose the order that carries it.
    if data.email:
        with suppress(InvalidInput):
            wanted.append((IdentityKind.EMAIL, normalise_identity(IdentityKind.EMAIL, data.email)))
    if data.phone:
        with suppress(InvalidInput):
            wanted.append(
                (IdentityKind.PHONE, normalise_identity(IdentityKind.PHONE, data.phone, region=store.country))
            )
    return wanted


def customer_resolve(*, store: Store, data: CustomerInput, actor: str) -> Customer:
    """Find the customer these details describe, or create one; attach identities not yet known.

    Newer profile details (by ``data.updated_at``) overwrite older ones; consent is appended
    as evidence, never overwritten.
    """
    wanted = _identities_of(store, data)
    if not wanted:
        raise InvalidInput("a customer needs a platform id, or an email or phone number that can be read")
    return atomic_with_retry(lambda: _resolve(store, data, wanted, actor))


def _resolve(store: Store, data: CustomerInput, wanted: list[tuple[str, str]], actor: str) -> Customer:
    # The store goes inside each term so that every term is an exact probe of the unique
    # (store, kind, value) index; outside the OR, SQLite scans all of the store's identities.
    # Lean statements (core.db): every order applied resolves its customer.
    where = " OR ".join(["(store_id = %s AND kind = %s AND value = %s)"] * len(wanted))
    found = select(Identity, where, [x for kind, value in wanted for x in (store.pk, kind, value)])
    known = {(i.kind, i.value): i for i in found}
    owner = next((known[k].customer_id for kind in _STRENGTH for k in wanted if k[0] == kind and k in known), None)
    customer = select(Customer, "id = %s", [owner])[0] if owner is not None else None
    if customer is None:
        # A new person: one lean statement per row (core.db), a burst of first orders makes many.
        customer = insert(
            Customer(
                store=store,
                name=data.name,
                locale=data.locale,
                timezone=data.timezone,
                tags=list(data.tags),
                note=data.note,
                platform_updated_at=data.updated_at,
            )
        )
        Identity.objects.bulk_create(Identity(store=store, customer=customer, kind=k, value=v) for k, v in wanted)
        _first_consents(customer, data.consents, actor)
        return customer
    while customer.merged_into_id:  # an identity left on a tombstone (should not happen)
        customer = Customer.objects.get(pk=customer.merged_into_id)
    _update_profile(customer, data)
    new = [Identity(store=store, customer=customer, kind=k, value=v) for k, v in wanted if (k, v) not in known]
    if new:
        Identity.objects.bulk_create(new)
        CustomerEvent.objects.create(
            customer=customer, kind="identities_added", actor=actor, data={"identities": [str(i) for i in new]}
        )
    for consent in data.consents:
        consent_record(customer=customer, consent=consent, actor=actor)
    return customer


def _first_consents(customer: Customer, consents: tuple[ConsentInput, ...], actor: str) -> None:
    """A new customer's consent evidence and timeline in two statements: nothing stored can be
    older or the same (the customer has just been created), so nothing needs looking up."""
    latest: dict[str, ConsentInput] = {}
    records: list[ConsentRecord] = []
    for consent in consents:
        if any(
            r.channel == consent.channel and r.state == consent.state and r.occurred_at == consent.occurred_at
            for r in records
        ):
            continue
        records.append(
            ConsentRecord(
                customer=customer,
                channel=consent.channel,
                state=consent.state,
                occurred_at=consent.occurred_at,
                source=consent.source,
                evidence=consent.evidence,
            )
        )
        if consent.channel not in latest or consent.occurred_at >= latest[consent.channel].occurred_at:
            latest[consent.channel] = consent
    if records:
        ConsentRecord.objects.bulk_create(records)
    CustomerEvent.objects.bulk_create(
        [
            CustomerEvent(customer=customer, kind="created", actor=actor),
            *(
                CustomerEvent(
                    customer=customer,
                    kind="consent_changed",
                    actor=actor,
                    data={"channel": c.channel, "state": c.state, "source": c.source},
                )
                for c in latest.values()
            ),
        ]
    )


def _update_profile(customer: Customer, data: CustomerInput) -> None:
    if is_stale(data.updated_at, customer.platform_updated_at):
        return  # an older copy of the profile arrived late: keep what we have
    changed = []
    for field in ("name", "locale", "timezone", "note"):
        value = getattr(data, field)
        if value and value != getattr(customer, field):
            setattr(customer, field, value)
            changed.append(field)
    if data.tags and list(data.tags) != customer.tags:
        customer.tags = list(data.tags)
        changed.append("tags")
    if data.updated_at and data.updated_at != customer.platform_updated_at:
        customer.platform_updated_at = data.updated_at
        changed.append("platform_updated_at")
    if changed:
        update(customer, changed)  # and its updated_at stamp


def customer_for_contact(
    *, store: Store, kind: str, value: str, name: str = "", locale: str = "", verified: bool = False, actor: str
) -> tuple[Customer, Identity]:
    """The customer who writes from ``kind:value`` (an email address, a phone, a WhatsApp
    number, a chat visitor), created with ``name`` if nobody is known by it.

    A WhatsApp number is also a phone number: a shopper who ordered with that phone is found,
    so one person is one customer across SMS, WhatsApp and their orders. A known customer's
    name is not replaced by whatever a mail client or a chat visitor calls them."""
    value = normalise_identity(kind, value, region=store.country)

    # Every inbound message comes through here: the common cases (a known sender, a new email
    # address or chat visitor) use the lean statements of stay.core.db.
    def work() -> tuple[Customer, Identity]:
        known = identity_find(store=store, kind=kind, value=value)
        if known is not None:
            if verified and not known.verified:
                known.verified = True
                update(known, ["verified"])
            customer = select(Customer, "id = %s", [known.customer_id])[0]
            while customer.merged_into_id:
                customer = Customer.objects.get(pk=customer.merged_into_id)
            return customer, known
        if kind == IdentityKind.EMAIL:
            # Nobody is known by this address (looked up above): a new customer.
            customer = insert(Customer(store=store, name=name, locale=locale))
            insert(CustomerEvent(customer=customer, kind="created", actor=actor))
            identity = insert(Identity(store=store, customer=customer, kind=kind, value=value, verified=verified))
            return customer, identity
        if kind in (IdentityKind.PHONE, IdentityKind.WHATSAPP):
            # A WhatsApp number may be the phone of a known customer (from their orders).
            data = CustomerInput(phone=value)
            customer = _resolve(store, data, _identities_of(store, data), actor)
            fill = {f: v for f, v in (("name", name), ("locale", locale)) if v and not getattr(customer, f)}
            if fill:
                Customer.objects.filter(pk=customer.pk).update(**fill)
                for f, v in fill.items():
                    setattr(customer, f, v)
        else:
            customer = insert(Customer(store=store, name=name, locale=locale))
            insert(CustomerEvent(customer=customer, kind="created", actor=actor))
            # A new chat visitor: nobody else can hold this identity (looked up above).
            identity = insert(Identity(store=store, customer=customer, kind=kind, value=value, verified=verified))
            added = {"identity": str(identity)}
            insert(CustomerEvent(customer=customer, kind="identity_added", actor=actor, data=added))
            return customer, identity
        found = identity_find(store=store, kind=kind, value=value)
        if found is not None:
            return customer, found
        identity = Identity.objects.create(store=store, customer=customer, kind=kind, value=value, verified=verified)
        CustomerEvent.objects.create(
            customer=customer, kind="identity_added", actor=actor, data={"identity": str(identity)}
        )
        return customer, identity

    return atomic_with_retry(work)


@transaction.atomic
def identity_attach(*, customer: Customer, kind: str, value: str, verified: bool = False, actor: str) -> Identity:
    """Recognise ``customer`` by ``kind:value`` from now on. An identity owned by someone else
    is a conflict: merging the two customers is an explicit decision."""
    normalised = normalise_identity(kind, value, region=customer.store.country)
    existing = Identity.objects.filter(store_id=customer.store_id, kind=kind, value=normalised).first()
    if existing and existing.customer_id != customer.pk:
        raise Conflict(f"{kind} {normalised} belongs to customer {existing.customer_id}; merge the customers instead")
    if existing:
        if verified and not existing.verified:
            existing.verified = True
            existing.save(update_fields=["verified"])
        return existing
    identity = Identity.objects.create(
        store_id=customer.store_id, customer=customer, kind=kind, value=normalised, verified=verified
    )
    CustomerEvent.objects.create(
        customer=customer, kind="identity_added", actor=actor, data={"identity": str(identity), "verified": verified}
    )
    return identity


@joins_transaction
def identities_bounced(*, identity_ids: list[int]) -> int:
    """Mail to these addresses came back: the outreach gate stops marketing to them."""
    return Identity.objects.filter(pk__in=identity_ids, bounced_at__isnull=True).update(bounced_at=timezone.now())


def consent_record(*, customer: Customer, consent: ConsentInput, actor: str) -> ConsentRecord | None:
    """Append a piece of consent evidence. Nothing is overwritten: the current state is the
    record that occurred last. A repeat of the current state adds nothing."""
    current = ConsentRecord.objects.filter(customer=customer, channel=consent.channel).first()
    if current and current.state == consent.state and current.occurred_at <= consent.occurred_at:
        return None
    if ConsentRecord.objects.filter(
        customer=customer, channel=consent.channel, state=consent.state, occurred_at=consent.occurred_at
    ).exists():
        return None
    record = ConsentRecord.objects.create(
        customer=customer,
        channel=consent.channel,
        state=consent.state,
        occurred_at=consent.occurred_at,
        source=consent.source,
        evidence=consent.evidence,
    )
    if current is None or consent.occurred_at >= current.occurred_at:
        CustomerEvent.objects.create(
            customer=customer,
            kind="consent_changed",
            actor=actor,
            data={"channel": consent.channel, "state": consent.state, "source": consent.source},
        )
        if current is not None and current.state == ConsentState.PENDING and consent.state == ConsentState.SUBSCRIBED:
            # A double opt-in confirmed (by link or reply): the welcome starts from here.
            publish("consent.confirmed", customer_id=customer.pk, channel=consent.channel)
        if (
            current is not None
            and current.state != ConsentState.UNSUBSCRIBED
            and consent.state == ConsentState.UNSUBSCRIBED
        ):
            # The shopper is told the result of an opt-out (Korea: Network Act art. 50(7)).
            publish("consent.withdrawn", customer_id=customer.pk, channel=consent.channel, source=consent.source)
    return record


def consent_from_agent(*, customer: Customer, channel: str, state: str, note: str, agent: str) -> ConsentRecord:
    """What the shopper told an agent about marketing messages, recorded as evidence at once.
    The note says how they said it; an opt-in needs one as much as an opt-out."""
    if channel not in ConsentChannel.values:
        raise InvalidInput(_("Choose the channel: e-mail, SMS or WhatsApp."))
    if state not in (ConsentState.SUBSCRIBED, ConsentState.UNSUBSCRIBED):
        raise InvalidInput(_("Choose whether the shopper opted in or out."))
    if not note.strip():
        raise InvalidInput(_("Say how the shopper told you, e.g. “asked on the phone”."))
    consent = ConsentInput(
        channel=channel,
        state=state,
        occurred_at=timezone.now(),
        source="agent",
        evidence={"agent": agent, "note": note.strip()[:300]},
    )
    with transaction.atomic():
        consent_record(customer=customer, consent=consent, actor=f"user:{agent}")
        return consent_current(customer)[channel]


def consent_withdraw(*, customer: Customer, channels: list[str], source: str, evidence: dict[str, Any]) -> None:
    """Opt the customer out of marketing on ``channels``, at once and together."""
    with transaction.atomic():
        for channel in channels:
            consent = ConsentInput(
                channel=channel,
                state=ConsentState.UNSUBSCRIBED,
                occurred_at=timezone.now(),
                source=source,
                evidence=evidence,
            )
            consent_record(customer=customer, consent=consent, actor="customer")


def customer_count_new_order(*, customer_id: int, placed_at: datetime, spent: Decimal) -> None:
    """Add one new order to a customer's figures in a single UPDATE: the row lock it takes and
    the additions in SQL make concurrent additions safe without a recount. The statement is
    written once per database (every order applied runs it; the ORM's expressions cost more
    to compile than the UPDATE costs to run)."""
    meta = Customer._meta
    spent_db = meta.get_field("total_spent").get_db_prep_save(spent, connection)
    when = meta.get_field("first_order_at").get_db_prep_save(placed_at, connection)
    with connection.cursor() as cursor:
        cursor.execute(_count_order_sql(), [spent_db, when, when, when, when, customer_id])


@cache
def _count_order_sql_for(vendor: str) -> str:
    least, greatest = ("MIN", "MAX") if vendor == "sqlite" else ("LEAST", "GREATEST")
    q = connection.ops.quote_name
    return (
        f"UPDATE {q(Customer._meta.db_table)} SET orders_count = orders_count + 1, "  # noqa: S608 (names from the model)
        f"total_spent = total_spent + %s, "
        f"first_order_at = {least}(COALESCE(first_order_at, %s), %s), "
        f"last_order_at = {greatest}(COALESCE(last_order_at, %s), %s) WHERE id = %s"
    )


def _count_order_sql() -> str:
    return _count_order_sql_for(connection.vendor)


def customer_lock(*, customer_id: int) -> None:
    """Hold the customer's row until the transaction ends, so that figures recomputed from other
    tables (their orders) are not overwritten by a concurrent recount that saw less."""
    list(Customer.objects.select_for_update().filter(pk=customer_id).values_list("pk", flat=True))


def customer_set_order_stats(
    *,
    customer: Customer,
    first_order_at: datetime | None,
    last_order_at: datetime | None,
    orders_count: int,
    total_spent: Decimal,
) -> None:
    """Called by the orders domain, which owns the figures, whenever a customer's orders change."""
    Customer.objects.filter(pk=customer.pk).update(
        first_order_at=first_order_at,
        last_order_at=last_order_at,
        orders_count=orders_count,
        total_spent=total_spent,
    )


@transaction.atomic
def customer_merge(*, survivor: Customer, merged: Customer, actor: str) -> Customer:
    """Merge ``merged`` into ``survivor``: every row that points at ``merged`` (identities,
    consent, events, orders and whatever later apps add) moves to ``survivor``; ``merged``
    stays as a tombstone pointing at the survivor. A model with a one-to-one link to a
    customer must subscribe to ``customer.merged`` and reconcile itself first.
    """
    if survivor.pk == merged.pk:
        raise InvalidInput("cannot merge a customer into itself")
    if survivor.store_id != merged.store_id:
        raise InvalidInput("customers of different stores cannot be merged")
    # Lock both rows in primary-key order so two merges of the same pair cannot deadlock.
    locked = {
        c.pk: c for c in Customer.objects.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")
    }
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    if merged.merged_into_id or survivor.merged_into_id:
        raise Conflict("one of these customers was already merged into another")

    snapshot = {
        "name": merged.name,
        "locale": merged.locale,
        "tags": merged.tags,
        "note": merged.note,
        "orders_count": merged.orders_count,
        "total_spent": str(merged.total_spent),
        "identities": [str(i) for i in merged.identities.all()],
    }
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        # A model that moves its own rows on ``customer.merged`` (balances that must be
        # transferred, not re-pointed) says so with ``moved_on_customer_merge = False``.
        if getattr(model, "moved_on_customer_merge", True) is False:
            continue
        if relation.one_to_many and model is not Customer and not isinstance(model, str):
            try:
                model._default_manager.filter(**{relation.field.name: merged}).update(**{relation.field.name: survivor})
            except IntegrityError as exc:
                raise Conflict(f"cannot move {model.__name__} rows: {exc}") from exc

    firsts = [d for d in (survivor.first_order_at, merged.first_order_at) if d]
    lasts = [d for d in (survivor.last_order_at, merged.last_order_at) if d]
    survivor.first_order_at = min(firsts) if firsts else None
    survivor.last_order_at = max(lasts) if lasts else None
    survivor.orders_count += merged.orders_count
    survivor.total_spent += merged.total_spent
    survivor.tags = sorted(set(survivor.tags) | set(merged.tags))
    survivor.name = survivor.name or merged.name
    survivor.locale = survivor.locale or merged.locale
    survivor.timezone = survivor.timezone or merged.timezone
    if merged.note:
        survivor.note = f"{survivor.note}\n{merged.note}".strip()
    survivor.save()
    merged.merged_into = survivor
    merged.orders_count, merged.total_spent = 0, Decimal("0")
    merged.save(update_fields=["merged_into", "orders_count", "total_spent", "updated_at"])
    CustomerMerge.objects.create(survivor=survivor, merged=merged, snapshot=snapshot, merged_by=actor)
    CustomerEvent.objects.create(
        customer=survivor, kind="merged", actor=actor, data={"merged_customer": merged.pk, **snapshot}
    )
    publish("customer.merged", survivor_id=survivor.pk, merged_id=merged.pk)
    return survivor


@joins_transaction
def customer_tag(*, customer: Customer, tag: str, actor: str) -> bool:
    """Add ``tag`` to the customer once; returns whether it was new."""
    customer.refresh_from_db(fields=["tags"])
    if tag in customer.tags:
        return False
    customer.tags = [*customer.tags, tag]
    customer.save(update_fields=["tags", "updated_at"])
    CustomerEvent.objects.create(customer=customer, kind="tagged", actor=actor, data={"tag": tag})
    return True


def customers_delete_unused(*, customer_ids: list[int]) -> int:
    """Delete customers that are nothing but one identity (a chat visitor who never wrote).
    The caller checked that no app holds anything of theirs (no conversation, no order); one
    that some row still protects is kept. Returns how many went."""
    deleted = 0
    for customer in Customer.objects.filter(pk__in=customer_ids, merged_into__isnull=True):
        if customer.identities.count() > 1 or customer.consents.exists():
            continue
        try:
            with transaction.atomic():
                customer.delete()
        except ProtectedError:
            continue
        deleted += 1
    return deleted
