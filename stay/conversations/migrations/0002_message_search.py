"""Full-text search over messages: PostgreSQL's own (a GIN index on a tsvector), SQLite's
FTS5 (an external-content table kept current by triggers). Trigram tokens on SQLite find
Korean words inside longer ones (배송 in 배송이), which a word tokenizer would miss."""

from django.db import migrations

SQLITE_UP = [
    """CREATE VIRTUAL TABLE conversations_message_fts USING fts5(
        text, content='conversations_message', content_rowid='id', tokenize='trigram')""",
    """CREATE TRIGGER conversations_message_fts_ai AFTER INSERT ON conversations_message BEGIN
        INSERT INTO conversations_message_fts(rowid, text) VALUES (new.id, new.text); END""",
    """CREATE TRIGGER conversations_message_fts_ad AFTER DELETE ON conversations_message BEGIN
        INSERT INTO conversations_message_fts(conversations_message_fts, rowid, text) VALUES('delete', old.id, old.text); END""",
    """CREATE TRIGGER conversations_message_fts_au AFTER UPDATE OF text ON conversations_message BEGIN
        INSERT INTO conversations_message_fts(conversations_message_fts, rowid, text) VALUES('delete', old.id, old.text);
        INSERT INTO conversations_message_fts(rowid, text) VALUES (new.id, new.text); END""",
    "INSERT INTO conversations_message_fts(conversations_message_fts) VALUES('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS conversations_message_fts_ai",
    "DROP TRIGGER IF EXISTS conversations_message_fts_ad",
    "DROP TRIGGER IF EXISTS conversations_message_fts_au",
    "DROP TABLE IF EXISTS conversations_message_fts",
]
POSTGRES_UP = [
    # The same expression Django's SearchVector("text", config="simple") writes, so it is used.
    "CREATE INDEX IF NOT EXISTS msg_text_search ON conversations_message "
    "USING gin (to_tsvector('simple'::regconfig, COALESCE(text, '')))",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS msg_text_search"]


def run(statements_by_vendor):
    def apply(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return apply


class Migration(migrations.Migration):
    dependencies = [("conversations", "0001_initial")]

    operations = [
        migrations.RunPython(
            run({"sqlite": SQLITE_UP, "postgresql": POSTGRES_UP}),
            run({"sqlite": SQLITE_DOWN, "postgresql": POSTGRES_DOWN}),
        )
    ]
