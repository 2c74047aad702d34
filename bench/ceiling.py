"""The machine's own ceiling for the PostgreSQL benches: pgbench's TPC-B-like rate on the same
server, in the same run (these machines drift up to 2x by the hour, so a bench's figure is
quoted beside it and as a ratio to it)."""

import os
import re
import subprocess

import psycopg

SERVER = "postgres://postgres@127.0.0.1:5432"


def fresh(name: str) -> None:
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def pgbench(clients: int, seconds: int) -> float:
    """TPC-B-like transactions per second with ``clients`` clients for ``seconds`` seconds."""
    fresh("stay_pgbench")
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    subprocess.run(["pgbench", "-i", "-q", "-s", "10", "stay_pgbench"], check=True, env=env, capture_output=True)
    run = subprocess.run(
        ["pgbench", "-c", str(clients), "-j", "2", "-T", str(seconds), "-n", "stay_pgbench"],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    match = re.search(r"tps = ([\d.]+)", run.stdout)
    assert match, run.stdout
    return float(match.group(1))


def django_on(name: str) -> None:
    """Django set up on a fresh PostgreSQL database ``name``, migrated, with a data directory
    of its own: what a bench of the served path starts from."""
    import tempfile

    fresh(name)
    os.environ["DATABASE_URL"] = f"{SERVER}/{name}"
    os.environ["STAY_DATA_DIR"] = tempfile.mkdtemp(prefix=f"{name}-")
    os.environ["STAY_LOG_LEVEL"] = "WARNING"
    os.environ["DJANGO_SETTINGS_MODULE"] = "stay.settings.base"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
