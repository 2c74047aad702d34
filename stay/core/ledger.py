"""What every ledger in Stay keeps (gift cards' money, loyalty's points; docs/adr/0017):

- entries are appended, never changed or deleted: a mistake is undone by a reversing movement.
  The model refuses a second ``save`` (:class:`AppendOnly`) and the database refuses an UPDATE
  (and, on PostgreSQL, a DELETE) by a trigger (:func:`append_only`, used in migrations);
- a balance is a cache of the sum of its entries, changed in the same transaction under the
  owner's row lock, with a CHECK constraint as the last guard;
- each movement carries one idempotency key per cause, unique in the database.
"""

from typing import Any

from django.db import migrations, models


class AppendOnly(models.Model):
    """A ledger entry: saved once."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("ledger entries are append-only: post a reversing movement instead")
        super().save(*args, **kwargs)


def append_only(app: str, table: str, *, message: str) -> migrations.RunPython:
    """A migration operation: the database refuses to change ``table``'s rows. (SQLite refuses
    updates only: Django's test flush deletes rows.)"""
    function, trigger = f"{app}_refuse_change", f"{table}_append_only"
    sqlite = [f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {table} BEGIN SELECT RAISE(ABORT, '{message}'); END"]
    postgres = [
        f"""CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
           BEGIN RAISE EXCEPTION '{message}'; END $$""",
        f"""CREATE TRIGGER {trigger} BEFORE UPDATE OR DELETE ON {table}
           FOR EACH ROW EXECUTE FUNCTION {function}()""",
    ]
    undo = {
        "sqlite": [f"DROP TRIGGER IF EXISTS {trigger}"],
        "postgresql": [f"DROP TRIGGER IF EXISTS {trigger} ON {table}", f"DROP FUNCTION IF EXISTS {function}()"],
    }

    def forwards(apps: Any, schema_editor: Any) -> None:
        for sql in postgres if schema_editor.connection.vendor == "postgresql" else sqlite:
            schema_editor.execute(sql)

    def backwards(apps: Any, schema_editor: Any) -> None:
        for sql in undo.get(schema_editor.connection.vendor, undo["sqlite"]):
            schema_editor.execute(sql)

    return migrations.RunPython(forwards, backwards)
