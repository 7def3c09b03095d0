"""Model instances from the columns of a hand-written statement, built as the ORM builds them.

For the few reads on every request where compiling an ORM query costs more than running it:
a ranking's need or offer read with its council, category and person (measured at 1M open
offers: 1.3 ms of the ORM's compiling against 0.4 ms of executing, on every ranking), and a
web request's session. `model_columns(Model, "alias")` gives the SELECT list for a table
under that alias, each column in the form the ORM selects it (geometries as EWKB), and
`build(row)` makes the instance from those columns with every field's database converters
applied (JSON, geometries, any field's own `from_db_value`), then `Model.from_db`, so the
instance is the one the ORM would have made: deferred fields load on access, `save()` works.

Only for statements of fixed shape on the primary database; anything that filters or joins
in varied ways stays an ORM query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model
from django.db.models.expressions import Col

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class ModelColumns(Generic[M]):
    """A model's columns under one alias in a hand-written SELECT, and how to make the model
    instance back from them."""

    model: type[M]
    select: str
    width: int
    attnames: tuple[str, ...]
    converters: tuple[tuple[int, tuple[Callable, ...], Col], ...]

    def build(self, values: Sequence[Any], using: str = DEFAULT_DB_ALIAS) -> M:
        """The instance from this model's `width` values, in `select`'s order."""
        connection = connections[using]
        values = list(values)
        for i, converters, expression in self.converters:
            value = values[i]
            for convert in converters:
                value = convert(value, expression, connection)
            values[i] = value
        return self.model.from_db(using, self.attnames, values)

    def take(self, row: Sequence[Any], start: int, using: str = DEFAULT_DB_ALIAS) -> M:
        """The instance from `row[start:start + width]` (one model of a joined row)."""
        return self.build(row[start : start + self.width], using)


@functools.cache
def model_columns(model: type[M], alias: str, defer: tuple[str, ...] = ()) -> ModelColumns[M]:
    """`model`'s concrete columns under SQL alias `alias`, leaving out the fields named in
    `defer` (they load on access, as with `QuerySet.defer`). Worked out once per process."""
    connection = connections[DEFAULT_DB_ALIAS]
    compiler = model._base_manager.none().query.get_compiler(using=DEFAULT_DB_ALIAS)
    fields = [f for f in model._meta.concrete_fields if f.name not in defer]
    select, converters = [], []
    for i, field in enumerate(fields):
        column = Col(alias, field)
        name = connection.ops.quote_name(str(field.column))  # concrete: always a column
        sql, _params = field.select_format(compiler, f"{alias}.{name}", ())
        select.append(sql)
        found = tuple(
            connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        )
        if found:
            converters.append((i, found, column))
    return ModelColumns(
        model=model,
        select=", ".join(select),
        width=len(fields),
        attnames=tuple(f.attname for f in fields),
        converters=tuple(converters),
    )
