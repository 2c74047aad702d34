import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Serve Stay: the web app and the background worker together. HTTP is served by gunicorn "
        "(WSGI) worker processes; see docs/adr/0003-serve-http-with-gunicorn.md for why."
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

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        children = []
        if not o["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "stay", "run_huey"])
            children.append(worker)
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        self.stdout.write(f"Serving on http://{o['host']}:{o['port']}  (admin /admin, API docs /api/docs)")
        self.stdout.flush()
        web = subprocess.Popen(  # noqa: S603
            [
                sys.executable,
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
            ],
        )
        children.append(web)

        def stop(signum, frame):  # type: ignore[no-untyped-def]
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)  # each finishes what it is doing, then exits

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            web.wait()
        finally:
            stop(None, None)
            for child in children:
                try:
                    child.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.kill()
