"""Every mutating call carries an idempotency key: a repeat of the key returns the first
result, refusals included, and the same key with other parameters is an error. The key's row
is written in the same transaction as the work, so two concurrent calls with one key cannot
both do it: the second one's insert fails, it runs again, and finds the first result."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _

from stay.core.db import atomic_with_retry
from stay.core.errors import Conflict, InvalidInput, NotFound, StayError
from stay.core.models import Store

from .models import IdempotencyKey

_STATUS = {InvalidInput: 400, NotFound: 404, Conflict: 409}
_ERROR = {status: error for error, status in _STATUS.items()}


def _status_of(exc: StayError) -> int:
    for error, status in _STATUS.items():
        if isinstance(exc, error):
            return status
    raise exc


def fingerprint(operation: str, params: dict[str, Any]) -> str:
    canonical = json.dumps([operation, params], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def idempotent(
    *, store: Store, key: str, operation: str, params: dict[str, Any], work: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``work`` once per ``key``. ``params`` are what makes two calls the same call."""
    key = (key or "").strip()
    if not key:
        raise InvalidInput(
            _("Send an Idempotency-Key header: any unique string per operation."), code="idempotency_key_missing"
        )
    if len(key) > 255:
        raise InvalidInput(_("The Idempotency-Key is longer than 255 characters."), code="idempotency_key_invalid")
    digest = fingerprint(operation, params)

    def unit() -> tuple[int, dict[str, Any]]:
        first = IdempotencyKey.objects.filter(store=store, key=key).first()
        if first is not None:
            if first.fingerprint != digest:
                return 409, {
                    "detail": _("This Idempotency-Key was used for a different request: use a new key."),
                    "code": "idempotency_key_reused",
                }
            return first.status, first.response
        try:
            with transaction.atomic():
                # Through JSON now, so a first answer and its replay are the same to the byte.
                body, status = json.loads(json.dumps(work(), cls=DjangoJSONEncoder)), 200
        except (InvalidInput, NotFound, Conflict) as exc:
            # A refusal is a result too: the same key keeps getting it.
            body, status = {"detail": str(exc), "code": exc.code}, _status_of(exc)
        IdempotencyKey.objects.create(
            store=store, key=key, operation=operation, fingerprint=digest, status=status, response=body
        )
        return status, body

    # Errors are raised once the unit is over, so a caller's transaction it joined stays usable.
    return answer(*atomic_with_retry(unit))


def answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    """A recorded result as the caller gets it: the body, or the refusal raised again."""
    if status != 200:
        raise _ERROR[status](body["detail"], code=body.get("code", ""))
    return body
