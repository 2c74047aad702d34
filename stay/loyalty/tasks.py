"""Loyalty's jobs: points that follow each order's money, release when windows close, tiers."""

from huey import crontab

from stay.core.tasks import periodic_task

from . import services

BATCH = 500


def on_order(order_id: int, **_payload: object) -> None:
    """``order.paid``, ``refund.created``, ``order.cancelled`` (durable)."""
    services.order_points_sync(order_id=order_id)


@periodic_task(crontab(minute="*/15"))
def release_due() -> int:
    total = 0
    while taken := services.points_release_due(limit=BATCH):
        total += taken
        if taken < BATCH:
            break
    return total


@periodic_task(crontab(hour="4", minute="41"))
def tiers_daily() -> int:
    return services.tiers_review()


@periodic_task(crontab(hour="5", minute="13"))
def expiry_daily() -> int:
    return services.points_expire_due()
