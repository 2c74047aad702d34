"""A promotion's cards in bulk: a CSV in, the codes out. All or nothing: one bad line and no
card is issued, with the line named. Running the same file again issues nothing new (each
line's idempotency key comes from the file's digest) and prints the same codes."""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import transaction

from stay.core.errors import InvalidInput, StayError
from stay.core.models import Store

from .codes import code_display, code_from_nonce
from .models import GiftCard, Source
from .services import Caller, Recipient, gift_card_issue

COLUMNS = ("amount", "currency", "recipient_email", "recipient_name", "recipient_phone", "message", "send_on", "note")
MAX_ROWS = 50_000


@dataclass(frozen=True)
class Issued:
    line: int
    card_id: int
    code: str
    amount: Decimal
    currency: str
    recipient_email: str


def _rows(text: str) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "amount" not in [f.strip().lower() for f in reader.fieldnames]:
        raise InvalidInput(f"line 1: the header must name an 'amount' column (columns: {', '.join(COLUMNS)})")
    unknown = {f.strip().lower() for f in reader.fieldnames} - set(COLUMNS)
    if unknown:
        raise InvalidInput(f"line 1: unknown columns {', '.join(sorted(unknown))} (columns: {', '.join(COLUMNS)})")
    rows = []
    for row in reader:
        clean = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
        if any(clean.values()):
            rows.append((reader.line_num, clean))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} cards in one file: split it")
    if not rows:
        raise InvalidInput("the file has no cards")
    return rows


def gift_cards_issue_bulk(*, store: Store, text: str, caller: Caller, source: str = Source.PROMOTION) -> list[Issued]:
    batch = hashlib.sha256(text.encode()).hexdigest()[:16]
    issued = []
    with transaction.atomic():
        for line, row in _rows(text):
            try:
                send_on = date.fromisoformat(row["send_on"]) if row.get("send_on") else None
                result = gift_card_issue(
                    store=store,
                    amount=row.get("amount", ""),  # checked (never rounded) by the service
                    currency=row.get("currency", ""),
                    source=source,
                    source_ref=f"bulk:{batch}",
                    recipient=Recipient(
                        email=row.get("recipient_email", ""),
                        name=row.get("recipient_name", ""),
                        phone=row.get("recipient_phone", ""),
                        message=row.get("message", ""),
                        send_on=send_on,
                    ),
                    note=row.get("note", ""),
                    caller=caller,
                    idempotency_key=f"bulk-{batch}-{line}",
                )
            except (StayError, ValueError) as exc:
                raise InvalidInput(f"line {line}: {exc}") from exc
            card = GiftCard.objects.get(pk=result["card_id"])
            issued.append(
                Issued(
                    line=line,
                    card_id=card.pk,
                    code=code_display(code_from_nonce(card.code_nonce)),
                    amount=card.initial_value,
                    currency=card.currency,
                    recipient_email=card.recipient_email,
                )
            )
    return issued


def issued_csv(issued: list[Issued]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["line", "card_id", "code", "amount", "currency", "recipient_email"])
    for item in issued:
        writer.writerow([item.line, item.card_id, item.code, item.amount, item.currency, item.recipient_email])
    return out.getvalue()
