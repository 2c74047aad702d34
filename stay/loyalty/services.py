"""Points as they follow the money: what an order earns, refunds and cancellations that take
it back in proportion, release when the return window really closes, bonuses, an agent's
adjustment within their role's limit, and two customers becoming one."""

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry
from stay.core.errors import Conflict, InvalidInput
from stay.core.models import Store
from stay.customers.identities import people_of
from stay.customers.models import Customer
from stay.orders.models import Order

from .ledger import gain, lock_member, lock_members, post, posted, take
from .models import (
    Bucket,
    Cause,
    LotState,
    LoyaltyEvent,
    LoyaltySettings,
    Member,
    Movement,
    OrderPoints,
    PointsCampaign,
)
from .tiers import tier_evaluate

# Payment states of an order that was paid (refunds come after payment).
PAID = ("paid", "partially_refunded", "refunded")
# An order whose delivery never shows up is taken as delivered this long after it was placed.
ASSUMED_TRANSIT = timedelta(days=7)


def settings_for(store: Store) -> LoyaltySettings:
    return LoyaltySettings.objects.get_or_create(store=store)[0]


def programme_running(**_payload: object) -> bool:
    """Whether any store runs a programme: without one, orders' events write no outbox row for
    loyalty (asked in the publisher's transaction, so it is one indexed read)."""
    return LoyaltySettings.objects.filter(enabled=True).exists()


def _current(customer: Customer) -> Customer:
    while customer.merged_into_id:
        customer = Customer.objects.select_related("store").get(pk=customer.merged_into_id)
    return customer


def member_of(customer: Customer) -> Member:
    """The customer's membership (the survivor's, for a merged customer), made on first use."""
    customer = _current(customer)
    found = Member.objects.select_related("store", "customer", "tier").filter(customer=customer).first()
    if found is not None:
        return found

    def make() -> Member:
        with transaction.atomic():
            return Member.objects.create(store_id=customer.store_id, customer=customer, referral_code=_code())

    try:
        return make()
    except IntegrityError:  # made at the same moment by another request
        return Member.objects.select_related("store", "customer", "tier").get(customer=customer)


def _code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread: no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(8))


# --- the return window, as the returns app knows it ---------------------------------------

ReturnWindow = Callable[[Order], datetime | None]
_windows: list[ReturnWindow] = []


def register_return_window(window: ReturnWindow) -> None:
    """``window(order)``: when the order's last line may no longer be returned (None: not
    known yet). The returns app registers it; holiday windows are its business."""
    _windows[:] = [window]


def release_time(order: Order, settings: LoyaltySettings, now: datetime) -> datetime:
    """When an order's points become spendable: when its return window closes, or after the
    store's fixed wait."""
    if settings.pending_mode == "fixed" or not _windows:
        return max(now, order.placed_at) + timedelta(days=settings.pending_days)
    closes = _windows[0](order)
    if closes is None:  # never delivered as far as we know: the longest wait
        closes = order.placed_at + ASSUMED_TRANSIT + timedelta(days=settings.pending_days)
    return closes


# --- what an order earns -------------------------------------------------------------------


def eligible_spend(order: Order) -> Decimal:
    """What the shopper paid for goods: net of discounts (the order's subtotal already is),
    without shipping and tax (not in it), without gift cards bought."""
    cards = sum(
        (line.unit_price * line.quantity - line.total_discount for line in order.lines.all() if line.is_gift_card),
        Decimal("0"),
    )
    return max(order.subtotal - cards, Decimal("0"))


def multiplier(member: Member, at: datetime) -> Decimal:
    """The member's tier's multiplier times the best points campaign running at ``at``."""
    best = (
        PointsCampaign.objects.filter(store_id=member.store_id, starts_at__lte=at, ends_at__gt=at)
        .order_by("-multiplier")
        .values_list("multiplier", flat=True)
        .first()
    )
    tier = member.tier.multiplier if member.tier_id and member.tier else Decimal("1")
    return tier * (best or Decimal("1"))


def points_for(settings: LoyaltySettings, eligible: Decimal, factor: Decimal) -> int:
    base = eligible * settings.earn_points / settings.earn_per + settings.points_per_order
    return int((base * factor).to_integral_value(rounding=ROUND_FLOOR))


def _counted(lot: OrderPoints, order: Order) -> int:
    """What the order's points come to now: none for a cancelled order, and a refund takes
    back its share of them (rounded so that the member never keeps more than their share)."""
    if order.cancelled_at or order.financial_status == "refunded":
        return 0
    if order.total <= 0 or not order.total_refunded:
        return lot.full
    kept = max(order.total - order.total_refunded, Decimal("0")) / order.total
    return int((lot.full * kept).to_integral_value(rounding=ROUND_FLOOR))


def order_points_sync(
    *, order_id: int, now: datetime | None = None, actor: str = "system:loyalty"
) -> OrderPoints | None:
    """Bring an order's points in line with what happened to its money. Subscribed (durable) to
    ``order.paid``, ``refund.created`` and ``order.cancelled``: it reads the order as it is
    now, so events redelivered or out of order earn once and take back once."""
    now = now or timezone.now()

    def work() -> OrderPoints | None:
        order = Order.objects.select_related("store", "customer").get(pk=order_id)
        lot = OrderPoints.objects.select_for_update().filter(order=order).first()
        if lot is None:
            return _order_earn(order, now, actor)
        member = lock_member(lot.member_id)
        target = _counted(lot, order)
        if target >= lot.counted:
            return lot
        cut = lot.counted - target
        changes: dict[str, int] = {Bucket.PENDING: -cut} if lot.state == LotState.PENDING else take(member, cut)
        post(
            member=member,
            cause=Cause.REFUND,
            key=f"order:{order.pk}:to:{target}",
            changes=changes,
            actor=actor,
            memo=order.name,
            order_id=order.pk,
            now=now,
        )
        lot.counted = target
        lot.save(update_fields=["counted"])
        return lot

    return atomic_with_retry(work)


def _order_earn(order: Order, now: datetime, actor: str) -> OrderPoints | None:
    store = order.store
    settings = settings_for(store)
    if not settings.enabled or order.customer is None or order.financial_status not in PAID:
        return None
    if order.cancelled_at:
        return None
    member = lock_member(member_of(order.customer).pk)
    eligible = eligible_spend(order)
    full = points_for(settings, eligible, multiplier(member, order.placed_at))
    lot = OrderPoints.objects.create(
        store=store,
        member=member,
        order=order,
        eligible=eligible,
        full=full,
        counted=0,
        release_at=release_time(order, settings, now),
    )
    lot.counted = _counted(lot, order)
    if lot.counted:
        post(
            member=member,
            cause=Cause.ORDER,
            key=f"order:{order.pk}:earn",
            changes={Bucket.PENDING: lot.counted},
            actor=actor,
            memo=order.name,
            order_id=order.pk,
            now=now,
        )
        lot.save(update_fields=["counted"])
    if member.last_purchase_at is None or order.placed_at > member.last_purchase_at:
        Member.objects.filter(pk=member.pk).update(last_purchase_at=order.placed_at)
    return lot


def points_release_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Make spendable the points of orders whose return window has closed; a window that moved
    (the parcel was delivered later than assumed) is looked at again when it comes. Returns how
    many orders' points were released."""
    now = now or timezone.now()
    due = list(
        OrderPoints.objects.filter(state=LotState.PENDING, release_at__lte=now)
        .order_by("release_at")
        .values_list("pk", flat=True)[:limit]
    )
    released = 0
    for lot_id in due:
        released += atomic_with_retry(partial(_release, lot_id, now))
    return released


def _release(lot_id: int, now: datetime) -> int:
    lot = OrderPoints.objects.select_for_update().select_related("order", "store").get(pk=lot_id)
    if lot.state != LotState.PENDING:
        return 0
    settings = settings_for(lot.store)
    closes = release_time(lot.order, settings, lot.created_at)
    if closes > now:
        lot.release_at = closes
        lot.save(update_fields=["release_at"])
        return 0
    member = lock_member(lot.member_id)
    post(
        member=member,
        cause=Cause.RELEASE,
        key=f"order:{lot.order_id}:release",
        changes=gain(member, lot.counted, source=Bucket.PENDING),
        actor="system:loyalty",
        memo=lot.order.name,
        order_id=lot.order_id,
        now=now,
    )
    lot.state, lot.released_at = LotState.RELEASED, now
    lot.save(update_fields=["state", "released_at"])
    tier_evaluate(member, settings, now=now)
    return 1


# --- bonuses, adjustments ------------------------------------------------------------------

RULES = ("signup", "birthday", "review", "referral")


def points_bonus(
    *, customer: Customer, rule: str, key: str, actor: str, points: int | None = None, memo: str = ""
) -> Movement | None:
    """Points for a rule of the store's (``signup``, ``birthday``, ``review``, ``referral``),
    once per ``key``; None when the key was used already or the rule gives nothing."""
    if rule not in RULES:
        raise InvalidInput(_("rule must be one of %(rules)s") % {"rules": ", ".join(RULES)}, code="invalid_rule")
    settings = settings_for(customer.store)
    if not settings.enabled:
        return None
    amount = points if points is not None else getattr(settings, f"{rule}_points")
    if amount <= 0:
        return None

    def work() -> Movement | None:
        member = lock_member(member_of(customer).pk)
        movement = post(
            member=member,
            cause=Cause.RULE,
            key=f"{rule}:{key}",
            changes=gain(member, amount),
            actor=actor,
            memo=memo or rule,
        )
        if movement is not None:
            tier_evaluate(member, settings)
        return movement

    return atomic_with_retry(work)


def signup_points(*, customer_id: int, channel: str = "", **_ignored: object) -> None:
    """``consent.confirmed`` (durable): the signup points, once per person (every mailbox, as
    its provider reads it, and every phone number of theirs counts as the same person)."""
    customer = _current(Customer.objects.select_related("store").get(pk=customer_id))
    people = people_of(customer)
    if not people:
        return
    keys = [f"signup:{person}" for person in people]
    if Movement.objects.filter(store_id=customer.store_id, key__in=keys).exists():
        return
    points_bonus(customer=customer, rule="signup", key=people[0], actor="system:signup", memo=_("Welcome"))


def points_adjust(*, customer: Customer, points: int, reason: str, limit: int | None, actor: str, key: str) -> Movement:
    """An agent adds (or removes, negative) points with a reason, up to ``limit`` at once (their
    role's, from ``conversations.limits.points_limit``; None: no limit). Audited; once per key."""
    if not points:
        raise InvalidInput(_("Give a number of points other than zero."), code="points_required")
    if not reason.strip():
        raise InvalidInput(_("Say why the points change."), code="reason_required")
    if limit is not None and abs(points) > limit:
        raise Conflict(
            _("Your role may add or remove up to %(limit)s points at once: ask a lead.") % {"limit": limit},
            code="needs_lead",
        )

    def work() -> Movement:
        member = lock_member(member_of(customer).pk)
        first = posted(store_id=member.store_id, key=f"agent:{key}")
        if first is not None:
            return first
        if points < 0 and -points > member.available:
            raise Conflict(
                _("Only %(available)s points can be removed.") % {"available": member.available},
                code="not_enough_points",
            )
        changes = gain(member, points) if points > 0 else {Bucket.AVAILABLE: points}
        movement = post(member=member, cause=Cause.AGENT, key=f"agent:{key}", changes=changes, actor=actor, memo=reason)
        assert movement is not None
        LoyaltyEvent.objects.create(
            store_id=member.store_id,
            member=member,
            kind="adjusted",
            actor=actor,
            data={"points": points, "reason": reason},
        )
        return movement

    with transaction.atomic():  # a savepoint inside a caller's transaction: a refusal undoes this only
        return work()


# --- two customers become one --------------------------------------------------------------


def members_on_merge(*, survivor_id: int, merged_id: int) -> None:
    """``customer.merged`` (durable): the merged customer's points, orders' points and history
    move to the survivor's membership by one movement each side, so the guest who checked out
    before signing in keeps what their orders earned."""
    with transaction.atomic():
        old = Member.objects.filter(customer_id=merged_id, closed_into__isnull=True).first()
        if old is None:
            return
        survivor = Customer.objects.select_related("store").get(pk=survivor_id)
        new = member_of(survivor)
        members = lock_members([old.pk, new.pk])
        old, new = members[old.pk], members[new.pk]
        moved = {bucket: getattr(old, bucket) for bucket in Bucket.values}
        post(
            member=old,
            cause=Cause.MERGE,
            key=f"merge:{old.pk}:out",
            changes={bucket: -points for bucket, points in moved.items()},
            actor="system:merge",
            memo=f"into member {new.pk}",
        )
        post(
            member=new,
            cause=Cause.MERGE,
            key=f"merge:{old.pk}:in",
            changes=moved,
            actor="system:merge",
            memo=f"from member {old.pk}",
        )
        OrderPoints.objects.filter(member=old).update(member=new)
        Member.objects.filter(pk=old.pk).update(closed_into=new)
        if old.last_purchase_at and (new.last_purchase_at is None or old.last_purchase_at > new.last_purchase_at):
            Member.objects.filter(pk=new.pk).update(last_purchase_at=old.last_purchase_at)


def balances_sum(member: Member) -> dict[str, int]:
    """Each bucket as the sum of the member's entries (what the cached balances must equal)."""
    sums = dict.fromkeys(Bucket.values, 0)
    rows = member.entries.values("bucket").annotate(total=Sum("points")).filter(~Q(total=None))
    for row in rows:
        sums[row["bucket"]] = int(row["total"])
    return sums


def tiers_review(*, now: datetime | None = None) -> int:
    """The daily look at tiers: members below their tier for the grace period move down (and
    anyone whose points moved them up without a release is moved up). Returns members looked at."""
    now = now or timezone.now()
    ids = list(
        Member.objects.filter(closed_into__isnull=True)
        .filter(Q(tier__isnull=False) | Q(tier_below_since__isnull=False))
        .values_list("pk", flat=True)
    )
    for member_id in ids:

        def work(member_id: int = member_id) -> None:
            member = lock_member(member_id)
            tier_evaluate(member, settings_for(member.store), now=now, scheduled=True)

        atomic_with_retry(work)
    return len(ids)


# --- expiry ----------------------------------------------------------------------------------

WARN_BEFORE = timedelta(days=30)
LAST_CHANCE_BEFORE = timedelta(days=7)


def months_after(moment: datetime, months: int) -> datetime:
    """The same day ``months`` later (the last day of a shorter month)."""
    month = moment.month - 1 + months
    year, month = moment.year + month // 12, month % 12 + 1
    days = [31, 29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
    return moment.replace(year=year, month=month, day=min(moment.day, days[month - 1]))


def expires_at(member: Member, settings: LoyaltySettings) -> datetime | None:
    """When the member's available points expire: N months after their last purchase (or
    joining), and never sooner than N months after the store switched expiry on."""
    if not settings.expiry_months or settings.expiry_since is None:
        return None
    active = max(member.last_purchase_at or member.created_at, settings.expiry_since)
    return months_after(active, settings.expiry_months)


def points_expire_due(*, now: datetime | None = None) -> int:
    """Warn members whose points expire within 30 days, give a last chance 7 days before, and
    expire the points of those whose time has come (all that is left: the oldest were spent
    first). Returns how many members' points expired."""
    now = now or timezone.now()
    expired = 0
    for settings in LoyaltySettings.objects.filter(enabled=True, expiry_months__isnull=False).select_related("store"):
        members = Member.objects.filter(store=settings.store, available__gt=0, closed_into__isnull=True)
        for member_id in members.values_list("pk", flat=True):
            expired += atomic_with_retry(partial(_expire, member_id, settings, now))
    return expired


def _expire(member_id: int, settings: LoyaltySettings, now: datetime) -> int:
    member = lock_member(member_id)
    ends = expires_at(member, settings)
    if ends is None or member.available <= 0:
        return 0
    if ends <= now:
        post(
            member=member,
            cause=Cause.EXPIRY,
            key=f"expire:{member.pk}:{ends.date().isoformat()}",
            changes={Bucket.AVAILABLE: -member.available},
            actor="system:loyalty",
            now=now,
        )
        return 1
    for before in (LAST_CHANCE_BEFORE, WARN_BEFORE):
        if now >= ends - before and (member.expiry_warned_at is None or member.expiry_warned_at < ends - before):
            from .notices import expiry_warning

            expiry_warning(member, ends, last_chance=before == LAST_CHANCE_BEFORE)
            member.expiry_warned_at = now
            member.save(update_fields=["expiry_warned_at"])
            break
    return 0
