"""32 redemptions at once on one balance never overspend, and one key sent by 32 threads
redeems once. Real threads, each with its own connection, on SQLite and on PostgreSQL."""

from decimal import Decimal

import pytest

from stay.customers.models import Customer
from stay.giftcards.models import GiftCard
from stay.giftcards.tests.test_concurrency import run_all
from stay.loyalty.models import Member, Redemption, Reward, RewardKind
from stay.loyalty.rewards import reward_redeem
from stay.loyalty.services import balances_sum, points_bonus

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def member(store, programme):
    customer = Customer.objects.create(store=store, name="Mina")
    points_bonus(customer=customer, rule="review", key="seed", actor="test", points=1000)
    return customer


@pytest.fixture
def credit(store):
    return Reward.objects.create(store=store, name="$7 credit", kind=RewardKind.CREDIT, points=70, value=Decimal("7"))


def test_32_threads_redeeming_one_balance_never_overspend(member, credit):
    results = run_all(lambda i: reward_redeem(customer=member, reward_id=credit.pk, key=f"r-{i}", actor="t"))
    made = [r for r in results if isinstance(r, Redemption)]
    assert all(isinstance(r, Redemption) or r == "not_enough_points" for r in results), results
    assert len(made) == 14  # 1000 // 70
    balance = Member.objects.get(customer=member)
    assert balance.available == 1000 - 14 * 70 == balances_sum(balance)["available"]
    assert GiftCard.objects.get(customer=member).balance == Decimal("98.00")


def test_one_key_sent_by_32_threads_redeems_once(member, credit):
    results = run_all(lambda i: reward_redeem(customer=member, reward_id=credit.pk, key="same", actor="t"))
    assert all(isinstance(r, Redemption) for r in results), results
    assert len({r.pk for r in results}) == 1
    assert Member.objects.get(customer=member).available == 930
