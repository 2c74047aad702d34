"""The policy engine: the built-in rules, a merchant's own rules, and why each decision was made."""

from datetime import date
from decimal import Decimal

import pytest

from stay.returns.models import Outcome, ReturnRule, ReturnSettings, Status, Tristate, Verdict
from stay.returns.policy import LIMIT_RULE, Facts, Policy, Rule, _in_season, decide, policy_for
from stay.returns.services import Pick, return_preview

from .conftest import BUYER, ago, ask, at, gift_recipient, line_of

TODAY = date(2026, 1, 20)


def facts(**kw) -> Facts:
    base = {
        "reason": "too_small",
        "unit_value": Decimal("120"),
        "placed_on": date(2026, 1, 2),
        "delivered_on": date(2026, 1, 5),
        "today": TODAY,
    }
    return Facts(**{**base, **kw})


def one(order, variant, reason="too_small", **kw):
    return return_preview(
        order=order, picks=[Pick(line_of(order, variant).pk, 1, reason, **kw)], gift=kw.pop("gift", False)
    )[0]


def test_standard_window_is_30_days_from_delivery(shop):
    fresh = one(shop.order((shop.jacket_m, 1), placed=ago(20), delivered=ago(18)), shop.jacket_m)
    assert fresh.decision.verdict == Verdict.ALLOWED
    assert fresh.decision.allowed == [Outcome.EXCHANGE, Outcome.SHOP_NOW, Outcome.STORE_CREDIT, Outcome.REFUND]
    assert {o.outcome: o.value for o in fresh.options}[Outcome.STORE_CREDIT] == Decimal("132.00")  # 10% bonus
    assert fresh.decision.why["window_days"] == "Standard"

    # 32 x 24 h back, not 31: across November's change of clocks, 31 x 24 h before 04:00-05:00 UTC
    # is only 30 calendar days in the store's zone (New York), still inside the window.
    late = one(shop.order((shop.jacket_m, 1), placed=ago(50), delivered=ago(32)), shop.jacket_m)
    assert (late.decision.verdict, late.decision.code, late.decision.rule) == (
        Verdict.REFUSED,
        "window_closed",
        "Standard",
    )


def test_holiday_orders_are_returnable_until_31_january(shop):
    order = shop.order((shop.jacket_m, 1), placed=at(2025, 12, 10), delivered=at(2025, 12, 13))
    line = line_of(order, shop.jacket_m)
    in_january = return_preview(order=order, picks=[Pick(line.pk, 1, "too_big")], gift=False, today=date(2026, 1, 30))[
        0
    ]
    assert in_january.decision.verdict == Verdict.ALLOWED
    assert in_january.decision.deadline == date(2026, 1, 31)
    after = return_preview(order=order, picks=[Pick(line.pk, 1, "too_big")], gift=False, today=date(2026, 2, 1))[0]
    assert (after.decision.verdict, after.decision.rule) == (Verdict.REFUSED, "Holiday window")

    # An order placed in October gets the usual 30 days only.
    october = shop.order((shop.jacket_m, 1), placed=at(2025, 10, 20), delivered=at(2025, 10, 23))
    line = line_of(october, shop.jacket_m)
    late = return_preview(order=october, picks=[Pick(line.pk, 1, "too_big")], gift=False, today=date(2025, 11, 30))[0]
    assert (late.decision.verdict, late.decision.deadline) == (Verdict.REFUSED, date(2025, 11, 22))


def test_a_late_december_delivery_keeps_its_full_30_days():
    policy = Policy(rules=tuple(Rule.of(r) for r in _defaults()))
    d = decide(policy, facts(placed_on=date(2025, 12, 30), delivered_on=date(2026, 1, 10), today=date(2026, 2, 5)))
    assert (d.verdict, d.deadline) == (Verdict.ALLOWED, date(2026, 2, 9))


def _defaults():
    from stay.core.models import Store
    from stay.returns.policy import default_rules

    return default_rules(Store(pk=1))


def test_final_sale_is_excluded_unless_faulty(shop):
    order = shop.order((shop.cap, 1))
    refused = one(order, shop.cap, "changed_mind")
    assert (refused.decision.verdict, refused.decision.rule) == (Verdict.REFUSED, "Final sale")
    assert "only if they are faulty" in refused.decision.explanation
    faulty = one(order, shop.cap, "defective")
    assert faulty.decision.verdict == Verdict.ALLOWED


def test_an_item_worth_less_than_return_shipping_is_kept(shop):
    order = shop.order((shop.sticker, 2))
    ret = ask(order, Pick(line_of(order, shop.sticker).pk, 1, "changed_mind"))
    line = ret.lines.get()
    assert line.keep_item and not ret.needs_return
    assert line.why["keep_item"] == "Worth less than the return shipping"
    assert ret.status == Status.RESOLVED  # nothing comes back: credited at once


def test_small_defective_item_is_replaced_at_once_without_a_return(shop):
    order = shop.order((shop.socks, 2))
    ret = ask(order, Pick(line_of(order, shop.socks).pk, 1, "defective"))
    line = ret.lines.get()
    assert (ret.verdict, ret.rule, line.outcome) == (
        Verdict.ALLOWED,
        "Small faulty items: replaced at once",
        Outcome.REPLACEMENT,
    )
    assert line.keep_item and not ret.needs_return
    assert ret.status == Status.RESOLVED
    assert [r["kind"] for r in ret.resolution] == ["replacement_order"]


def test_a_customer_past_the_no_return_limit_gets_an_agent(shop):
    policy_for(shop.store)  # installs the settings
    ReturnSettings.objects.filter(store=shop.store).update(no_return_limit=2)
    for _ in range(2):
        order = shop.order((shop.socks, 1))
        assert ask(order, Pick(line_of(order, shop.socks).pk, 1, "damaged")).status == Status.RESOLVED
    order = shop.order((shop.socks, 1))
    ret = ask(order, Pick(line_of(order, shop.socks).pk, 1, "damaged"))
    assert (ret.verdict, ret.rule, ret.status) == (Verdict.REVIEW, LIMIT_RULE, Status.REQUESTED)
    assert not ret.lines.get().keep_item  # the agent decides whether it comes back
    assert ret.resolution == []


def test_gift_recipient_is_never_offered_a_refund(shop):
    order = shop.order((shop.jacket_m, 1), is_gift=True)
    preview = return_preview(order=order, picks=[Pick(line_of(order, shop.jacket_m).pk, 1, "too_small")], gift=True)[0]
    assert Outcome.REFUND not in preview.decision.allowed
    with pytest.raises(Exception, match=r"not a refund|not offered"):
        ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"), who=gift_recipient())


def test_merchant_rules_run_in_order_and_each_action_names_its_rule(shop):
    policy_for(shop.store)  # installs the defaults
    ReturnRule.objects.create(
        store=shop.store,
        position=5,
        name="Loyal customers: 60 days, 20% bonus",
        customer_min_orders=2,
        window_days=60,
        bonus_percent=Decimal("20"),
    )
    ReturnRule.objects.create(
        store=shop.store,
        position=6,
        name="Restocking fee on jackets",
        product_tags=[],
        skus=["P1-M"],
        restocking_fee_percent=Decimal("15"),
        require_photos=Tristate.NO,
    )
    shop.order((shop.socks, 1), email="mina@example.com")  # a second order makes Mina loyal
    order = shop.order((shop.jacket_m, 1), placed=ago(50), delivered=ago(45))
    preview = one(order, shop.jacket_m)
    d = preview.decision
    assert d.verdict == Verdict.ALLOWED
    assert d.why["window_days"] == d.why["bonus_percent"] == "Loyal customers: 60 days, 20% bonus"
    assert d.why["fee_percent"] == "Restocking fee on jackets"
    assert d.why["outcomes"] == "Standard"
    values = {o.outcome: (o.value, o.bonus, o.fee) for o in preview.options}
    assert values[Outcome.REFUND] == (Decimal("102.00"), Decimal("0.00"), Decimal("18.00"))
    assert values[Outcome.STORE_CREDIT] == (Decimal("144.00"), Decimal("24.00"), Decimal("0.00"))


def test_a_disabled_rule_does_nothing(shop):
    policy_for(shop.store)
    ReturnRule.objects.filter(store=shop.store, name="Final sale").update(enabled=False)
    assert one(shop.order((shop.cap, 1)), shop.cap, "changed_mind").decision.verdict == Verdict.ALLOWED


def test_conditions_each_narrow_a_rule():
    rule = Rule.of(
        ReturnRule(
            name="r",
            reasons=["defective"],
            price_min=Decimal("10"),
            price_max=Decimal("50"),
            gift=Tristate.NO,
            product_types=["apparel"],
            delivered_within_days=20,
            customer_max_returns=2,
            returnable=Tristate.NO,
        )
    )
    ok = facts(reason="defective", unit_value=Decimal("20"), product_type="Apparel")
    assert rule.matches(ok, Decimal("6"))
    for changed in (
        {"reason": "too_big"},
        {"unit_value": Decimal("50")},
        {"unit_value": Decimal("9.99")},
        {"gift": True},
        {"product_type": "Shoes"},
        {"delivered_on": date(2025, 12, 25)},
        {"customer_returns": 3},
        {"delivered_on": None},
    ):
        assert not rule.matches(facts(**{**ok.__dict__, **changed}), Decimal("6")), changed


def test_seasons_may_wrap_the_new_year():
    assert _in_season(date(2026, 1, 5), (12, 15), (1, 10))
    assert _in_season(date(2025, 12, 20), (12, 15), (1, 10))
    assert not _in_season(date(2026, 2, 1), (12, 15), (1, 10))


def test_a_rule_can_hand_every_decision_to_an_agent(shop):
    policy_for(shop.store)
    ReturnRule.objects.create(
        store=shop.store,
        position=1,
        name="Expensive: a person checks",
        price_min=Decimal("100"),
        auto_approve=Tristate.NO,
    )
    order = shop.order((shop.jacket_m, 1))
    ret = ask(order, Pick(line_of(order, shop.jacket_m).pk, 1, "too_small", outcome="refund"))
    assert (ret.status, ret.verdict, ret.rule) == (Status.REQUESTED, Verdict.REVIEW, "Expensive: a person checks")
    assert BUYER.actor in ret.transitions.get().actor
