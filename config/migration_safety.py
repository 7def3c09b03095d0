"""Which migration operations are unsafe on a live database with big tables.

Kith's listing, match, message, postcode and audit tables grow to millions of rows. On those,
some operations hold an ACCESS EXCLUSIVE lock (or a SHARE lock that blocks writes) for as long as
PostgreSQL needs to scan or rewrite the table: minutes during which every request touching the
table waits. `unsafe_operations` names them with the safe alternative; `tests/ops/` runs it over
every migration written after the first release.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations

_CREATE_INDEX = re.compile(r"\bCREATE\s+(UNIQUE\s+)?INDEX\b(?!\s+CONCURRENTLY)", re.I)
_ADD_CONSTRAINT = re.compile(r"\bADD\s+CONSTRAINT\b", re.I)
_NOT_VALID = re.compile(r"\bNOT\s+VALID\b", re.I)
_REWRITES = re.compile(r"\bALTER\s+COLUMN\b.*\bTYPE\b|\bVACUUM\s+FULL\b|\bCLUSTER\b", re.I | re.S)


@dataclass(frozen=True)
class Finding:
    migration: str
    operation: str
    why: str


def _sql_text(sql) -> str:
    """RunSQL takes a string, or a list of strings and (sql, params) pairs."""
    if isinstance(sql, str):
        return sql
    return "\n".join(item[0] if isinstance(item, tuple) else str(item) for item in sql)


# Operations that are unsafe whatever they hold, and why; each operation is of one kind only.
_UNSAFE_KINDS: list[tuple[tuple[type[migrations.operations.base.Operation], ...], str]] = [
    (
        (migrations.AddIndex,),
        "builds the index under a write lock: use AddIndexConcurrently (atomic=False)",
    ),
    (
        (migrations.AddConstraint,),
        "validates every row under a lock: add it NOT VALID with RunSQL, then VALIDATE "
        "CONSTRAINT in a later migration (or a unique index built concurrently first)",
    ),
    (
        (migrations.AlterField,),
        "may rewrite the table: add a new column, backfill in batches, then switch",
    ),
    (
        (migrations.RenameField, migrations.RenameModel),
        "breaks the code still running during a deploy: add, copy, then remove",
    ),
    (
        (migrations.RemoveField,),
        "breaks the code still running: stop using the column a release before",
    ),
]


def _sql_reasons(sql) -> list[str]:
    """Why a RunSQL statement would lock a big table for long, if it would."""
    text = _sql_text(sql)
    reasons = []
    if _CREATE_INDEX.search(text):
        reasons.append("CREATE INDEX without CONCURRENTLY (in a migration with atomic=False)")
    if _ADD_CONSTRAINT.search(text) and not _NOT_VALID.search(text):
        reasons.append("ADD CONSTRAINT without NOT VALID validates the table under a lock")
    if _REWRITES.search(text):
        reasons.append("rewrites the table under an exclusive lock")
    return reasons


def _reasons(op: migrations.operations.base.Operation, *, atomic: bool) -> list[str]:
    """Why one operation is unsafe: nothing for a safe one."""
    # Before the kinds: AddIndexConcurrently is an AddIndex, and safe outside a transaction.
    if isinstance(op, AddIndexConcurrently | RemoveIndexConcurrently):
        if atomic:
            return ["concurrent index operations need `atomic = False` on the migration"]
        return []
    if isinstance(op, migrations.RunSQL):
        return _sql_reasons(op.sql)
    # A new table is empty and dropping one is quick: CreateModel and DeleteModel are safe.
    return [why for kinds, why in _UNSAFE_KINDS if isinstance(op, kinds)][:1]


def unsafe_operations(migration: migrations.Migration) -> list[Finding]:
    """The operations of `migration` that would lock a big table for a long time."""
    label = f"{migration.app_label}.{migration.name}"
    return [
        Finding(label, op.describe(), why)
        for op in migration.operations
        for why in _reasons(op, atomic=migration.atomic)
    ]
