from django.conf import settings
from django.core.management.base import BaseCommand

from stay.channels.email.smtpd import serve_forever


class Command(BaseCommand):
    help = "Receive email for the stores' mailboxes over SMTP and file it in the inbox."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=settings.SMTPD_HOST, help="Address to listen on (default 127.0.0.1).")
        parser.add_argument("--port", type=int, default=settings.SMTPD_PORT, help="Port (default 2525).")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        self.stdout.write(f"SMTP server listening on {o['host']}:{o['port']}")
        self.stdout.flush()
        serve_forever(o["host"], o["port"])
