from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversationsConfig(AppConfig):
    name = "stay.conversations"
    label = "conversations"
    verbose_name = _("Inbox")

    def ready(self) -> None:
        from stay.core.api import register_permission, register_store_guard
        from stay.core.health import backlog_check, register_check
        from stay.core.notify import register_notifier
        from stay.core.privacy import register_part
        from stay.core.tasks import register_sweeper

        from . import limits, notices, privacy, selectors, sending, tasks

        register_store_guard(selectors.store_allowed)
        register_permission("give_value", limits.may_give_value)
        register_notifier(notices.notice_send)
        register_sweeper("outbound messages", sending.sweep_outbound)
        register_check("replies", backlog_check(sending.oldest_unsent))
        register_sweeper("conversation timers", tasks.sweep_timers)
        register_part("conversations", export=privacy.export, erase=privacy.erase)
