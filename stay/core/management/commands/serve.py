import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand

from stay.core.supervise import Child, Supervisor


class Command(BaseCommand):
    help = (
        "Serve Stay: the web app, the chat widget's websockets and the background worker together. "
        "HTTP is served by gunicorn (WSGI) worker processes, websockets by uvicorn (ASGI) on the next "
        "port; see docs/adr/0003-serve-http-with-gunicorn.md and 0006-websockets-beside-gunicorn.md."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("STAY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("STAY_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("STAY_WEB_WORKERS", str(2 * (os.cpu_count() or 1)))),
            help="Web server processes (default: two per core).",
        )
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")
        parser.add_argument(
            "--ws-port",
            type=int,
            default=int(os.environ.get("STAY_WEBSOCKET_PORT", "0")) or None,
            help="Port of the websocket server for the chat widget (default: --port + 1).",
        )
        parser.add_argument("--smtpd", action="store_true", help="Also receive email over SMTP (see `stay smtpd`).")
        parser.add_argument(
            "--smtpd-port",
            type=int,
            default=int(os.environ.get("STAY_SMTPD_PORT", "0")) or None,
            help="Port of the built-in mail server (default 2525; see STAY_SMTPD_PORT).",
        )

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        python = sys.executable
        ws_port = o["ws_port"] or o["port"] + 1
        # One setting moves everything: the children read where they are from the environment
        # (the web server's links, the widget's websocket, the mail server's port).
        os.environ.update(STAY_HOST=o["host"], STAY_PORT=str(o["port"]), STAY_WEBSOCKET_PORT=str(ws_port))
        if o["smtpd_port"]:
            os.environ["STAY_SMTPD_PORT"] = str(o["smtpd_port"])
        children = []
        if not o["no_worker"]:
            children.append(Child("background worker", [python, "-m", "stay", "run_huey"]))
        # One process: the in-process channel layer pushes to every socket it holds. With
        # STAY_CHANNEL_LAYER=redis, run more (STAY_WEBSOCKET_WORKERS).
        children.append(
            Child(
                "websocket server",
                [
                    python,
                    "-m",
                    "uvicorn",
                    "stay.asgi:application",
                    "--host",
                    o["host"],
                    "--port",
                    str(ws_port),
                    "--workers",
                    os.environ.get("STAY_WEBSOCKET_WORKERS", "1"),
                    "--no-access-log",
                    "--ws",
                    "websockets-sansio",
                ],
            )
        )
        if o["smtpd"]:
            children.append(Child("mail server", [python, "-m", "stay", "smtpd"]))
        children.append(
            Child(
                "web server",
                [
                    python,
                    "-m",
                    "gunicorn",
                    "stay.wsgi:application",
                    "--bind",
                    f"{o['host']}:{o['port']}",
                    "--workers",
                    str(o["workers"]),
                    "--worker-class",
                    "gthread",
                    "--threads",
                    "4",
                    "--access-logfile",
                    "-",
                    "--forwarded-allow-ips",
                    os.environ.get("STAY_FORWARDED_ALLOW_IPS", "127.0.0.1"),
                    # Each instance its own (two on one machine must not share the default one).
                    "--control-socket",
                    str(settings.DATA_DIR / "gunicorn.ctl"),
                ],
            )
        )
        public = os.environ.get("STAY_PUBLIC_URL") or f"http://{o['host']}:{o['port']}"
        self.stdout.write(f"Serving on {public}  (inbox /console/, admin /admin/, API docs /api/docs)")
        self.stdout.write(f"Chat widget websockets on ws://{o['host']}:{ws_port}")
        if o["smtpd"]:
            self.stdout.write(f"Receiving mail on port {os.environ.get('STAY_SMTPD_PORT', '2525')}")
        self.stdout.write("Each process is started again if it stops (see /readyz for whether Stay keeps up).")
        self.stdout.flush()
        Supervisor(children).run()
