"""Issue 18 #6: after PostgreSQL restarted, pooled connections were dead and requests got 500
until each was tried and dropped. Pooled connections are checked before they are lent."""

import pytest
from django.db import connection

from stay.core.models import Store


@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_killed_by_a_restart_costs_no_request():
    if connection.vendor != "postgresql":
        return  # SQLite has no server to restart: nothing to check on it
    import psycopg

    settings = connection.settings_dict
    assert Store.objects.count() == 0
    connection.close()  # back to the pool, where a restart will kill it
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        killed = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [settings["NAME"]],
        ).fetchone()[0]
    assert killed >= 1
    assert Store.objects.count() == 0  # a fresh connection, not an OperationalError
