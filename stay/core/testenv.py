"""Checked by `make test` before the suite: the tools the tests need are here, or say how to get them.

`make test` installs what is missing from Debian's packages first (see the Makefile). Under
CI=true a missing tool is a failure, never a skip.
"""

import os
import shutil
import sys

import psycopg

# Tools the suite drives for real, and the Debian package that brings each.
TOOLS = {
    "chromium": "chromium",
    "swaks": "swaks",
    "pdftoppm": "poppler-utils",
    "zbarimg": "zbar-tools",
    "xgettext": "gettext",
}


def missing_tools() -> list[str]:
    return [package for tool, package in TOOLS.items() if shutil.which(tool) is None]


def main() -> int:
    if sys.argv[1:] == ["--missing"]:
        print(" ".join(missing_tools()))
        return 0
    url = os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.Error as exc:
            print(f"DATABASE_URL is set but PostgreSQL does not answer: {exc}", file=sys.stderr)
            return 1
    if missing := missing_tools():
        command = f"apt-get update && apt-get install -y {' '.join(missing)}"
        if os.environ.get("CI") == "true":
            print(
                f"CI=true and these tools are missing: {', '.join(missing)}. Install them: {command}", file=sys.stderr
            )
            return 1
        print(f"Some tests will be skipped: {', '.join(missing)} missing. Install them: {command}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
