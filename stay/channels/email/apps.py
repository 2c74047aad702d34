from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailChannelConfig(AppConfig):
    name = "stay.channels.email"
    label = "channel_email"
    verbose_name = _("Email")

    def ready(self) -> None:
        from stay.conversations.models import Channel
        from stay.conversations.sending import register_sender
        from stay.core.privacy import register_part

        from . import privacy
        from .sender import EmailSender

        register_sender(Channel.EMAIL, EmailSender())
        from . import checks  # noqa: F401 (registers `stay check`'s mail checks)

        register_part("emails", export=privacy.export, erase=privacy.erase)
