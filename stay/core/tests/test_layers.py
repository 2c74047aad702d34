"""The in-process channel layer: pushes from other threads arrive, sweeps are rationed."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from channels.layers import InMemoryChannelLayer

from stay.core.layers import InProcessLayer


def test_a_push_from_a_database_thread_reaches_its_group_only():
    layer = InProcessLayer()
    layer.push_soon("conversation.7", {"type": "message.changed", "message_id": 1})  # no loop yet: dropped

    async def watch() -> tuple[dict, bool]:
        channel = await layer.new_channel()
        await layer.group_add("conversation.7", channel)

        def database_thread() -> None:  # what a commit hook does: hand over and return at once
            layer.push_soon("conversation.8", {"type": "message.changed", "message_id": 41})
            layer.push_soon("conversation.7", {"type": "message.changed", "message_id": 42})

        pusher = threading.Thread(target=database_thread)
        pusher.start()
        pusher.join(5)
        first = await asyncio.wait_for(layer.receive(channel), 5)
        await asyncio.sleep(0.05)  # anything else handed over has arrived by now
        return first, channel in layer.channels

    # A loop of its own in a thread of its own: a browser test may leave one running in this one.
    with ThreadPoolExecutor(1) as own:
        first, more_waiting = own.submit(asyncio.run, watch()).result(10)
    assert first["message_id"] == 42  # neither the push before the loop nor another group's
    assert not more_waiting


def test_expired_entries_are_swept_at_most_once_a_second(monkeypatch):
    layer = InProcessLayer()
    swept = []
    monkeypatch.setattr(InMemoryChannelLayer, "_clean_expired", lambda self: swept.append(1))
    for _ in range(100):
        layer._clean_expired()
    assert swept == [1]
    layer._swept -= layer.sweep_every
    layer._clean_expired()
    assert swept == [1, 1]
