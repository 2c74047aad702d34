"""The embedded job queue: huey's SQLite queue, with the same durability as Stay's database.

Huey's SQLite storage leaves SQLite at ``synchronous=FULL``, which flushes the write-ahead log
to disk on every enqueue: 0.2-0.8 ms here against 0.02-0.03 ms at ``NORMAL`` (`make
bench-queue`), a tenth or more of the time of filing a chat message. Stay's own database runs
at ``NORMAL`` (settings.SQLITE_OPTIONS): safe against a crash of the process, and on a power
cut only the last commits may be lost. That suffices for the queue too, because a job never
holds the truth: the rows do, and the sweep enqueues again whatever a lost job was for
(``core.tasks``)."""

import sqlite3

from huey import SqliteHuey
from huey.storage import SqliteStorage


class NormalSyncSqliteStorage(SqliteStorage):
    def _create_connection(self) -> sqlite3.Connection:
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class EmbeddedQueue(SqliteHuey):
    storage_class = NormalSyncSqliteStorage
