"""Posting points. Every function here expects the caller's transaction; the ones that change
balances expect the member's row lock (taken by :func:`lock_members`, in primary-key order so
two transactions never wait on each other in a circle)."""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import update_each
from stay.core.errors import Conflict

from .models import Bucket, Member, Movement, PointsEntry


def lock_members(ids: Iterable[int]) -> dict[int, Member]:
    """The members, re-read under their row locks, taken in primary-key order."""
    # ``of=self``: on PostgreSQL a join would lock the store's row too, and serialise every member.
    members = Member.objects.select_for_update(of=("self",)).select_related("store", "customer", "tier")
    members = members.filter(pk__in=set(ids))
    return {member.pk: member for member in members.order_by("pk")}


def lock_member(member_id: int) -> Member:
    return lock_members([member_id])[member_id]


def posted(*, store_id: int, key: str) -> Movement | None:
    return Movement.objects.filter(store_id=store_id, key=key).first()


class Batch:
    """Movements of locked members' points, recorded together: :meth:`add` applies each to the
    member in memory at once (so the next one sees it), :meth:`write` stores them all with a
    few statements. The key of each is unique in the database: a batch that repeats one fails
    whole (the caller's retry finds the work done)."""

    def __init__(self, now: datetime | None = None) -> None:
        self.now = now or timezone.now()
        self.movements: list[tuple[Movement, dict[str, int]]] = []
        self.members: dict[int, Member] = {}
        self.extra: dict[int, dict[str, object]] = {}

    def add(
        self,
        member: Member,
        *,
        cause: str,
        key: str,
        changes: dict[str, int],
        actor: str,
        memo: str = "",
        order_id: int | None = None,
    ) -> Movement:
        changes = {bucket: points for bucket, points in changes.items() if points}
        for bucket, points in changes.items():
            setattr(member, bucket, getattr(member, bucket) + points)
        movement = Movement(
            store_id=member.store_id,
            member=member,
            cause=cause,
            key=key[:160],
            order_id=order_id,
            memo=memo[:300],
            actor=actor[:120],
            created_at=self.now,
        )
        self.movements.append((movement, changes))
        self.members[member.pk] = member
        return movement

    def touch(self, member: Member, **fields: object) -> None:
        """Also set ``fields`` on the member (its last purchase) when the batch is written."""
        for name, value in fields.items():
            setattr(member, name, value)
        self.members[member.pk] = member
        self.extra.setdefault(member.pk, {}).update(fields)

    def write(self) -> list[Movement]:
        movements = Movement.objects.bulk_create(movement for movement, _ in self.movements)
        PointsEntry.objects.bulk_create(
            PointsEntry(movement=movement, member=movement.member, bucket=bucket, points=points, created_at=self.now)
            for movement, changes in self.movements
            for bucket, points in changes.items()
        )
        # Under the members' locks their balances in memory are the truth: set, not added.
        update_each(
            Member,
            {
                pk: {"available": m.available, "pending": m.pending, "owed": m.owed, "updated_at": self.now}
                | self.extra.get(pk, {})
                for pk, m in self.members.items()
            },
        )
        return movements


def post(
    *,
    member: Member,
    cause: str,
    key: str,
    changes: dict[str, int],
    actor: str,
    memo: str = "",
    order_id: int | None = None,
    now: datetime | None = None,
) -> Movement | None:
    """Record one movement of ``member``'s points and move their balances with it, once per
    ``key``: a key already posted returns None and changes nothing (a redelivered webhook).

    Precondition: the caller holds the member's row lock and has checked that no balance goes
    below zero (the database CHECK refuses it otherwise)."""
    if posted(store_id=member.store_id, key=key) is not None:
        return None
    batch = Batch(now)
    batch.add(member, cause=cause, key=key, changes=changes, actor=actor, memo=memo, order_id=order_id)
    return batch.write()[0]


def award(
    member: Member, points: int, *, cause: str, key: str, actor: str, memo: str = "", now: datetime | None = None
) -> Movement | None:
    """:func:`post` of ``points`` that ``member`` may spend (what they owe paid first): a
    bonus, a referral, a tier's entry points, points given back. Once per ``key``."""
    return post(member=member, cause=cause, key=key, changes=gain(member, points), actor=actor, memo=memo, now=now)


def gain(member: Member, points: int, *, source: str = Bucket.AVAILABLE) -> dict[str, int]:
    """The changes that add ``points`` to what ``member`` may spend, paying what they owe
    first; ``source`` is the bucket they come from (pending, on release), if any."""
    pay = min(member.owed, points)
    changes: dict[str, int] = {Bucket.AVAILABLE: points - pay, Bucket.OWED: -pay}
    if source != Bucket.AVAILABLE:
        changes[source] = -points
    return changes


def take(member: Member, points: int) -> dict[str, int]:
    """The changes that take back ``points`` that were spendable: what is left of them, and
    the rest recorded as owed (a refund after the points were spent)."""
    spent = max(points - member.available, 0)
    return {Bucket.AVAILABLE: -(points - spent), Bucket.OWED: spent}


def spend(member: Member, points: int) -> dict[str, int]:
    """The changes that spend ``points``; a Conflict if the member has fewer."""
    if points > member.available:
        raise Conflict(
            _("%(available)s points are available; this needs %(points)s.")
            % {"available": member.available, "points": points},
            code="not_enough_points",
        )
    return {Bucket.AVAILABLE: -points}
