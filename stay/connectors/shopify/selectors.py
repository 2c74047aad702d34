"""Reading platform calls: what the order panel and the inbox show of them."""

from collections import defaultdict
from collections.abc import Iterable

from .models import CallStatus, PlatformCall

PENDING = (CallStatus.QUEUED, CallStatus.SENDING)
TROUBLE = (CallStatus.FAILED, CallStatus.UNKNOWN)


def calls_of_orders(order_ids: Iterable[int], *, limit: int = 10) -> dict[int, list[PlatformCall]]:
    """Each order's latest calls, newest first."""
    found: dict[int, list[PlatformCall]] = defaultdict(list)
    for call in PlatformCall.objects.filter(order_id__in=list(order_ids)).order_by("-created_at", "-id"):
        if call.order_id is not None and len(found[call.order_id]) < limit:
            found[call.order_id].append(call)
    return found


def conversations_in_trouble(conversation_ids: Iterable[int]) -> set[int]:
    """Which of these conversations asked for a call that failed or may not have gone through."""
    return set(
        PlatformCall.objects.filter(conversation_id__in=list(conversation_ids), status__in=TROUBLE).values_list(
            "conversation_id", flat=True
        )
    )
