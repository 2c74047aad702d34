"""The database refuses to change a points entry (core.ledger): a reversing movement corrects."""

from django.db import migrations

from stay.core.ledger import append_only


class Migration(migrations.Migration):
    dependencies = [("loyalty", "0001_initial")]
    operations = [
        append_only("loyalty", "loyalty_pointsentry", message="points entries are append-only: post a reversing movement")
    ]
