"""Time `stay demo` on the embedded SQLite database (run by hand; not part of `make test`).

    python bench/demo.py            # the full demo: 200 products, 3,000 people, 10,000 orders

Target (issue #2): under a minute on SQLite.
"""

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    data_dir = tempfile.mkdtemp(prefix="stay-demo-")
    env = {**os.environ, "STAY_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT), "STAY_LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    stay = [sys.executable, "-m", "stay"]
    subprocess.run([*stay, "migrate", "-v0"], env=env, check=True)
    started = time.perf_counter()
    result = subprocess.run([*stay, "demo", *sys.argv[1:]], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode:
        print(result.stdout, result.stderr)
        return 1
    summary = next(line for line in result.stdout.splitlines() if line.startswith("Demo store"))
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    size = sum(f.stat().st_size for f in Path(data_dir).glob("stay.sqlite3*")) / 2**20
    print(summary)
    print(
        f"stay demo on SQLite: {elapsed:.1f} s wall, peak memory {peak:.0f} MiB, database {size:.0f} MiB "
        f"(target: under 60 s: {'MET' if elapsed < 60 else 'NOT MET'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
