from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebchatChannelConfig(AppConfig):
    name = "stay.channels.webchat"
    label = "channel_webchat"
    verbose_name = _("Web chat")
