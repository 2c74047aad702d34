"""Loyalty's jobs: the orders' points due, worked off in batches; release when windows close;
the daily look at tiers and expiry."""

import time

from huey import crontab

from stay.core.tasks import Coalesced, periodic_task, task

from . import rewards, services, shipping

BATCH = 500
DRAIN_SECONDS = 50


def drain(work, limit: int = BATCH) -> int:  # type: ignore[no-untyped-def]
    """Run ``work(limit=…)`` until it takes less than a batch (or for ``DRAIN_SECONDS``)."""
    started, total = time.monotonic(), 0
    while time.monotonic() - started < DRAIN_SECONDS:
        taken = work(limit=limit)
        total += taken
        if taken < limit:
            break
    return total


@task(retries=0)
def apply_due() -> int:
    return drain(services.points_apply_due)


# A burst of webhooks asks for one batch job, not one job per order.
apply_soon = Coalesced(apply_due, window=0.5)


@task(retries=0)
def codes_due() -> int:
    return drain(rewards.codes_request, limit=rewards.CODES_BATCH)


# Redemptions at a rush ask for their codes together.
codes_soon = Coalesced(codes_due, window=0.5)


@periodic_task(crontab(minute="*"))
def apply_every_minute() -> int:
    """What a lost job left behind (the rows are committed with their orders and redemptions)."""
    return drain(services.points_apply_due) + drain(rewards.codes_request, limit=rewards.CODES_BATCH)


@periodic_task(crontab(minute="*/15"))
def release_due() -> int:
    return drain(services.points_release_due)


@periodic_task(crontab(minute="*/15"))
def tier_shipping() -> int:
    """Each free-shipping tier's members, pushed to the platform when they changed."""
    return shipping.tier_shipping_sync()


@periodic_task(crontab(hour="4", minute="41"))
def tiers_daily() -> int:
    return services.tiers_review()


@periodic_task(crontab(hour="5", minute="13"))
def expiry_daily() -> int:
    """Daily: points expire on their day (never sooner); the warnings' hour is the gate's."""
    return services.points_expire_due()


@periodic_task(crontab(hour="6", minute="7"))
def birthdays_daily() -> int:
    return services.birthdays_due()
