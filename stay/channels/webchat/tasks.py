"""Web chat's housekeeping."""

from datetime import timedelta

from django.utils import timezone
from huey import crontab

from stay.core.tasks import periodic_task

from .services import visitors_prune

# A visitor who opened the widget and never wrote is forgotten after a week.
IDLE_VISITORS_KEPT = timedelta(days=7)


@periodic_task(crontab(hour="3", minute="41"))
def prune_visitors() -> int:
    return visitors_prune(idle_before=timezone.now() - IDLE_VISITORS_KEPT)
