"""`stay check`: a store whose returns have nowhere to go offers no return labels."""

from typing import Any

from django.core.checks import CheckMessage, Warning, register
from django.db import DatabaseError

from stay.core.models import Store

from .models import ReturnSettings


@register("stay", "database")
def return_labels(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not databases:
        return []  # this check reads the stores: only when asked to look at the database
    try:
        ready = {r.store_id for r in ReturnSettings.objects.all() if r.labels_ready}
        missing = [s.name for s in Store.objects.exclude(pk__in=ready).order_by("name")[:20]]
    except DatabaseError:
        return []  # not migrated yet
    if not missing:
        return []
    return [
        Warning(
            f"No return labels for {', '.join(missing)}: the return address or carrier is not set.",
            hint="Set them in the admin under Returns → Return settings; approved returns ask an agent meanwhile.",
            id="stay.W002",
        )
    ]
