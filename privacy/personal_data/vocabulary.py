"""The words of the personal-data declaration: how a model and its fields are declared
(`Declared`, `Personal`), what erasure and retention may do (`Rows`, `Treatment`) and the values
they write for each treatment, and how the download shows a field (`Column`, `Form`).

Kept apart from the declaration itself so that its `declared_*.py` read as lists of models and
fields, and the rules that turn a treatment into a value live in one place.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q


class Rows(enum.Enum):
    """What erasure does with a model's rows that belong to the person (`Declared.theirs`)."""

    ACCOUNT = "the person's own account row: anonymised in place, field by field"
    REDACT = "kept, so that the statistics stay; each personal field is treated as declared"
    DELETE = "deleted"
    KEEP = "kept as they are, naming the person only by id (the council's record)"
    NOBODY = "no person's rows: reference data, the council's own, public directories"


class Treatment(enum.Enum):
    """What becomes of one personal field, on erasure (`Personal.erase`) or when the council's
    retention period has passed (`Personal.retain`)."""

    CLEAR = "cleared: '' for text, [] for a list, None where empty is allowed"
    STAND_IN = "replaced with words that say why it went (ERASED_TEXT or REDACTED_TEXT)"
    GRID_CELL = "the exact point replaced with the published grid-cell centre"
    ERASED_EMAIL = "replaced with erased-<id>@erased.invalid, which can never receive mail"
    UNUSABLE_PASSWORD = "made unusable: nobody can sign in with it"  # noqa: S105 (a description)
    SWITCH_OFF = "set to False"
    WITH_ROW = "goes with its row, which is deleted"
    KEEP = "kept, for the reason its declaration gives"
    KEEP_AS_RECORD = "kept as the council's record, naming the person only by id"


#: Treatments that change nothing: a field so treated needs a `why`.
KEPT = frozenset({Treatment.KEEP, Treatment.KEEP_AS_RECORD})

#: The field a GRID_CELL treatment copies: the centre of the published grid cell.
GRID_CELL_FIELD = "approx_location"


@dataclass(frozen=True)
class Personal:
    """One personal field.

    `erase`: what erasure does with it. `retain`: what retention does with it (None: retention
    does not reach it). `why`: the reason a kept field is kept. `withheld`: why "download my
    data" leaves it out ("" when the download shows it). `only_where`: erasure treats it only on
    those of the person's rows where this link is the person (their own words on a row they
    share with someone else). `spare`: values of this field erasure leaves as they are (words
    Kith wrote itself).
    """

    erase: Treatment
    retain: Treatment | None = None
    why: str = ""
    withheld: str = ""
    only_where: str = ""
    spare: tuple[str, ...] = ()


@dataclass
class ErasureUpdate:
    """One queryset update erasure makes: on those of the person's rows where `only_where`
    is the person ("" for all of them), write `values`, except over the values `spared`."""

    only_where: str
    values: dict[str, Any] = field(default_factory=dict)
    spared: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Declared:
    """Every field of one model, personal or not, and how erasure finds the person's rows.

    `theirs`: lookups from a row to the person it belongs to (a row is the person's when any
    of them is the person). `audit_as`: the name under which the erasure's audit row counts
    the person's rows this model lost (deleted or redacted); "" for none.
    """

    model: type[models.Model]
    rows: Rows
    theirs: tuple[str, ...] = ()
    personal: Mapping[str, Personal] = field(default_factory=dict)
    not_personal: tuple[str, ...] = ()
    audit_as: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label

    def of_person(self, person: models.Model) -> Q:
        """The rows of this model that belong to `person`."""
        rows = Q()
        for lookup in self.theirs:
            rows |= Q(**{lookup: person.pk if lookup == "pk" else person})
        return rows

    def erasure_groups(self, *, stand_in: str) -> list[ErasureUpdate]:
        """The queryset updates erasure makes on the person's rows: one for each narrower
        link (`Personal.only_where`; "" for all their rows), and one of its own for a field
        with spared values, so that sparing it never spares the row's other fields."""
        groups: dict[tuple[str, str], ErasureUpdate] = {}
        for name, personal in self.personal.items():
            if personal.erase in KEPT or personal.erase is Treatment.WITH_ROW:
                continue
            key = (personal.only_where, name if personal.spare else "")
            group = groups.setdefault(key, ErasureUpdate(personal.only_where))
            group.values[name] = replacement(self.model, name, personal.erase, stand_in=stand_in)
            if personal.spare:
                group.spared[name] = personal.spare
        return list(groups.values())

    def retention_values(self, *, stand_in: str) -> dict[str, Any]:
        """What retention writes into a row of this model it keeps but redacts."""
        return {
            name: replacement(self.model, name, personal.retain, stand_in=stand_in)
            for name, personal in self.personal.items()
            if personal.retain is not None
            and personal.retain not in KEPT
            and personal.retain is not Treatment.WITH_ROW
        }


def replacement(
    model: type[models.Model], name: str, treatment: Treatment, *, stand_in: str
) -> Any:
    """The value `treatment` writes into `model.name` in a queryset update. Treatments of
    the account alone (a per-person email, an unusable password) are applied by erasure to
    the person's row itself and have no value here."""
    model_field = model._meta.get_field(name)
    if treatment is Treatment.STAND_IN:
        return stand_in
    if treatment is Treatment.GRID_CELL:
        return F(GRID_CELL_FIELD)
    if treatment is Treatment.SWITCH_OFF:
        return False
    if treatment is Treatment.CLEAR and isinstance(model_field, models.Field):
        return empty_value(model_field)
    raise ValueError(f"{model._meta.label}.{name}: {treatment.name} has no update value")


def empty_value(model_field: models.Field[Any, Any]) -> Any:
    """What a cleared field holds: [] for a list, None where empty is allowed, '' for text."""
    if isinstance(model_field, ArrayField):
        return []
    if model_field.null:
        return None
    if isinstance(model_field, models.CharField | models.TextField):
        return ""
    raise ValueError(f"{model_field} has no empty value to clear it to")


def unchanged_skipped(
    queryset: models.QuerySet[Any], values: Mapping[str, Any]
) -> models.QuerySet[Any]:
    """`queryset` without the rows that already hold exactly `values`, so that an update
    counts only the rows it changes. Values read from other columns (F) are not compared:
    the rows are then all updated."""
    if not values or any(isinstance(v, F) for v in values.values()):
        return queryset
    return queryset.exclude(**values)


class Form(enum.Enum):
    """How "download my data" shows one column (see `Column`)."""

    RAW = "the value as stored (a path such as need__title follows links)"
    ID = "the id a link holds"
    LIST = "a list"
    DISPLAY = "the label of a choice"
    DISPLAY_OR_NONE = "the label of a choice, or None when it is empty"
    ISO = "an ISO 8601 date or time, or None"
    POINT = "latitude and longitude, or None"
    NAME = "the name of the linked council or category, or None"
    PUBLIC_NAME = "the public name of the linked person"
    HH_MM = "a time of day as HH:MM, or None"
    USABLE = "whether the password can be used to sign in"
    COUNT = "how many related rows there are"
    ROWS = "the related rows, each shown by the columns in `of`"
    VALUES = "the related rows, each shown by the one column in `of`"
    YOUR_ROLE = "whether the person asked for help in the match or was its helper"
    OTHER_PERSON = "the public name of the other person in the match"
    SENDER = "'you', the sender's public name, or 'a former member'"
    ROLE_AT_COUNCIL = "'<role> at <council>'"


class Shape(enum.Enum):
    """What one section of the download holds."""

    ONE = "one row shown by its columns, or None"
    MANY = "a list of rows shown by their columns"
    VALUE = "one row's single column, or None"
    VALUES = "a list of the rows' single column"


@dataclass(frozen=True)
class Column:
    """One entry of the download: its key, the field (or path, or reverse relation) it shows
    and how; `of` holds the columns of related rows for `Form.ROWS` and `Form.VALUES`."""

    key: str
    field: str
    form: Form = Form.RAW
    of: tuple[Column, ...] = ()


@dataclass(frozen=True)
class Section:
    """One top-level entry of the download: rows of `model` (which rows is
    `privacy.export`'s to say) shown by `columns`."""

    key: str
    model: type[models.Model]
    shape: Shape
    columns: tuple[Column, ...]
