"""Flood limits: how many messages and reports one person may create in a short time.

The count is of the rows the person created in the window, read from the database, so the
limit holds across processes with no extra infrastructure. A transaction-scoped advisory
lock per person and kind makes two simultaneous requests from the same person take turns,
so that both cannot pass the check at the limit. The limits are settings
(`KITH_MESSAGE_FLOOD_LIMIT`, `KITH_REPORT_FLOOD_LIMIT`), written like "30/10min": at most
30 in any 10 minutes.
"""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from trust.models import Report

MESSAGE_FLOOD_MESSAGE = _(
    "You have sent a lot of messages in a short time. Please wait a few minutes and try again."
)
REPORT_FLOOD_MESSAGE = _(
    "You have sent a lot of reports in a short time. Please wait a while and try again."
)

# First key of the advisory lock, one per kind of limit (the second is the person's id).
_LOCK_KEYS = {"message": 7301, "report": 7302}
_LIMIT_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*min\s*$")


def parse_limit(value: str) -> tuple[int, dt.timedelta]:
    """ "30/10min" -> (30, 10 minutes)."""
    found = _LIMIT_RE.match(value or "")
    if found is None or int(found[2]) == 0:
        raise ValueError(f'A flood limit looks like "30/10min", not {value!r}.')
    return int(found[1]), dt.timedelta(minutes=int(found[2]))


def _check(
    *, kind: str, person_id: int, rows: QuerySet, limit: str, message: str | Promise
) -> None:
    most, window = parse_limit(limit)
    if connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_KEYS[kind], int(person_id)]
            )
    since = timezone.now() - window
    if rows.filter(created_at__gte=since).count() >= most:
        raise ApplicationError(message, code=f"{kind}_flood")


def message_flood_check(*, person_id: int, sent: QuerySet) -> None:
    """Refuse one more message if `sent` (the person's messages) already reaches the limit.
    Call it inside the transaction that then saves the message."""
    _check(
        kind="message",
        person_id=person_id,
        rows=sent,
        limit=settings.KITH_MESSAGE_FLOOD_LIMIT,
        message=MESSAGE_FLOOD_MESSAGE,
    )


def report_flood_check(*, person_id: int) -> None:
    """Refuse one more report (of a listing, a person or a message) if the person already
    made as many as the limit allows in its window. Call it inside the transaction that then
    saves the report."""
    _check(
        kind="report",
        person_id=person_id,
        rows=Report.objects.filter(reporter_id=person_id),
        limit=settings.KITH_REPORT_FLOOD_LIMIT,
        message=REPORT_FLOOD_MESSAGE,
    )
