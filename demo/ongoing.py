"""Demo data owned by arrangements: ongoing help with weeks of history behind it.

Runs after `demo.matches.seed_matches`. A handful of weekly needs are matched and accepted
through the real services (the accept starts each arrangement, `arrangements.follow`), then
each arrangement is moved back in time as a whole: the visits it was given, and any the
helper or citizen skipped while they were still to come, keep their local times and move
back the same number of weeks, and the daily job's `visits_generate` fills the weeks up to
now and four weeks ahead. Time then runs forward through the past visits in order: the
check-in job (`checkins_run(now=...)`) asks, and the helper and the citizen answer
(`visit_check_in(now=...)`), so statuses, answers, welfare checks and the audit log are what
the real code makes of them:

- a hot-meals arrangement: visits done with the time spent and notes, one skipped with a
  reason;
- a befriending arrangement that began with an introduction, whose last visit the citizen
  says did not happen: a welfare check opens;
- a shopping arrangement whose last two visits nobody confirmed: a welfare check opens, and
  "do you still need help?" went unanswered and waits for staff;
- a technology arrangement the citizen ended once they could manage on their own;
- a gardening arrangement, simply running.

Deterministic (seeded, needs in creation order) given the day it runs; idempotent: the demo
council's matches go with their listings, and its welfare checks are removed first.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from django.db import transaction
from django.utils import timezone

from accounts.models import Council, User
from arrangements import schedule
from arrangements import services as ongoing
from arrangements.checkins import checkins_run
from arrangements.models import Arrangement, StillNeeded, Visit, WelfareCheck
from marketplace.models import Need
from matching import services as matching
from matching.models import Match

from .matches import DEMO_HELPER, _pick

DONE, CITIZEN_NO, SILENT = "done", "citizen_no", "silent"


@dataclass(frozen=True)
class Story:
    categories: tuple[str, ...]  # the first of these with a weekly open need that has a helper
    weeks: int  # how long ago it started
    last: tuple[str, ...] = ()  # what became of the last past visits; the others were done
    skip: str = ""  # a reason, if one of its visits was skipped while still to come
    end: tuple[str, str] | None = None  # (reason, note) if the citizen ended it
    still_needed_for_staff: bool = False
    notes: list[str] = field(default_factory=list)


STORIES = [
    Story(
        ("hot-meals",),
        weeks=6,
        skip="I have a hospital appointment that day.",
        notes=[
            "Shepherd's pie; a clean plate.",
            "Soup and a roll, and a chat about the garden.",
            "Fish pie, with a portion left in the fridge for tomorrow.",
        ],
    ),
    Story(
        ("befriending",),
        weeks=5,
        last=(CITIZEN_NO,),
        notes=[
            "We looked through old photographs.",
            "Tea and the crossword.",
            "A walk to the park bench and back.",
        ],
    ),
    Story(
        ("shopping",),
        weeks=5,
        last=(SILENT, SILENT),
        still_needed_for_staff=True,
        notes=["Weekly shop done; receipt left on the table.", "Collected the prescription too."],
    ),
    Story(
        ("technology",),
        weeks=4,
        end=(Arrangement.EndReason.DONE, "I can make video calls to my grandchildren myself now."),
        notes=["Practised answering a video call.", "Set up the tablet's large text."],
    ),
    Story(
        ("gardening", "dog-walking", "lifts"),
        weeks=3,
        notes=["Lawn mown.", "Weeded the front beds."],
    ),
]
MINUTES = [45, 50, 60, 60, 60, 75, 90]
# When, after a visit ends, the check-in job asks and people answer.
ASKED, ANSWERED, CITIZEN_ANSWERED = (
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=20),
    dt.timedelta(minutes=45),
)
# Silence takes two waits (helper, then citizen) and a little more to run its course.
SILENCE = dt.timedelta(hours=50)


def _weekly_need(categories: tuple[str, ...], *, council: Council, helper: User | None):
    """The first open weekly need, in one of `categories` in that order, with a helper."""
    citizen_emails = ("citizen@kith.example",)  # the quick start shows her open needs ranked
    for slug in categories:
        needs = (
            Need.objects.filter(
                council=council,
                status=Need.Status.OPEN,
                timing=Need.Timing.WEEKLY,
                category__slug=slug,
            )
            .exclude(owner__email__in=citizen_emails)
            .select_related("owner", "category", "council")
            .order_by("id")
        )
        for need in needs:
            offer = _pick(need, prefer=helper)
            if offer is not None:
                return need, offer
    return None, None


def _local_shift(moment: dt.datetime, weeks: int) -> dt.datetime:
    """The same time on the clock, `weeks` earlier (clocks change in between)."""
    local = moment.astimezone(schedule.local_zone())
    return schedule.at_local(local.date() - dt.timedelta(weeks=weeks), local.time())


def _move_back(arrangement: Arrangement, *, weeks: int, now: dt.datetime) -> dt.datetime:
    """Move a just-started arrangement `weeks` into the past, then generate up to now."""
    began = now - dt.timedelta(weeks=weeks)
    for visit in Visit.objects.filter(arrangement=arrangement):
        visit.planned_for = _local_shift(visit.planned_for, weeks)
        visit.starts_at = _local_shift(visit.starts_at, weeks)
        visit.ends_at = _local_shift(visit.ends_at, weeks)
        visit.save(update_fields=["planned_for", "starts_at", "ends_at"])
    back = dt.timedelta(weeks=weeks)
    arrangement.starts_on -= back
    if arrangement.generated_until is not None:
        arrangement.generated_until -= back
    arrangement.save(update_fields=["starts_on", "generated_until"])
    Arrangement.objects.filter(pk=arrangement.pk).update(created_at=began)
    # The need was asked for before it was matched, as in life (time to a match stays
    # positive on the oversight dashboard).
    Need.objects.filter(pk=arrangement.match.need_id).update(
        created_at=began - dt.timedelta(days=5),
        published_at=began - dt.timedelta(days=4),
    )
    Match.objects.filter(pk=arrangement.match_id).update(
        created_at=began - dt.timedelta(days=2),
        helper_agreed_at=began - dt.timedelta(days=2),
        citizen_agreed_at=began,
        accepted_at=began,
        started_at=began + dt.timedelta(days=1),
    )
    ongoing.visits_generate(arrangement=arrangement, now=now)
    return began


def _start(story: Story, *, council: Council, helper: User | None, now: dt.datetime):
    need, offer = _weekly_need(story.categories, council=council, helper=helper)
    if need is None or offer is None:
        return None
    helper_user = User.objects.get(pk=offer.helper_id)
    match = matching.match_offer_help(helper=helper_user, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=need.owner, match_id=match.pk)
    matching.match_start(user=helper_user, match_id=match.pk)
    arrangement = Arrangement.objects.select_related(
        "match__need__owner", "match__offer__helper"
    ).get(match=match)
    if story.skip:
        # Skipped through the service while it was still to come; it moves back with the rest.
        visits = list(Visit.objects.filter(arrangement=arrangement).order_by("starts_at"))
        ongoing.visit_skip(
            user=need.owner,
            arrangement_id=arrangement.pk,
            visit_id=visits[min(2, len(visits) - 1)].pk,
            reason=story.skip,
        )
    _move_back(arrangement, weeks=story.weeks, now=now)
    return arrangement


Step = tuple[dt.datetime, int, Callable[[], object]]


def _steps(
    story: Story, arrangement: Arrangement, *, rng: random.Random, now: dt.datetime
) -> list[Step]:
    """What happens after each of the arrangement's past visits, in time order."""
    citizen, helper = arrangement.match.need.owner, arrangement.match.offer.helper
    cutoff = now - (SILENCE if SILENT in story.last else ANSWERED + CITIZEN_ANSWERED)
    past = list(
        Visit.objects.filter(
            arrangement=arrangement, status=Visit.Status.PLANNED, ends_at__lte=cutoff
        ).order_by("starts_at")
    )
    if not past:
        return []
    fates = [DONE] * max(0, len(past) - len(story.last)) + list(story.last)[-len(past) :]
    steps: list[Step] = []

    def answer(who: User, visit: Visit, at: dt.datetime, happened: bool, **more) -> Step:
        def run():
            return ongoing.visit_check_in(
                user=who,
                arrangement_id=arrangement.pk,
                visit_id=visit.pk,
                happened=happened,
                now=at,
                **more,
            )

        return (at, len(steps), run)

    for visit, fate in zip(past, fates, strict=True):
        end = visit.ends_at
        steps.append((end + ASKED, len(steps), partial(checkins_run, now=end + ASKED)))
        if fate == DONE:
            note = rng.choice(story.notes) if story.notes and rng.random() < 0.5 else ""
            minutes = rng.choice(MINUTES)
            steps.append(answer(helper, visit, end + ANSWERED, True, minutes=minutes, note=note))
        elif fate == CITIZEN_NO:
            steps.append(answer(helper, visit, end + ANSWERED, False))
            steps.append(answer(citizen, visit, end + CITIZEN_ANSWERED, False))
        else:  # nobody answers: the job asks the citizen after a day, gives up after another
            for hours in (25, 49):
                at = end + dt.timedelta(hours=hours)
                steps.append((at, len(steps), partial(checkins_run, now=at)))
    return steps


def _still_needed_for_staff(arrangement: Arrangement, *, now: dt.datetime) -> None:
    """The citizen was asked "do you still need help?" two weeks ago and reminded a week
    later; unanswered, it is now for staff. Written as the daily job (`still_needed_run`)
    leaves it: the job itself would ask every demo need old enough, all at once."""
    need = arrangement.match.need
    StillNeeded.objects.create(
        council_id=need.council_id,
        need=need,
        arrangement=arrangement,
        reason=StillNeeded.Reason.PERIODIC,
        asked_at=now - dt.timedelta(days=15),
        reminded_at=now - dt.timedelta(days=8),
        for_staff_at=now - dt.timedelta(days=1),
    )


@transaction.atomic
def seed_arrangements(*, council: Council) -> str:
    rng = random.Random(20261124)  # noqa: S311 - demo data, not security
    now = timezone.now()
    # Matches (and with them arrangements) went with the listings; welfare checks stay with
    # the person, so the demo council's are removed here.
    WelfareCheck.objects.filter(council=council).delete()
    helper = User.objects.filter(email=DEMO_HELPER).first()
    started: list[tuple[Story, Arrangement]] = []
    for story in STORIES:
        arrangement = _start(story, council=council, helper=helper, now=now)
        if arrangement is not None:
            started.append((story, arrangement))
    steps = sorted(
        (step for story, arr in started for step in _steps(story, arr, rng=rng, now=now)),
        key=lambda step: (step[0], step[1]),
    )
    for _at, _order, run in steps:
        run()
    checkins_run(now=now)  # the beat job, as it runs today
    for story, arrangement in started:
        if story.still_needed_for_staff:
            _still_needed_for_staff(arrangement, now=now)
        if story.end is not None:
            reason, note = story.end
            ongoing.arrangement_end(
                user=arrangement.match.need.owner,
                arrangement_id=arrangement.pk,
                reason=reason,
                note=note,
            )
    running = Arrangement.objects.filter(council=council, status=Arrangement.Status.RUNNING)
    done = Visit.objects.filter(arrangement__council=council, status=Visit.Status.DONE).count()
    checks = WelfareCheck.objects.filter(council=council, status=WelfareCheck.Status.OPEN).count()
    return (
        f"Ongoing help: {running.count()} running arrangements, {done} visits done, "
        f"{checks} open welfare checks"
    )
