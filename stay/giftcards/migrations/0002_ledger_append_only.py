"""The database itself refuses to change or delete a ledger entry: a mistake is corrected by a
reversing transaction (core.ledger)."""

from django.db import migrations

from stay.core.ledger import append_only


class Migration(migrations.Migration):
    dependencies = [("giftcards", "0001_initial")]
    operations = [
        append_only(
            "giftcards",
            "giftcards_ledgerentry",
            message="ledger entries are append-only: post a reversing transaction",
        )
    ]
