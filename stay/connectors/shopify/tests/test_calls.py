from datetime import timedelta

import pytest
from django.utils import timezone

from stay.connectors.shopify.calls import platform_call_request
from stay.connectors.shopify.models import CallStatus, PlatformCall
from stay.core.errors import Conflict, InvalidInput
from stay.core.tasks import sweep_now

pytestmark = pytest.mark.django_db

CANCEL = {"order_id": "820982911946154508", "reason": "customer"}


def test_a_call_is_sent_once_after_commit(store, shopify, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call = platform_call_request(
            store=store, action="cancel_order", params=CANCEL, idempotency_key="cancel-1001", requested_by="user:agent"
        )
        assert shopify.calls == []  # nothing leaves before the commit
    call.refresh_from_db()
    assert call.status == CallStatus.SENT and call.attempts == 1 and call.response["cancelled_at"]
    with django_capture_on_commit_callbacks(execute=True):
        again = platform_call_request(
            store=store, action="cancel_order", params=CANCEL, idempotency_key="cancel-1001", requested_by="user:agent"
        )
    assert again.pk == call.pk and len(shopify.calls) == 1
    with pytest.raises(Conflict, match="different call"):
        platform_call_request(
            store=store,
            action="cancel_order",
            params={**CANCEL, "reason": "fraud"},
            idempotency_key="cancel-1001",
            requested_by="user:agent",
        )
    with pytest.raises(InvalidInput, match="action must be one of"):
        platform_call_request(store=store, action="delete_shop", params={}, idempotency_key="x", requested_by="t")


def test_a_server_error_is_retried_later_and_a_client_error_fails(store, shopify, django_capture_on_commit_callbacks):
    shopify.failures = [503]
    with django_capture_on_commit_callbacks(execute=True):
        call = platform_call_request(
            store=store, action="cancel_order", params=CANCEL, idempotency_key="k1", requested_by="t"
        )
    call.refresh_from_db()
    assert call.status == CallStatus.QUEUED and call.attempts == 1 and "503" in call.last_error
    shopify.failures = [422]
    with django_capture_on_commit_callbacks(execute=True):
        bad = platform_call_request(
            store=store, action="create_order", params={"line_items": []}, idempotency_key="k2", requested_by="t"
        )
    bad.refresh_from_db()
    assert bad.status == CallStatus.FAILED


def test_the_sweep_sends_what_a_dead_worker_dropped(store, shopify):
    # A call whose job never ran (the worker died before picking it up): the row is the truth.
    dropped = PlatformCall.objects.create(
        store=store,
        action="adjust_inventory",
        idempotency_key="adj-1",
        params={"inventory_item_id": "342916", "location_id": "1", "delta": -1},
        requested_by="t",
    )
    midway = PlatformCall.objects.create(
        store=store,
        action="cancel_order",
        params=CANCEL,
        idempotency_key="c-2",
        status=CallStatus.SENDING,
        requested_by="t",
    )
    fresh = PlatformCall.objects.create(
        store=store, action="cancel_order", params=CANCEL, idempotency_key="c-3", requested_by="t"
    )
    long_ago = timezone.now() - timedelta(minutes=10)
    PlatformCall.objects.filter(pk__in=[dropped.pk, midway.pk]).update(updated_at=long_ago)

    counts = sweep_now()

    assert counts["shopify.platform_calls"] == 1
    dropped.refresh_from_db(), midway.refresh_from_db(), fresh.refresh_from_db()
    assert dropped.status == CallStatus.SENT and dropped.response["available"] == -1
    assert midway.status == CallStatus.UNKNOWN  # never sent twice: a person checks the platform
    assert fresh.status == CallStatus.QUEUED  # its job may still be in the queue
    assert [path for _, path, _ in shopify.calls] == ["/inventory_levels/adjust.json"]
