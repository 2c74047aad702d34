"""The returns' part of a person's data (core.privacy): what they wrote and the photos they
sent. The returns themselves (what came back, what was paid) stay."""

from typing import Any

from .models import Return, ReturnLine, ReturnPhoto


def export(customer_id: int) -> list[dict[str, Any]]:
    return [
        {
            "number": r.number,
            "order": r.order.name,
            "status": r.status,
            "created_at": r.created_at.isoformat(),
            "note": r.note,
            "lines": [
                {"item": ln.order_line.title, "quantity": ln.quantity, "reason": ln.reason, "comment": ln.comment}
                for ln in r.lines.select_related("order_line")
            ],
        }
        for r in Return.objects.filter(customer_id=customer_id).select_related("order").order_by("id")
    ]


def erase(customer_id: int) -> int:
    changed = 0
    for photo in ReturnPhoto.objects.filter(line__ret__customer_id=customer_id):
        photo.file.delete(save=False)
        photo.delete()
        changed += 1
    changed += ReturnLine.objects.filter(ret__customer_id=customer_id).exclude(comment="").update(comment="")
    changed += Return.objects.filter(customer_id=customer_id).exclude(note="").update(note="")
    return changed
