"""The in-process channel layer: pushes from other threads arrive, sweeps are rationed."""

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

from channels.layers import InMemoryChannelLayer

from stay.core.layers import InProcessLayer


def test_a_push_from_a_database_thread_reaches_the_group_without_waiting():
    layer = InProcessLayer()

    async def watch() -> dict:
        channel = await layer.new_channel()
        await layer.group_add("conversation.7", channel)
        # What a database thread does after commit: hand over and return at once.
        pusher = threading.Thread(
            target=layer.push_soon, args=("conversation.7", {"type": "message.changed", "message_id": 42})
        )
        pusher.start()
        pusher.join(5)
        return await asyncio.wait_for(layer.receive(channel), 5)

    # A loop of its own in a thread of its own: a browser test may leave one running in this one.
    with ThreadPoolExecutor(1) as own:
        assert own.submit(asyncio.run, watch()).result(10)["message_id"] == 42


def test_a_push_to_a_group_nobody_joined_is_dropped():
    layer = InProcessLayer()
    layer.push_soon("conversation.8", {"type": "message.changed"})  # no loop known yet: nothing to do
    assert layer.groups == {}


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
