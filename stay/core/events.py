"""A tiny in-process bus so a lower app can wake a higher one without importing it.

A lower app calls ``publish("order.paid", order_id=...)`` inside its transaction; subscribers
(registered in a higher app's ``AppConfig.ready()``) run after the commit, so they never see
data that is later rolled back. No Django signals: the flow stays explicit and greppable.
"""

import logging
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

log = logging.getLogger(__name__)
Handler = Callable[..., Any]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(name: str, handler: Handler) -> None:
    if handler not in _subscribers[name]:
        _subscribers[name].append(handler)


def unsubscribe(name: str, handler: Handler) -> None:
    if handler in _subscribers[name]:
        _subscribers[name].remove(handler)


def publish(name: str, **payload: Any) -> None:
    """Deliver ``payload`` to every subscriber of ``name`` once the current transaction commits."""
    for handler in list(_subscribers.get(name, ())):
        transaction.on_commit(partial(_deliver, name, handler, payload))


def _deliver(name: str, handler: Handler, payload: dict[str, Any]) -> None:
    try:
        handler(**payload)
    except Exception:
        # One failing subscriber must not stop the others, nor the request that published.
        log.exception("subscriber %r of %s failed", handler, name)
