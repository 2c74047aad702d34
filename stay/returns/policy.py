"""The return policy engine: the store's rules, in order, decide each line of a request.

Rules are read once into plain objects (:func:`policy_for`) and :func:`decide` is a pure
function of a rule set and a line's facts, so the same answer comes out of the portal's
preview, the API and the agent's console, and it is fast (see ``bench/returns.py``).

Each action (returnable, window, outcomes, bonus, fee, approve at once, photos, keep the item,
replace now) is set by the *first* matching rule that sets it; later rules fill in only what
is still open. A line's window is the later of "days from delivery" and "until a date", so a
holiday window extends the usual one and never shortens it. Which rule set what is kept.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction

from stay.core.models import Store

from .models import STORE_FAULT, Outcome, Reason, ReturnRule, ReturnSettings, Tristate, Verdict

BUILT_IN = "built-in default"
LIMIT_RULE = "no-return limit"
DEFAULT_WINDOW_DAYS = 30
DEFAULT_OUTCOMES = (Outcome.EXCHANGE, Outcome.SHOP_NOW, Outcome.STORE_CREDIT, Outcome.REFUND)
ZERO = Decimal("0")
_ACTIONS = (
    "returnable",
    "window_days",
    "window_until",
    "outcomes",
    "bonus_percent",
    "fee_percent",
    "auto_approve",
    "require_photos",
    "keep_item",
    "replace_now",
)


@dataclass(frozen=True)
class Facts:
    """What the rules may look at, for one line of a request."""

    reason: str
    unit_value: Decimal  # what the shopper paid for one unit
    placed_on: date
    delivered_on: date | None
    today: date
    gift: bool = False
    product_tags: frozenset[str] = frozenset()
    product_type: str = ""
    sku: str = ""
    customer_orders: int = 0
    customer_returns: int = 0  # returns in the last year
    no_return_used: int = 0  # kept items and replacements-at-once in the last year


def _month_day(value: str) -> tuple[int, int] | None:
    if not value:
        return None
    month, day = value.split("-")
    return int(month), int(day)


def _tristate(value: str) -> bool | None:
    return None if value == Tristate.ANY else value == Tristate.YES


@dataclass(frozen=True)
class Rule:
    """A :class:`ReturnRule` read into the shape :func:`decide` needs."""

    name: str
    explanation: str = ""
    placed_from: tuple[int, int] | None = None
    placed_until: tuple[int, int] | None = None
    delivered_within_days: int | None = None
    reasons: frozenset[str] = frozenset()
    product_tags: frozenset[str] = frozenset()
    product_types: frozenset[str] = frozenset()
    skus: frozenset[str] = frozenset()
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    below_return_shipping: bool = False
    gift: bool | None = None
    customer_min_orders: int | None = None
    customer_max_orders: int | None = None
    customer_max_returns: int | None = None
    actions: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, row: ReturnRule) -> "Rule":
        actions: list[tuple[str, object]] = []
        for name, value in (
            ("returnable", _tristate(row.returnable)),
            ("window_days", row.window_days),
            ("window_until", _month_day(row.window_until)),
            ("outcomes", tuple(row.outcomes) if row.outcomes else None),
            ("bonus_percent", row.bonus_percent),
            ("fee_percent", row.restocking_fee_percent),
            ("auto_approve", _tristate(row.auto_approve)),
            ("require_photos", _tristate(row.require_photos)),
            ("keep_item", _tristate(row.keep_item)),
            ("replace_now", _tristate(row.replace_now)),
        ):
            if value is not None:
                actions.append((name, value))
        return cls(
            name=row.name,
            explanation=row.explanation,
            placed_from=_month_day(row.placed_from),
            placed_until=_month_day(row.placed_until),
            delivered_within_days=row.delivered_within_days,
            reasons=frozenset(row.reasons),
            product_tags=frozenset(t.lower() for t in row.product_tags),
            product_types=frozenset(t.lower() for t in row.product_types),
            skus=frozenset(row.skus),
            price_min=row.price_min,
            price_max=row.price_max,
            below_return_shipping=row.below_return_shipping,
            gift=_tristate(row.gift),
            customer_min_orders=row.customer_min_orders,
            customer_max_orders=row.customer_max_orders,
            customer_max_returns=row.customer_max_returns,
            actions=tuple(actions),
        )

    def matches(self, facts: Facts, shipping_cost: Decimal) -> bool:
        if self.reasons and facts.reason not in self.reasons:
            return False
        if self.gift is not None and facts.gift != self.gift:
            return False
        if self.product_tags and not (self.product_tags & facts.product_tags):
            return False
        if self.product_types and facts.product_type.lower() not in self.product_types:
            return False
        if self.skus and facts.sku not in self.skus:
            return False
        if self.price_min is not None and facts.unit_value < self.price_min:
            return False
        if self.price_max is not None and facts.unit_value >= self.price_max:
            return False
        if self.below_return_shipping and facts.unit_value >= shipping_cost:
            return False
        if (self.placed_from or self.placed_until) and not _in_season(
            facts.placed_on, self.placed_from, self.placed_until
        ):
            return False
        if self.delivered_within_days is not None and (
            facts.delivered_on is None or (facts.today - facts.delivered_on).days > self.delivered_within_days
        ):
            return False
        if self.customer_min_orders is not None and facts.customer_orders < self.customer_min_orders:
            return False
        if self.customer_max_orders is not None and facts.customer_orders > self.customer_max_orders:
            return False
        return self.customer_max_returns is None or facts.customer_returns <= self.customer_max_returns


def _in_season(day: date, start: tuple[int, int] | None, end: tuple[int, int] | None) -> bool:
    """Whether ``day`` falls between two month-days of any year; a season may wrap the new year."""
    key = (day.month, day.day)
    low, high = start or (1, 1), end or (12, 31)
    if low <= high:
        return low <= key <= high
    return key >= low or key <= high


def _next(month_day: tuple[int, int], after: date) -> date:
    """The first ``month_day`` on or after ``after`` (29 Feb becomes 28 Feb in common years)."""
    month, day = month_day
    for year in (after.year, after.year + 1):
        candidate = date(year, month, min(day, calendar.monthrange(year, month)[1]))
        if candidate >= after:
            return candidate
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    shipping_cost: Decimal = Decimal("6.00")
    no_return_limit: int = 3


@dataclass
class Decision:
    """What a line may get, and why."""

    verdict: str
    rule: str  # the rule that made the verdict
    code: str  # ok | replace | review | limit | not_returnable | window_closed
    allowed: list[str]
    deadline: date | None
    bonus_percent: Decimal = ZERO
    fee_percent: Decimal = ZERO
    keep_item: bool = False
    replace_now: bool = False
    require_photos: bool = False
    explanation: str = ""  # the merchant's words from the deciding rule, if any
    why: dict[str, str] = field(default_factory=dict)  # action -> rule that set it


def decide(policy: Policy, facts: Facts) -> Decision:
    chosen: dict[str, tuple[object, Rule | None]] = {}
    for rule in policy.rules:
        if not rule.matches(facts, policy.shipping_cost):
            continue
        for name, value in rule.actions:
            chosen.setdefault(name, (value, rule))
        if len(chosen) == len(_ACTIONS):
            break

    def get(name: str, default: object) -> object:
        return chosen[name][0] if name in chosen else default

    def by(name: str) -> Rule | None:
        return chosen[name][1] if name in chosen else None

    why = {name: rule.name for name, (_, rule) in chosen.items() if rule is not None}
    fault = facts.reason in STORE_FAULT
    allowed = [o for o in get("outcomes", DEFAULT_OUTCOMES) if o in Outcome.values]  # type: ignore[attr-defined]
    replace_now = bool(get("replace_now", False)) and fault
    keep_item = bool(get("keep_item", False)) or replace_now or facts.reason == Reason.LOST
    if fault and Outcome.REPLACEMENT not in allowed and replace_now:
        allowed.insert(0, Outcome.REPLACEMENT)
    if not fault:
        allowed = [o for o in allowed if o != Outcome.REPLACEMENT]
    if facts.gift:
        allowed = [o for o in allowed if o != Outcome.REFUND]  # never back to the buyer's card
    deadline, window_rule = _deadline(chosen, facts)
    decision = Decision(
        verdict=Verdict.ALLOWED,
        rule=BUILT_IN,
        code="ok",
        allowed=allowed,
        deadline=deadline,
        bonus_percent=Decimal(str(get("bonus_percent", ZERO))),
        fee_percent=ZERO if fault else Decimal(str(get("fee_percent", ZERO))),  # never charge for our fault
        keep_item=keep_item,
        replace_now=replace_now,
        require_photos=bool(get("require_photos", False)),
        why=why,
    )

    def settle(verdict: str, code: str, rule: Rule | None, name: str = "") -> Decision:
        decision.verdict, decision.code = verdict, code
        decision.rule = name or (rule.name if rule else BUILT_IN)
        decision.explanation = rule.explanation if rule else ""
        return decision

    if get("returnable", True) is False:
        return settle(Verdict.REFUSED, "not_returnable", by("returnable"))
    if deadline is not None and facts.today > deadline:
        return settle(Verdict.REFUSED, "window_closed", window_rule)
    if not allowed:
        return settle(Verdict.REFUSED, "not_returnable", by("outcomes"))
    no_return = keep_item and facts.reason != Reason.LOST
    if no_return and policy.no_return_limit and facts.no_return_used >= policy.no_return_limit:
        decision.keep_item = decision.replace_now = False
        return settle(Verdict.REVIEW, "limit", None, LIMIT_RULE)
    if get("auto_approve", True) is False:
        return settle(Verdict.REVIEW, "review", by("auto_approve"))
    if replace_now:
        return settle(Verdict.ALLOWED, "replace", by("replace_now"))
    return settle(Verdict.ALLOWED, "ok", by("auto_approve") or by("outcomes") or window_rule)


def _deadline(chosen: dict[str, tuple[object, Rule | None]], facts: Facts) -> tuple[date | None, Rule | None]:
    candidates: list[tuple[date, Rule | None]] = []
    days, days_rule = chosen.get("window_days", (DEFAULT_WINDOW_DAYS, None))
    start = facts.delivered_on or facts.placed_on
    candidates.append((start + timedelta(days=int(days)), days_rule))  # type: ignore[call-overload]
    if "window_until" in chosen:
        until, until_rule = chosen["window_until"]
        candidates.append((_next(until, facts.placed_on), until_rule))  # type: ignore[arg-type]
    return max(candidates, key=lambda c: c[0])


# --- the rules of a store -----------------------------------------------------------------


def default_rules(store: Store) -> list[ReturnRule]:
    """The built-in policy a merchant starts from and may change in the admin."""
    fault = [r.value for r in STORE_FAULT]
    return [
        ReturnRule(
            store=store,
            position=10,
            name="Final sale",
            product_tags=["final-sale"],
            reasons=[r.value for r in Reason if r not in STORE_FAULT],
            returnable=Tristate.NO,
            explanation="Final-sale items can be returned only if they are faulty.",
        ),
        ReturnRule(
            store=store,
            position=20,
            name="Small faulty items: replaced at once",
            reasons=fault,
            price_max=Decimal("30.00"),
            replace_now=Tristate.YES,
            keep_item=Tristate.YES,
            auto_approve=Tristate.YES,
            outcomes=[Outcome.REPLACEMENT, Outcome.EXCHANGE, Outcome.STORE_CREDIT, Outcome.REFUND],
            explanation="We are sorry: a replacement is on its way, and you need not send anything back.",
        ),
        ReturnRule(
            store=store,
            position=30,
            name="Faulty items",
            reasons=fault,
            auto_approve=Tristate.YES,
            outcomes=[Outcome.REPLACEMENT, Outcome.EXCHANGE, Outcome.STORE_CREDIT, Outcome.REFUND],
            window_days=90,
        ),
        ReturnRule(
            store=store,
            position=40,
            name="Worth less than the return shipping",
            below_return_shipping=True,
            keep_item=Tristate.YES,
            explanation="Keep the item: sending it back would cost more than it is worth.",
        ),
        ReturnRule(
            store=store,
            position=50,
            name="Holiday window",
            placed_from="11-01",
            placed_until="12-31",
            window_until="01-31",
            explanation="Orders placed in November and December can be returned until 31 January.",
        ),
        ReturnRule(
            store=store,
            position=100,
            name="Standard",
            returnable=Tristate.YES,
            window_days=DEFAULT_WINDOW_DAYS,
            outcomes=list(DEFAULT_OUTCOMES),
            bonus_percent=Decimal("10"),
            restocking_fee_percent=Decimal("0"),
            auto_approve=Tristate.YES,
        ),
    ]


def settings_for(store: Store) -> ReturnSettings:
    """The store's return settings; the first call installs them and the default rules."""
    found = ReturnSettings.objects.filter(store=store).first()
    if found is not None:
        return found
    with transaction.atomic():
        found, created = ReturnSettings.objects.get_or_create(store=store)
        if created and not ReturnRule.objects.filter(store=store).exists():
            ReturnRule.objects.bulk_create(default_rules(store))
    return found


def policy_for(store: Store) -> Policy:
    rules = settings_for(store)
    rows = ReturnRule.objects.filter(store=store, enabled=True).order_by("position", "id")
    return Policy(
        rules=tuple(Rule.of(row) for row in rows),
        shipping_cost=rules.return_shipping_cost,
        no_return_limit=rules.no_return_limit,
    )
