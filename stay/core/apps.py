from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "stay.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from datetime import timedelta

        from .events import sweep_events
        from .ratelimit import rate_forget_before
        from .tasks import register_sweeper

        register_sweeper("events", sweep_events)
        # Counters of windows that ended a day ago count nothing any more.
        register_sweeper("rate counters", lambda stale_before: rate_forget_before(stale_before - timedelta(days=1)))
