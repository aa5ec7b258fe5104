"""One-row statements of the hot paths, their SQL made once per process.

Django compiles a queryset to SQL on every run. For the run-time commit's one-row statements
that compilation cost more than the database took to run them (issue 13: an UPDATE of one row
by its key, 0.20 ms through ``QuerySet.update``, 0.09 ms with its text kept; the result
writer's read of the enrolment under its lock, 0.62 ms, 0.19 ms). Here the text is made once
per model and set of columns, from the models' own tables and columns; values are prepared,
and rows read are converted, by the fields themselves, as the ORM does.

Plain values only: an expression (``F()``, a function) goes through the ORM.

Within :func:`batched_writes` these writes wait and go to the database together, as one
statement on PostgreSQL: each statement is a round trip, and the commit's four one-row UPDATEs
were four of its nine. Within :func:`guarded_writes` (PostgreSQL, outside a transaction) that
one statement is a transaction of its own, made only if what the writes were computed from is
unchanged: an optimistic write, with neither BEGIN nor COMMIT (two round trips of four).
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.db import connection, transaction
from django.db.models import DEFERRED, Field, Model

# .writes: the writes waiting, or None outside a batch; within guarded_writes, .guard: its check
# (SQL and parameters) and .after: the callbacks to run once the writes are made.
_batch = threading.local()


class NotWritten(Exception):
    """Writes within :func:`guarded_writes` were not made (what they were computed from
    changed, or the block ran another statement): nothing of them is stored."""


@functools.cache
def _update_sql(model: type[Model], names: tuple[str, ...], vendor: str) -> str:
    quote = connection.ops.quote_name
    meta = model._meta
    columns = ", ".join(f"{quote(meta.get_field(name).column)} = %s" for name in names)
    # The models' names only: every value is a parameter.
    return f"UPDATE {quote(meta.db_table)} SET {columns} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608


def update_row(model: type[Model], pk: Any, values: Mapping[str, Any]) -> None:
    """``model.objects.filter(pk=pk).update(**values)`` (no signal, no ``auto_now``, as there;
    a missing row is not an error), its statement made once per set of fields; sent with the
    batch within :func:`batched_writes`."""
    if not values:
        return
    meta = model._meta
    params = []
    for name, value in values.items():
        if hasattr(value, "resolve_expression") or isinstance(value, Model):
            raise TypeError(f"update_row takes plain values; {name} is {type(value).__name__}.")
        params.append(meta.get_field(name).get_db_prep_save(value, connection=connection))
    params.append(meta.pk.get_db_prep_value(pk, connection))
    write_row(
        (meta.db_table, params[-1]), _update_sql(model, tuple(values), connection.vendor), params
    )


def write_row(row: tuple[str, Any], sql: str, params: Sequence[Any]) -> None:
    """Run ``sql``, a write of the one ``row`` (its table and key) with no result: now, or
    with the batch within :func:`batched_writes`."""
    writes = getattr(_batch, "writes", None)
    if writes is None:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        return
    if any(pending == row for pending, _, _ in writes):
        if _guarded():  # its writes are one statement, or none
            raise NotWritten(f"A row of {row[0]} is written twice.")
        _send()  # one statement sees its rows as it began: a row's writes go one at a time
    writes.append((row, sql, list(params)))


@contextlib.contextmanager
def batched_writes() -> Iterator[None]:
    """Within the block, :func:`write_row` and :func:`update_row` wait, and go to the
    database together (one statement on PostgreSQL: the UPDATEs as data-modifying ``WITH``
    clauses of the last) before any other statement and at the block's end. Every statement
    therefore sees them, as it would have unbatched; their errors are raised then. A block
    that raises drops them (its transaction is rolled back). Use it within a transaction."""
    if getattr(_batch, "writes", None) is not None:  # within another: that one sends
        yield
        return
    _batch.writes = []
    try:
        with connection.execute_wrapper(_send_first):
            yield
            _send()
    finally:
        _batch.writes = None


@contextlib.contextmanager
def guarded_writes(guard: str, params: Sequence[Any]) -> Iterator[None]:
    """PostgreSQL, outside a transaction: within the block, :func:`write_row` and
    :func:`update_row` wait (each an ``UPDATE ... WHERE`` one row), and go to the database when
    it ends, as one statement (its own transaction) that makes them only if ``guard`` finds a
    row: a ``SELECT ... FOR UPDATE`` of the rows they were computed from, as read (their
    ``xmin``, say). Otherwise raises :class:`NotWritten`, as it does, before it runs, for any
    other statement within the block: what it reads would not be guarded. Callbacks given to
    :func:`after_writes` within the block run once the writes are made."""
    if connection.vendor != "postgresql" or not connection.get_autocommit():
        raise NotWritten("Guarded writes are PostgreSQL's, outside a transaction.")
    if getattr(_batch, "writes", None) is not None:
        raise NotWritten("Guarded writes do not nest in a batch.")
    _batch.writes, _batch.guard, _batch.after = [], (guard, list(params)), []
    try:
        with connection.execute_wrapper(_refuse_statement):
            yield
        after = _batch.after
        _send_guarded()
    finally:
        _batch.writes = _batch.guard = _batch.after = None
    for callback in after:
        callback()


def _guarded() -> bool:
    return getattr(_batch, "guard", None) is not None


def _refuse_statement(execute: Callable, sql: str, *args: Any) -> Any:
    raise NotWritten("A statement within guarded writes.")


def _send_guarded() -> None:
    if not _batch.writes:
        return
    sql, params = _one_statement(_batch.writes, guard=_batch.guard)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        if cursor.rowcount < 1:  # the last write's row: the guard found none
            raise NotWritten("What the writes were computed from changed.")


def after_writes(callback: Callable[[], None]) -> None:
    """Run ``callback`` once the writes made so far are stored: when the transaction commits
    (``transaction.on_commit``), or, within :func:`guarded_writes`, after its statement."""
    if _guarded():
        _batch.after.append(callback)
    else:
        transaction.on_commit(callback)


def atomic_writes() -> contextlib.AbstractContextManager:
    """``transaction.atomic(savepoint=False)`` for a writer's statements, except within
    :func:`guarded_writes`, whose one statement is atomic (Django would log a BEGIN and a
    COMMIT that psycopg never sends)."""
    return contextlib.nullcontext() if _guarded() else transaction.atomic(savepoint=False)


def _send_first(execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
    _send()
    return execute(sql, params, many, context)


def _send() -> None:
    if not _batch.writes:
        return
    writes = list(_batch.writes)
    _batch.writes.clear()  # before executing: the statement below comes through _send_first
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":  # one statement per execute; and no round trip
            for _, sql, params in writes:
                cursor.execute(sql, params)
            return
        cursor.execute(*_one_statement(writes))


def _one_statement(
    writes: list[tuple[Any, str, list[Any]]], *, guard: tuple[str, list[Any]] | None = None
) -> tuple[str, list[Any]]:
    """PostgreSQL: the writes as one statement, the first as data-modifying ``WITH`` clauses
    of the last; with a ``guard``, its query first (``g``), and each write made only if it
    finds a row (each write ends with its WHERE clause)."""
    *first, last = writes
    condition, clauses, params = "", [], []
    if guard is not None:
        condition = " AND EXISTS (SELECT FROM g)"
        clauses.append(f"g AS ({guard[0]})")
        params += guard[1]
    clauses += [f"w{index} AS ({sql}{condition})" for index, (_, sql, _) in enumerate(first)]
    sql = last[1] + condition
    params += [value for _, _, write_params in writes for value in write_params]
    return (f"WITH {', '.join(clauses)} {sql}" if clauses else sql), params


def fields(model: type[Model], names: Iterable[str]) -> list[Field]:
    """The model's fields of these names (or attribute names), in the model's order."""
    wanted = set(names)
    return [field for field in model._meta.concrete_fields if {field.name, field.attname} & wanted]


def select_list(model: type[Model], names: Iterable[str], alias: str) -> tuple[str, list[str]]:
    """The columns of ``model``'s fields ``names`` for a SELECT, qualified by ``alias``, in the
    model's order; and their attribute names in that order (what :func:`instance` takes)."""
    chosen = fields(model, names)
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(f.column)}" for f in chosen), [f.attname for f in chosen]


@functools.cache
def _converters(model: type[Model], names: tuple[str, ...], vendor: str) -> list[tuple]:
    found = []
    for index, name in enumerate(names):
        column = model._meta.get_field(name).get_col(model._meta.db_table)
        # As the ORM's compiler: a foreign key's column converts as the key it refers to.
        converters = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if converters:
            found.append((index, column, converters))
    return found


def converted(model: type[Model], names: Sequence[str], values: Sequence[Any]) -> list[Any]:
    """Values of ``model``'s fields ``names`` as the database gave them, converted as the ORM
    converts them (SQLite gives text for dates, UUIDs and decimals, for instance)."""
    values = list(values)
    for index, column, converters in _converters(model, tuple(names), connection.vendor):
        for convert in converters:
            values[index] = convert(values[index], column, connection)
    return values


@functools.cache
def _placing(model: type[Model], names: tuple[str, ...]) -> tuple[list[str], list[int]]:
    """Every concrete field's attribute name, in the model's order, and where each of ``names``
    goes among them."""
    every = [field.attname for field in model._meta.concrete_fields]
    return every, [every.index(name) for name in names]


def instance(model: type[Model], names: Sequence[str], values: Sequence[Any]) -> Model:
    """The model instance the ORM would have built from these columns (``names``: attribute
    names, in any order; the other fields deferred)."""
    names = tuple(names)
    every, places = _placing(model, names)
    # Every field given, the missing ones DEFERRED: Model.from_db then builds the instance
    # straight away (given fewer, it searches a list for each field, about 20 µs an attempt).
    full: list[Any] = [DEFERRED] * len(every)
    for place, value in zip(places, converted(model, names, values), strict=True):
        full[place] = value
    return model.from_db(connection.alias, every, full)
