"""What one enqueue costs on the embedded job queue (run by hand; not part of `make test`).

    python bench/jobqueue.py [--jobs 2000]

Huey's own SQLite queue (synchronous=FULL: the log is flushed to disk on every enqueue) beside
Stay's ``core.queue.EmbeddedQueue`` (synchronous=NORMAL, like Stay's database), each on a new
file in the same directory as the data.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from huey import SqliteHuey  # noqa: E402

from stay.core.queue import EmbeddedQueue  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=ROOT / "var" if (ROOT / "var").exists() else None) as directory:
        for name, kind in (("huey SqliteHuey", SqliteHuey), ("Stay EmbeddedQueue", EmbeddedQueue)):
            queue = kind(name.split()[1], filename=str(Path(directory) / f"{name.split()[1]}.sqlite3"))
            payload = b"x" * 300  # about the size of a pickled job message
            started = time.perf_counter()
            for _ in range(args.jobs):
                queue.storage.enqueue(payload)
            per_job = (time.perf_counter() - started) / args.jobs * 1000
            print(f"{name:20s} {per_job:.3f} ms per enqueue ({args.jobs} jobs)")


if __name__ == "__main__":
    main()
