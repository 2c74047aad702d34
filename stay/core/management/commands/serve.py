import os
import signal
import subprocess
import sys

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve Stay: the ASGI web server (uvicorn) and the background worker (huey) together."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("STAY_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("STAY_PORT", "8000")))
        parser.add_argument("--workers", type=int, default=1, help="Web server processes.")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the background worker.")

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        import uvicorn

        worker = None
        if not o["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "stay", "run_huey"])
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        self.stdout.write(f"Serving on http://{o['host']}:{o['port']}  (admin /admin, API docs /api/docs)")
        try:
            uvicorn.run(
                "stay.asgi:application",
                host=o["host"],
                port=o["port"],
                workers=o["workers"],
                log_level="info",
                proxy_headers=True,
            )
        finally:
            if worker is not None and worker.poll() is None:
                worker.send_signal(signal.SIGTERM)  # huey finishes the running task, then exits
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()
