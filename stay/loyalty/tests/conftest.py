"""A store with its loyalty programme on: 1 point per dollar, orders' points pending until the
return window closes, a reward of each kind."""

from decimal import Decimal

import pytest

from stay.loyalty.models import Reward, RewardKind
from stay.loyalty.services import settings_for


@pytest.fixture
def programme(store):
    settings = settings_for(store)
    settings.enabled = True
    settings.save()
    return settings


@pytest.fixture
def rewards(store):
    return {
        kind: Reward.objects.create(store=store, name=name, kind=kind, points=points, value=Decimal(value))
        for kind, name, points, value in (
            (RewardKind.AMOUNT, "$10 off", 100, "10"),
            (RewardKind.PERCENT, "15% off", 150, "15"),
            (RewardKind.FREE_SHIPPING, "Free shipping", 80, "0"),
            (RewardKind.CREDIT, "$5 store credit", 50, "5"),
        )
    }
