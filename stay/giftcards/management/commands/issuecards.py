import os
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from stay.core.errors import StayError
from stay.core.models import Store
from stay.giftcards.bulk import COLUMNS, gift_cards_issue_bulk, issued_csv
from stay.giftcards.models import Source
from stay.giftcards.services import Caller


class Command(BaseCommand):
    help = (
        "Issue gift cards in bulk from a CSV (a promotion) and write their codes to --out. "
        f"Columns: {', '.join(COLUMNS)}; only amount is required. All or nothing; "
        "running the same file again issues nothing new."
    )

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="The CSV of cards to issue.")
        parser.add_argument("--out", required=True, help="Where to write the codes (CSV); '-' for the screen.")
        parser.add_argument("--store", default="", help="The store's slug (optional when there is one store).")
        parser.add_argument(
            "--source",
            default=Source.PROMOTION,
            choices=[Source.PROMOTION, Source.MANUAL],
            help="promotion (the store's cost) or manual (sold elsewhere).",
        )

    def handle(self, *args, **o):  # type: ignore[no-untyped-def]
        stores = Store.objects.filter(slug=o["store"]) if o["store"] else Store.objects.all()
        if stores.count() != 1:
            raise CommandError("name the store with --store SLUG" if o["store"] == "" else f"no store {o['store']!r}")
        try:
            text = Path(o["file"]).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{o['file']}: {exc}") from exc
        try:
            issued = gift_cards_issue_bulk(
                store=stores.get(),
                text=text,
                source=o["source"],
                caller=Caller(f"cli:{os.environ.get('USER', '')}", "cli"),
            )
        except StayError as exc:
            raise CommandError(f"{o['file']}: {exc}; no card was issued") from exc
        output = issued_csv(issued)
        if o["out"] == "-":
            sys.stdout.write(output)
        else:
            Path(o["out"]).write_text(output)
            os.chmod(o["out"], 0o600)  # the file holds live codes
            self.stderr.write(f"{len(issued)} cards issued; codes in {o['out']}")
