"""Outreach's jobs: the engine's drain, the restock batches, and the events that start flows."""

import time

from huey import crontab

from stay.core.tasks import Coalesced, periodic_task, task

from . import engine, postpurchase, reminders, services

BATCH = 500
DRAIN_SECONDS = 50


def advance_due() -> int:
    """Advance due enrolments until none is left (or, in the periodic run, for at most
    ``DRAIN_SECONDS``). Any number of workers may run this at once."""
    started, total = time.monotonic(), 0
    while time.monotonic() - started < DRAIN_SECONDS:
        taken = engine.flows_advance(limit=BATCH)
        total += taken
        if taken < BATCH:
            break
    return total


@task(retries=0)
def advance() -> int:
    return advance_due()


advance_soon = Coalesced(advance, window=0.5)


@periodic_task(crontab(minute="*"))
def advance_every_minute() -> int:
    return advance_due() + services.restock_due()


def on_restocked(variant_id: int, available: int = 0) -> None:
    """``variant.restocked`` (durable): the first batch of the line goes at once."""
    if services.restock_release(variant_id=variant_id, first=True):
        advance_soon()


def on_checkout(checkout_id: int) -> None:
    """``checkout.updated`` (durable)."""
    services.checkout_enrol(checkout_id=checkout_id)


@periodic_task(crontab(minute="17"))
def shipping_delays() -> int:
    return postpurchase.shipping_delays()


@periodic_task(crontab(hour="10", minute="23"))
def consent_reminders() -> int:
    return reminders.consent_reminders_due()


@periodic_task(crontab(hour="9", minute="5"))
def anniversaries() -> int:
    return postpurchase.anniversaries()
