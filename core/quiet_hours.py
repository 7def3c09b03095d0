"""Quiet hours: a time of day a person does not want to be disturbed from, until another
(which may be the next morning). One rule for urgent alerts and for every other message."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from core.errors import ApplicationError


def quiet_hours_check(start: dt.time | None, end: dt.time | None) -> None:
    """Both times or neither, and not the same time."""
    if (start is None) != (end is None):
        raise ApplicationError(
            _("Give both a start and an end for quiet hours, or neither."), code="quiet_hours"
        )
    if start is not None and start == end:
        raise ApplicationError(
            _("Quiet hours must start and end at different times."), code="quiet_hours"
        )


def is_quiet(*, start: dt.time | None, end: dt.time | None, at: dt.time) -> bool:
    if start is None or end is None or start == end:
        return False
    if start < end:
        return start <= at < end
    return at >= start or at < end  # spans midnight, e.g. 21:00–08:00
