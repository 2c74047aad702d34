"""The database itself refuses to change or delete a ledger entry: a mistake is corrected by a
reversing transaction. (SQLite refuses updates only: Django's test flush deletes rows.)"""

from django.db import migrations

SQLITE = [
    """CREATE TRIGGER giftcards_ledgerentry_append_only BEFORE UPDATE ON giftcards_ledgerentry
       BEGIN SELECT RAISE(ABORT, 'ledger entries are append-only: post a reversing transaction'); END""",
]
SQLITE_UNDO = ["DROP TRIGGER IF EXISTS giftcards_ledgerentry_append_only"]

POSTGRES = [
    """CREATE FUNCTION giftcards_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN RAISE EXCEPTION 'ledger entries are append-only: post a reversing transaction'; END $$""",
    """CREATE TRIGGER giftcards_ledgerentry_append_only BEFORE UPDATE OR DELETE ON giftcards_ledgerentry
       FOR EACH ROW EXECUTE FUNCTION giftcards_refuse_change()""",
]
POSTGRES_UNDO = [
    "DROP TRIGGER IF EXISTS giftcards_ledgerentry_append_only ON giftcards_ledgerentry",
    "DROP FUNCTION IF EXISTS giftcards_refuse_change()",
]


def forwards(apps, schema_editor):
    statements = POSTGRES if schema_editor.connection.vendor == "postgresql" else SQLITE
    for sql in statements:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    statements = POSTGRES_UNDO if schema_editor.connection.vendor == "postgresql" else SQLITE_UNDO
    for sql in statements:
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("giftcards", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
