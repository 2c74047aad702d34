"""Outreach's test settings: no quiet hours and no holdout, so the flows' tests hold at any
hour and every shopper is messaged (the gate's own tests freeze the clock instead)."""

import pytest

from stay.flows.services import outreach_prepare

SHOP = "https://shop.summit.test"


@pytest.fixture
def outreach(store):
    settings = outreach_prepare(store=store)
    settings.quiet_start, settings.holdout_percent, settings.shop_url = settings.quiet_end, 0, SHOP
    settings.save()
    return settings
