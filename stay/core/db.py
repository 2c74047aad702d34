"""Transactions: the boundary owns them, services join them.

A unit of work (a request, a job, one record of an import) runs in one transaction. The
services it calls join that transaction rather than open savepoints of their own: a
failure anywhere fails the whole unit, and on PostgreSQL each savepoint would cost two
round trips (they were a third of the statements of applying an order).
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, TypeVar

from django.db import IntegrityError, connection, transaction
from django.db.models import Field, Model

T = TypeVar("T")
X = TypeVar("X")


def atomic_with_retry(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run ``work`` as a unit of work. At the top level it gets its own transaction, run again
    if it hits a unique constraint because a concurrent transaction created the same row
    first (it will find that row now): upserts keyed by an outside id race this way when a
    platform sends two webhooks about the same thing at once. Inside a caller's transaction
    it joins it, and a unique violation goes to the caller's boundary to retry."""
    if connection.in_atomic_block:
        with transaction.atomic(savepoint=False):
            return work()
    for attempt in range(1, attempts + 1):
        try:
            with transaction.atomic():
                return work()
        except IntegrityError:
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


F = TypeVar("F", bound=Callable[..., object])


def joins_transaction(service: F) -> F:
    """Decorator for a service: a transaction of its own when called alone, part of the
    caller's transaction (no savepoint) when called inside one."""
    return transaction.atomic(savepoint=False)(service)  # type: ignore[return-value]


def is_stale(incoming: datetime | None, stored: datetime | None) -> bool:
    """Whether a copy the platform stamped ``incoming`` is older than the one stored at
    ``stored``: webhooks arrive late and out of order, and an older copy never overwrites a
    newer one. Without both stamps nothing can be told, and the copy is applied."""
    return incoming is not None and stored is not None and incoming < stored


# --- Lean statements for the hottest paths ------------------------------------------------
# Filing an inbound message writes half a dozen rows; through the ORM each statement spends
# 0.15-0.5 ms composing its SQL, more than SQLite takes to write the row (bench/inbox.py).
# These helpers build each model's SQL once per process and keep the ORM's meaning: defaults
# and ``auto_now`` stamps, field conversions both ways, model instances in and out. They send
# no model signals (Stay has no receivers) and call no overridden ``save()``: use them only
# for models without one.

M = TypeVar("M", bound=Model)
_insert_sql: dict[tuple[type[Model], str], tuple[str, list[Field]]] = {}
_Converters = list[tuple[int, Any, list[Callable[..., Any]]]]
_select_sql: dict[tuple[type[Model], str], tuple[list[str], list[str], _Converters]] = {}


def insert(obj: M) -> M:
    """Insert the new ``obj`` as ``obj.save()`` would, in one statement; ``obj.pk`` is set."""
    model = type(obj)
    key = (model, connection.vendor)
    if key not in _insert_sql:
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        q = connection.ops.quote_name
        table, pk = q(model._meta.db_table), q(model._meta.pk.column)
        columns, marks = ", ".join(q(f.column) for f in fields), ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks}) RETURNING {pk}"  # noqa: S608 (names from the model)
        _insert_sql[key] = (sql, fields)
    sql, fields = _insert_sql[key]
    values = [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]
    with hot_cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding, obj._state.db = False, connection.alias
    return obj


def update(obj: Model, fields: list[str]) -> None:
    """Write ``fields`` of the stored ``obj`` (and any ``auto_now`` stamp), as
    ``obj.save(update_fields=fields)`` would."""
    meta = obj._meta
    chosen = [f for f in meta.concrete_fields if f.name in fields or getattr(f, "auto_now", False)]
    if unknown := set(fields) - {f.name for f in chosen}:
        raise ValueError(f"{meta.label} has no fields {sorted(unknown)}")
    q = connection.ops.quote_name
    table, pk = q(meta.db_table), q(meta.pk.column)
    sets = ", ".join(f"{q(f.column)} = %s" for f in chosen)
    sql = f"UPDATE {table} SET {sets} WHERE {pk} = %s"  # noqa: S608 (names from the model, values as parameters)
    values = [f.get_db_prep_save(f.pre_save(obj, False), connection) for f in chosen]
    with hot_cursor() as cursor:
        cursor.execute(sql, [*values, obj.pk])


def hot_cursor() -> Any:
    """A cursor for the hottest statements (the lean helpers here, the API's token, the
    recommendations' and returns' plain reads). On PostgreSQL its parameters are bound on the
    server, so psycopg prepares a statement from its 5th use on a connection and PostgreSQL
    stops planning it each time: planning was 0.27 ms of a 0.43 ms statement (ADR 0018).
    The ORM keeps Django's client-side binding, which has no limit of 65,535 parameters (a
    cascade delete of thousands of orders passes more)."""
    if connection.vendor != "postgresql":
        return connection.cursor()
    from django.db.backends.postgresql.base import ServerBindingCursor  # type: ignore[attr-defined]  # psycopg 3 only
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg.postgres import types
    from psycopg.pq import Format

    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        raw = ServerBindingCursor(connection.connection)
        # As Django's own cursors: the session's time zone if the connection disagrees.
        loader = connection.connection.adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
        if connection.timezone != getattr(loader, "timezone", None):
            register_tzloader(connection.timezone, raw)
        return connection._prepare_cursor(raw)  # type: ignore[attr-defined]  # as Django's cursor() wraps its own


def _shape(model: type[Model]) -> tuple[list[str], list[str], _Converters]:
    """The model's columns, their attribute names and the converters reading them, once per process."""
    key = (model, connection.vendor)
    if key not in _select_sql:
        fields = list(model._meta.concrete_fields)
        converters = []
        for i, f in enumerate(fields):
            col = f.get_col(model._meta.db_table)
            own = f.get_db_converters(connection)  # type: ignore[attr-defined]  # missing from the stubs
            if found := [*connection.ops.get_db_converters(col), *own]:
                converters.append((i, col, found))
        _select_sql[key] = ([f.column for f in fields], [f.attname for f in fields], converters)
    return _select_sql[key]


def columns(model: type[Model], alias: str) -> str:
    """``alias.col, …`` for every column of ``model``, in the order :func:`load` reads them."""
    q = connection.ops.quote_name
    return ", ".join(f"{alias}.{q(column)}" for column in _shape(model)[0])


def load(model: type[M], row: Sequence[Any]) -> M:
    """An instance of ``model`` from its columns' values (the first ``len(columns)`` of ``row``),
    loaded as the ORM loads one."""
    names, converters = _shape(model)[1:]
    values = list(row[: len(names)])
    for i, col, convert in converters:
        for converter in convert:
            values[i] = converter(values[i], col, connection)
    return model.from_db(connection.alias, names, values)


def width(model: type[Model]) -> int:
    return len(_shape(model)[0])


def select(model: type[M], where: str, params: list[Any], *, tail: str = "") -> list[M]:
    """The ``model`` rows matching ``where`` (SQL over the table's own columns, ``%s`` for
    parameters; ``tail`` for ORDER BY and LIMIT), as instances loaded as the ORM loads them."""
    table = connection.ops.quote_name(model._meta.db_table)
    with hot_cursor() as cursor:
        cursor.execute(f"SELECT {columns(model, table)} FROM {table} WHERE {where} {tail}", params)  # noqa: S608 (names from the model)
        return [load(model, row) for row in cursor.fetchall()]


def batched(items: Iterable[X], size: int) -> Iterator[list[X]]:
    """``items`` in lists of at most ``size`` (``IN (...)`` clauses stay under SQLite's limit of
    bound variables; itertools.batched arrives only with Python 3.12)."""
    batch: list[X] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def in_lists(column: str, values: list[Any]) -> Iterator[tuple[str, list[Any]]]:
    """``column IN (values)`` for plain SQL, as (clause, parameters) pairs: on PostgreSQL one
    ``= ANY(%s)`` with the list as one array (a short statement, parsed as fast for 1 value as
    for 1,000), elsewhere ``IN (%s, …)`` in batches of 900 (SQLite's limit of bound variables)."""
    if len(values) == 1:
        yield f"{column} = %s", list(values)
        return
    if connection.vendor == "postgresql":
        yield f"{column} = ANY(%s)", [list(values)]
        return
    for batch in batched(values, 900):
        yield f"{column} IN ({', '.join(['%s'] * len(batch))})", batch


def update_each(model: type[Model], changes: dict[int, dict[str, Any]]) -> None:
    """Set each row's ``changes[pk]``, with one ``UPDATE … WHERE pk IN (…)`` per distinct set of
    values. Rows changed alike in a batch (the same step, due at the same time) cost one
    statement between them; Django's ``bulk_update`` builds a CASE per row and field instead,
    which took two thirds of a batch of the outreach engine's time (bench/flows.py)."""
    groups: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    for pk, values in changes.items():
        groups.setdefault(tuple(sorted(values.items())), []).append(pk)
    for alike, pks in groups.items():
        for chunk in batched(pks, 900):
            model._default_manager.filter(pk__in=chunk).update(**dict(alike))
