"""Background work of the inbox: satisfaction surveys and timers (snoozes that end)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from stay.core.tasks import task

from .models import Conversation, ConversationEvent, Status
from .services import csat_request


@task(retries=2, retry_delay=30)
def send_survey(conversation_id: int) -> bool:
    return csat_request(conversation_id=conversation_id) is not None


def wake_snoozed(now: datetime | None = None) -> int:
    """Snoozed conversations whose time has come are open again, at the top of the inbox."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.filter(status=Status.SNOOZED, snoozed_until__lte=now).values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        woke = Conversation.objects.filter(pk=pk, status=Status.SNOOZED).update(
            status=Status.OPEN, snoozed_until=None, last_message_at=now, updated_at=now
        )
        if woke:
            ConversationEvent.objects.create(conversation_id=pk, kind="snooze_ended", actor="system")
    return len(due)


def sweep_timers(stale_before: datetime) -> int:
    """Run once a minute by the core sweep: wake snoozes, and send surveys whose job was lost."""
    woken = wake_snoozed()
    lost_surveys = list(
        Conversation.objects.filter(
            status=Status.RESOLVED,
            csat_requested_at__isnull=True,
            merged_into__isnull=True,
            resolved_at__lt=stale_before - timedelta(seconds=settings.CSAT_DELAY_SECONDS),
            resolved_at__gte=timezone.now() - timedelta(days=1),
        ).values_list("pk", flat=True)[:200]
    )
    for pk in lost_surveys:
        send_survey(pk)
    return woken + len(lost_surveys)
