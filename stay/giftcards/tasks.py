"""Background work for gift cards: delivery at the chosen time, expiry, stale holds."""

from datetime import datetime

from django.utils import timezone

from stay.core.tasks import task

from .models import Authorization, AuthorizationStatus, CardStatus, GiftCard


@task(retries=0)
def recognise_recipients() -> int:
    from .recipients import recognise_waiting

    return recognise_waiting()


@task(retries=3, retry_delay=30)
def deliver_gift_card(card_id: int) -> bool:
    from .delivery import gift_card_deliver

    return gift_card_deliver(card_id=card_id)


def sweep_gift_cards(stale_before: datetime) -> int:
    """Run every minute: send the cards that are due, recognise first-time holders a crash left
    waiting, expire the cards past their date (what is left is breakage), and release holds no
    checkout captured."""
    from .delivery import deliver_due
    from .recipients import recognise_waiting
    from .services import Caller, authorization_expire, gift_card_expire

    now = timezone.now()
    caller = Caller("system:expiry")
    done = deliver_due(now) + recognise_waiting()
    for pk in GiftCard.objects.filter(status=CardStatus.ACTIVE, expires_at__lte=now).values_list("pk", flat=True)[:500]:
        done += gift_card_expire(card_id=pk, caller=caller, now=now)
    held = Authorization.objects.filter(status=AuthorizationStatus.HELD, expires_at__lte=now)
    for pk in held.values_list("pk", flat=True)[:500]:
        done += authorization_expire(authorization_id=pk, caller=caller, now=now)
    return done
