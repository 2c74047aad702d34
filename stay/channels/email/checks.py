"""`stay check`: is there a mail server to send replies through? Without one, e-mail replies wait
in the queue; the agent sees why on each message, and the admin sees it here first."""

import socket
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Warning, register


@register("stay")
def outgoing_mail(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if settings.EMAIL_BACKEND != "django.core.mail.backends.smtp.EmailBackend":
        return []
    where = f"{settings.EMAIL_HOST}:{settings.EMAIL_PORT}"
    try:
        socket.create_connection((settings.EMAIL_HOST, settings.EMAIL_PORT), timeout=3).close()
    except OSError as exc:
        if not settings.SMTP_URL_SET:
            return [
                Warning(
                    f"No outgoing mail server is set up (nothing answers on {where}): e-mail replies, "
                    "surveys and gift cards by e-mail wait in the queue and are not sent.",
                    hint="Set STAY_SMTP_URL, e.g. smtp+tls://user:password@smtp.example.com:587.",
                    id="stay.W001",
                )
            ]
        return [
            Error(
                f"The outgoing mail server in STAY_SMTP_URL cannot be reached ({where}: {exc}).",
                hint="Check its host, port and firewall; e-mail replies wait in the queue until it answers.",
                id="stay.E001",
            )
        ]
    return []
