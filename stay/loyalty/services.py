"""Points as they follow the money: what an order earns, refunds and cancellations that take
it back in proportion, release when the return window really closes, bonuses, an agent's
adjustment within their role's limit, and two customers becoming one."""

import secrets
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from functools import partial

from django.db import IntegrityError, connection, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry, update_each
from stay.core.errors import Conflict, InvalidInput
from stay.core.events import publish
from stay.core.models import Store
from stay.customers.identities import people_of
from stay.customers.models import Customer
from stay.orders.models import Order, OrderLine

from .ledger import Batch, award, gain, lock_member, lock_members, post, posted, take
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
    PointsDue,
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


def locked_member_of(customer: Customer) -> Member:
    """The customer's membership under its row lock, made on first use (one statement when it
    exists: the hot path of a redemption)."""
    owner = _current(customer).pk if customer.merged_into_id else customer.pk
    locked = (
        Member.objects.select_for_update(of=("self",))
        .select_related("store", "customer", "tier")
        .filter(customer_id=owner)
        .first()
    )
    return locked if locked is not None else lock_member(member_of(customer).pk)


def _code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # nothing to misread: no 0/O, 1/I
    return "".join(secrets.choice(alphabet) for _ in range(8))


# --- the return window, as the returns app knows it ---------------------------------------

ReturnWindows = Callable[[list[Order]], dict[int, datetime | None]]
_windows: list[ReturnWindows] = []


def register_return_windows(windows: ReturnWindows) -> None:
    """``windows(orders)``: for each order, when its last line may no longer be returned
    (None: not known yet). The returns app registers it; holiday windows are its business."""
    _windows[:] = [windows]


def release_times(orders: list[Order], settings: dict[int, LoyaltySettings]) -> dict[int, datetime]:
    """When each order's points become spendable: when its return window closes, or the
    store's fixed wait after it was placed; an order never delivered as far as we know waits
    the longest."""
    windowed = [o for o in orders if settings[o.store_id].pending_mode != "fixed"]
    closes = _windows[0](windowed) if windowed and _windows else {}
    times = {}
    for order in orders:
        wait = timedelta(days=settings[order.store_id].pending_days)
        if settings[order.store_id].pending_mode == "fixed" or not _windows:
            times[order.pk] = order.placed_at + wait
        else:
            found = closes.get(order.pk)
            times[order.pk] = found if found is not None else order.placed_at + ASSUMED_TRANSIT + wait
    return times


# --- what an order earns -------------------------------------------------------------------


def gift_card_spend(order_ids: Iterable[int]) -> dict[int, Decimal]:
    """What each order paid for gift cards (they earn nothing: spending them does)."""
    paid = ExpressionWrapper(F("unit_price") * F("quantity") - F("total_discount"), output_field=DecimalField())
    rows = (
        OrderLine.objects.filter(order_id__in=order_ids, is_gift_card=True)
        .values("order_id")
        .annotate(total=Sum(paid))
        .values_list("order_id", "total")
    )
    return {order_id: Decimal(total) for order_id, total in rows}


def spend_without_tax(order: Order, gift_cards: Decimal) -> Decimal:
    """What the shopper paid for goods, net of discounts (Shopify's subtotal already is),
    without gift cards bought and without tax: where prices include tax (Korea's VAT: the
    total is the subtotal plus shipping), the tax is taken out in proportion to goods and
    shipping, so a store's 1 point per 100 KRW is per 100 KRW of goods."""
    goods = max(order.subtotal - gift_cards, Decimal("0"))
    taxed = goods + order.total_shipping
    included = order.total_tax > 0 and order.total <= order.subtotal + order.total_shipping
    if included and taxed > 0:
        goods -= order.total_tax * goods / taxed
    return goods.quantize(Decimal("0.01"), rounding=ROUND_FLOOR)


def campaign_multiplier(campaigns: list[PointsCampaign], store_id: int, at: datetime) -> Decimal:
    """The best points campaign of the store running at ``at``."""
    running = [c.multiplier for c in campaigns if c.store_id == store_id and c.starts_at <= at < c.ends_at]
    return max(running, default=Decimal("1"))


def points_for(settings: LoyaltySettings, eligible: Decimal, factor: Decimal) -> int:
    base = eligible * settings.earn_points / settings.earn_per + settings.points_per_order
    return int((base * factor).to_integral_value(rounding=ROUND_FLOOR))


def _counted(lot: OrderPoints, order: Order) -> int:
    """What the order's points come to now: none for a cancelled order, and a refund takes
    back its share of them (rounded so that the member never keeps more than their share)."""
    if order.cancelled_at or order.financial_status == "refunded":
        return 0
    back = order.total_refunded + sum((Decimal(v) for v in lot.credited.values()), Decimal("0"))
    if order.total <= 0 or not back:
        return lot.full
    kept = max(order.total - back, Decimal("0")) / order.total
    return int((lot.full * kept).to_integral_value(rounding=ROUND_FLOOR))


def points_due(order_id: int, **_payload: object) -> None:
    """``order.paid``, ``refund.created``, ``order.cancelled`` (inline, in the order's own
    transaction): the order's points are brought in line in the next batch. Nothing is written
    while no store runs a programme."""
    if programme_running():
        PointsDue.objects.create(order_id=order_id)
        from .tasks import apply_soon

        apply_soon()


def points_apply_due(*, limit: int = 500, now: datetime | None = None) -> int:
    """Work off up to ``limit`` orders' points due, in one transaction with their rows' removal,
    so a worker that dies loses nothing and does nothing twice. Any number of workers may run
    it at once. Returns how many rows it worked off."""
    skip = connection.features.has_select_for_update_skip_locked

    def work() -> int:
        rows = list(PointsDue.objects.select_for_update(skip_locked=skip).order_by("pk")[:limit])
        if rows:
            points_apply(order_ids=[row.order_id for row in rows], now=now)
            PointsDue.objects.filter(pk__in=[row.pk for row in rows]).delete()
        return len(rows)

    return atomic_with_retry(work)


def order_points_sync(*, order_id: int, now: datetime | None = None) -> OrderPoints | None:
    """One order's points brought in line now (what a batch does for many)."""
    atomic_with_retry(lambda: points_apply(order_ids=[order_id], now=now))
    return OrderPoints.objects.filter(order_id=order_id).first()


def points_apply(*, order_ids: Iterable[int], now: datetime | None = None, actor: str = "system:loyalty") -> int:
    """Bring each order's points in line with what happened to its money, reading the orders
    as they are now, so events redelivered or out of order earn once and take back once: a
    paid order earns (pending) by the rules and multipliers of that moment; a refund or a
    cancellation takes back its share, from what is pending, else from what is available and
    the rest owed. Expects the caller's transaction. Returns how many orders' points moved."""
    now = now or timezone.now()
    orders = {o.pk: o for o in Order.objects.select_related("store").filter(pk__in=set(order_ids))}
    lots = {lot.order_id: lot for lot in OrderPoints.objects.select_for_update().filter(order_id__in=orders)}
    settings = {o.store_id: settings_for(o.store) for o in orders.values()}
    new = sorted(
        (o for o in orders.values() if o.pk not in lots and _earns(o, settings[o.store_id])), key=lambda o: o.pk
    )
    member_of_customer = members_for({o.customer_id for o in new if o.customer_id})
    members = lock_members(set(member_of_customer.values()) | {lot.member_id for lot in lots.values()})
    cards = gift_card_spend([o.pk for o in new]) if new else {}
    earliest = min((o.placed_at for o in new), default=now)
    campaigns = list(PointsCampaign.objects.filter(store_id__in=settings, ends_at__gt=earliest, starts_at__lte=now))
    release = release_times(new, settings)
    batch, made, cut = Batch(now), [], {}
    for order in new:
        assert order.customer_id is not None
        member = members[member_of_customer[order.customer_id]]
        eligible = spend_without_tax(order, cards.get(order.pk, Decimal("0")))
        tier = member.tier.multiplier if member.tier else Decimal("1")
        factor = tier * campaign_multiplier(campaigns, order.store_id, order.placed_at)
        full = points_for(settings[order.store_id], eligible, factor)
        lot = OrderPoints(
            store_id=order.store_id,
            member=member,
            order=order,
            eligible=eligible,
            full=full,
            counted=0,
            release_at=release[order.pk],
        )
        lot.counted = _counted(lot, order)
        made.append(lot)
        if lot.counted:
            batch.add(
                member,
                cause=Cause.ORDER,
                key=f"order:{order.pk}:earn",
                changes={Bucket.PENDING: lot.counted},
                actor=actor,
                memo=order.name,
                order_id=order.pk,
            )
        if member.last_purchase_at is None or order.placed_at > member.last_purchase_at:
            batch.touch(member, last_purchase_at=order.placed_at)
    for order_id, lot in sorted(lots.items()):
        order = orders[order_id]
        target = _counted(lot, order)
        if target >= lot.counted:
            continue
        member = members[lot.member_id]
        back = lot.counted - target
        batch.add(
            member,
            cause=Cause.REFUND,
            key=f"order:{order_id}:to:{target}",
            changes={Bucket.PENDING: -back} if lot.state == LotState.PENDING else take(member, back),
            actor=actor,
            memo=order.name,
            order_id=order_id,
        )
        cut[lot.pk] = {"counted": target}
    OrderPoints.objects.bulk_create(made)
    update_each(OrderPoints, cut)
    batch.write()
    return len(made) + len(cut)


def order_points_credited(*, order_id: int, amount: Decimal, key: str) -> None:
    """Part of an order given back as store credit or a gift card (a return, not a platform
    refund): its share of the order's points goes as a refund's would. Once per ``key``; in
    the caller's transaction."""
    lot = OrderPoints.objects.select_for_update().filter(order_id=order_id).first()
    if lot is None or key in lot.credited or amount <= 0:
        return
    lot.credited = {**lot.credited, key: str(amount)}
    lot.save(update_fields=["credited"])
    points_apply(order_ids=[order_id])


def _earns(order: Order, settings: LoyaltySettings) -> bool:
    return bool(
        settings.enabled and order.customer_id and order.financial_status in PAID and order.cancelled_at is None
    )


def members_for(customer_ids: set[int]) -> dict[int, int]:
    """Each customer's membership (the survivor's for a merged customer), made where missing:
    ``{customer id: member id}``."""
    current = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "merged_into_id"))
    for pk, merged_into in list(current.items()):
        if merged_into:
            current[pk] = _current(Customer.objects.get(pk=pk)).pk
        else:
            current[pk] = pk
    owners = set(current.values())
    found = dict(Member.objects.filter(customer_id__in=owners).values_list("customer_id", "pk"))
    missing = owners - set(found)
    if missing:
        stores = dict(Customer.objects.filter(pk__in=missing).values_list("pk", "store_id"))
        Member.objects.bulk_create(
            [Member(store_id=stores[pk], customer_id=pk, referral_code=_code()) for pk in missing],
            ignore_conflicts=True,
        )
        found.update(Member.objects.filter(customer_id__in=missing).values_list("customer_id", "pk"))
    return {pk: found[owner] for pk, owner in current.items()}


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
    closes = release_times([lot.order], {lot.store_id: settings})[lot.order_id]
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
    from .referrals import referral_reward  # referrals builds on this module

    referral_reward(lot, now)
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
        member = locked_member_of(customer)
        movement = award(member, amount, cause=Cause.RULE, key=f"{rule}:{key}", actor=actor, memo=memo or rule)
        if movement is not None:
            tier_evaluate(member, settings)
        return movement

    return atomic_with_retry(work)


# What a caller from outside (a review app's webhook, a storefront's backend) may award. Sign-up,
# referral and birthday points have their own paths, with their once-per-person, fraud and
# once-a-year rules; through the API they would skip them.
OUTSIDE_RULES = ("review",)


def bonus_from_outside(
    *, customer: Customer, rule: str, reference: str, actor: str, points: int | None = None
) -> Movement | None:
    """A bonus asked for through the API: only the rules an outside system may award, once per
    ``reference``."""
    if rule not in OUTSIDE_RULES:
        raise InvalidInput(
            _("rule must be one of %(rules)s: the other bonuses are given by Stay itself.")
            % {"rules": ", ".join(OUTSIDE_RULES)},
            code="invalid_rule",
        )
    if not reference.strip():
        raise InvalidInput(
            _("reference is required: what the bonus is for (a review's id)."), code="reference_required"
        )
    return points_bonus(customer=customer, rule=rule, key=reference.strip()[:100], actor=actor, points=points)


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
        member = locked_member_of(customer)
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
    first). Returns how many members' points expired.

    A warning is the event ``loyalty.points_expiring``: the outreach flows send it, through the
    one gate every marketing message passes (consent, quiet hours, how often), in the shopper's
    language, and stop it if they order meanwhile (which keeps the points)."""
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
            publish(
                "loyalty.points_expiring",
                customer_id=member.customer_id,
                points=member.available,
                expires_at=ends.isoformat(),
                last_chance=before == LAST_CHANCE_BEFORE,
            )
            member.expiry_warned_at = now
            member.save(update_fields=["expiry_warned_at"])
            break
    return 0


def birthdays_due(*, today: date | None = None) -> int:
    """The birthday points of members whose birthday is today in their store's time zone, once
    a year (29 February counts on 28 February in other years). Returns how many were given."""
    given = 0
    for settings in LoyaltySettings.objects.filter(enabled=True, birthday_points__gt=0).select_related("store"):
        day = today or timezone.localdate(timezone.now(), settings.store.zone)
        days = [(day.month, day.day)]
        if (day.month, day.day) == (2, 28) and not _leap(day.year):
            days.append((2, 29))
        match = Q()
        for month, dom in days:
            match |= Q(birthday__month=month, birthday__day=dom)
        members = Member.objects.filter(match, store=settings.store, closed_into__isnull=True).select_related(
            "customer"
        )
        for member in members:
            if points_bonus(
                customer=member.customer, rule="birthday", key=f"{member.pk}:{day.year}", actor="system:loyalty"
            ):
                given += 1
    return given


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def birthday_set(*, customer: Customer, birthday: date | None) -> Member:
    """The shopper's birthday (from their account page or the API)."""
    member = member_of(customer)
    Member.objects.filter(pk=member.pk).update(birthday=birthday)
    member.birthday = birthday
    return member
