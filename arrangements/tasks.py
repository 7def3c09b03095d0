"""The beat jobs of ongoing help, each safe to run on several workers at once."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from .checkins import checkins_run
from .models import Arrangement
from .services import visits_generate
from .still_needed import still_needed_run


def _moment(now: str | None) -> dt.datetime:
    """Now, or the ISO instant a caller gives (a test moving time, an operator catching up)."""
    return dt.datetime.fromisoformat(now) if now else timezone.now()


@shared_task(name="arrangements.tasks.visits_ahead")
def visits_ahead(now: str | None = None) -> int:
    """Keep every running arrangement's visits written `schedule.HORIZON` ahead (daily)."""
    moment = _moment(now)
    made = 0
    for arrangement in Arrangement.objects.filter(status=Arrangement.Status.RUNNING).exclude(
        frequency="once"
    ):
        made += visits_generate(arrangement=arrangement, now=moment)
    return made


@shared_task(name="arrangements.tasks.checkins")
def checkins(now: str | None = None) -> dict:
    """Ask "did the visit happen?" and follow up unanswered questions (every 15 minutes)."""
    return checkins_run(now=_moment(now))


@shared_task(name="arrangements.tasks.still_needed")
def still_needed(now: str | None = None) -> dict:
    """Ask "do you still need help?", remind, and hand unanswered ones to staff (daily)."""
    return still_needed_run(now=_moment(now))
