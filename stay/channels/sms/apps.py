from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SmsChannelConfig(AppConfig):
    name = "stay.channels.sms"
    label = "channel_sms"
    verbose_name = _("SMS")

    def ready(self) -> None:
        from stay.conversations.models import Channel
        from stay.conversations.sending import register_sender

        from .sender import SmsSender

        register_sender(Channel.SMS, SmsSender())
