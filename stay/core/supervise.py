"""`stay serve`'s children kept running: a child that exits (killed, crashed) is started again
with backoff, and the restart is logged. Small on purpose: the serve command's few processes
need nothing a full process manager adds (ADR 0003)."""

import logging
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger("stay.serve")

# Backoff after a child exits: 1 s, doubling up to a minute; a child that then ran a minute
# without exiting starts again from 1 s.
FIRST_WAIT, MAX_WAIT, STEADY_AFTER = 1.0, 60.0, 60.0


@dataclass
class Child:
    name: str
    argv: Sequence[str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    wait: float = FIRST_WAIT
    due_at: float = 0.0  # when a stopped child is started again
    restarts: int = field(default=0)

    def start(self) -> None:
        self.process = subprocess.Popen(list(self.argv))  # noqa: S603  (our own interpreter and modules)
        self.started_at = time.monotonic()
        log.info("%s started (pid %s)", self.name, self.process.pid)


class Supervisor:
    """Start the children, restart any that exits, stop them all on SIGTERM or SIGINT."""

    def __init__(self, children: list[Child], poll_seconds: float = 0.5) -> None:
        self.children = children
        self.poll_seconds = poll_seconds
        self.stopping = False

    def stop(self, signum: int | None = None, frame: object = None) -> None:
        self.stopping = True
        for child in self.children:
            if child.process is not None and child.process.poll() is None:
                child.process.send_signal(signal.SIGTERM)  # each finishes what it is doing, then exits

    def run(self) -> None:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        for child in self.children:
            child.start()
        try:
            while not self.stopping:
                self._tend(time.monotonic())
                time.sleep(self.poll_seconds)
        finally:
            self.stop()
            for child in self.children:
                if child.process is None:
                    continue
                try:
                    child.process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    child.process.kill()

    def _tend(self, now: float) -> None:
        for child in self.children:
            if child.process is None:
                if now >= child.due_at:
                    child.restarts += 1
                    child.start()
                continue
            code = child.process.poll()
            if code is None:
                if now - child.started_at > STEADY_AFTER:
                    child.wait = FIRST_WAIT
                continue
            log.error(
                "%s (pid %s) exited with %s; starting it again in %.0f s",
                child.name,
                child.process.pid,
                code,
                child.wait,
            )
            child.process, child.due_at = None, now + child.wait
            child.wait = min(child.wait * 2, MAX_WAIT)
