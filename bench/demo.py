"""Time `stay demo` on the embedded SQLite database (run by hand; not part of `make test`).

    python bench/demo.py            # the full demo: 200 products, 3,000 people, 10,000 orders

Target (issues 2 and 19): under a minute on SQLite. The machine's own ceiling, from the same
run: plain sqlite3 inserting one row per statement in one transaction on the same disk; the
bench prints how long the demo's rows would take at that rate and the ratio to it.
"""

import os
import resource
import sqlite3
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
    rows = _rows(Path(data_dir) / "stay.sqlite3")
    rate = _ceiling(Path(data_dir) / "ceiling.sqlite3")
    print(summary)
    print(
        f"stay demo on SQLite: {elapsed:.1f} s wall, peak memory {peak:.0f} MiB, database {size:.0f} MiB "
        f"(target: under 60 s: {'MET' if elapsed < 60 else 'NOT MET'})"
    )
    print(
        f"ceiling (same run, same disk): plain sqlite3 inserts {rate:,.0f} rows/s; the demo's {rows:,} rows at that "
        f"rate: {rows / rate:.1f} s; stay demo takes {elapsed / (rows / rate):.1f}x that"
    )
    return 0


def _rows(path: Path) -> int:
    with sqlite3.connect(path) as db:
        tables = [t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'") if "fts" not in t]
        return sum(db.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables)


def _ceiling(path: Path, n: int = 200_000) -> float:
    """Rows per second that plain sqlite3 inserts here, WAL as Stay uses it."""
    with sqlite3.connect(path) as db:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c TEXT)")
        started = time.perf_counter()
        for i in range(n):
            db.execute("INSERT INTO t (a, b, c) VALUES (?, ?, ?)", (f"row {i}", i, "x" * 40))
        db.commit()
        return n / (time.perf_counter() - started)


if __name__ == "__main__":
    sys.exit(main())
