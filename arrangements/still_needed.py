""" "Do you still need help?": every few weeks (the council's `still_needed_every`) the owner
of an open need, or of a need with help running, is asked to confirm. No answer after a
reminder puts it in the staff queue before anything is closed; an open need whose time has
run out with nobody helping goes to the same queue instead of expiring unseen
(`marketplace.services.need_expire_stale` leaves open needs to this).

A "yes" keeps everything as it is (and gives an open need more time); a "no" withdraws the
need or ends its arrangements kindly. Staff decide the rest: keep it open, or close it.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from accounts.models import Council, User
from accounts.permissions import Capability, staff_council
from core.audit import audit_record
from core.errors import ApplicationError, NotFound
from marketplace.lifecycle import need_transition
from marketplace.models import Need
from marketplace.services import need_withdraw

from .models import Arrangement, StillNeeded
from .policy import STILL_NEEDED_REMINDER_AFTER, ongoing_policy
from .services import arrangement_end

OPEN_ROW = {"answered_at__isnull": True, "resolved_at__isnull": True}


def _audit(*, actor: User | None, verb: str, row: StillNeeded, **data) -> None:
    audit_record(
        actor=actor,
        verb=verb,
        target_type="still_needed",
        target_id=row.pk,
        council=row.council,
        data={"need": row.need_id, **data},
    )


def _running(need: Need) -> list[Arrangement]:
    return list(
        Arrangement.objects.filter(
            match__need=need, status=Arrangement.Status.RUNNING
        ).select_related("match")
    )


def _ask(*, need: Need, now: dt.datetime, reason: str, for_staff: bool) -> StillNeeded | None:
    running = _running(need)
    try:
        with transaction.atomic():
            row = StillNeeded.objects.create(
                council_id=need.council_id,
                need=need,
                arrangement=running[0] if running else None,
                reason=reason,
                asked_at=now,
                for_staff_at=now if for_staff else None,
            )
    except IntegrityError:
        return None  # one is already waiting for this need
    verb = "need.nobody_helping" if for_staff else "need.still_needed_asked"
    _audit(actor=None, verb=verb, row=row)
    return row


def _last_confirmed(council: Council) -> dict[int, dt.datetime]:
    return dict(
        StillNeeded.objects.filter(council=council, answer=StillNeeded.Answer.YES)
        .values("need_id")
        .annotate(last=Max("answered_at"))
        .values_list("need_id", "last")
    )


@transaction.atomic
def still_needed_run(*, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily job: ask, remind, hand to staff, and bring up needs nobody could help."""
    now = now or timezone.now()
    counts = {"asked": 0, "reminded": 0, "for_staff": 0, "nobody_helping": 0}
    waiting = set(StillNeeded.objects.filter(**OPEN_ROW).values_list("need_id", flat=True))
    for council in Council.objects.filter(is_active=True):
        every = ongoing_policy(council).still_needed_every
        confirmed = _last_confirmed(council)
        needs = Need.objects.filter(
            council=council, status__in=(Need.Status.OPEN, Need.Status.MATCHED)
        ).exclude(pk__in=waiting)
        for need in needs.only("pk", "council_id", "published_at", "expires_at", "status"):
            if need.status == Need.Status.OPEN and need.expires_at and need.expires_at < now:
                if _ask(need=need, now=now, reason="nobody_helping", for_staff=True):
                    counts["nobody_helping"] += 1
                continue
            since = max(filter(None, (need.published_at, confirmed.get(need.pk))), default=None)
            due = since is not None and since + every <= now
            if due and _ask(need=need, now=now, reason="periodic", for_staff=False):
                counts["asked"] += 1
    open_rows = StillNeeded.objects.select_for_update(skip_locked=True).filter(
        **OPEN_ROW, for_staff_at__isnull=True
    )
    for row in open_rows.filter(
        reminded_at__isnull=True, asked_at__lte=now - STILL_NEEDED_REMINDER_AFTER
    ):
        row.reminded_at = now
        row.save(update_fields=["reminded_at"])
        _audit(actor=None, verb="need.still_needed_reminder", row=row)
        counts["reminded"] += 1
    for row in open_rows.filter(reminded_at__lte=now - STILL_NEEDED_REMINDER_AFTER):
        row.for_staff_at = now
        row.save(update_fields=["for_staff_at"])
        _audit(actor=None, verb="need.still_needed_unanswered", row=row)
        counts["for_staff"] += 1
    return counts


def still_needed_waiting(*, user: User, need_id: int) -> StillNeeded | None:
    """The question waiting for the owner of `need_id`, if any."""
    return (
        StillNeeded.objects.filter(need_id=need_id, need__owner=user, **OPEN_ROW)
        .select_related("need")
        .first()
    )


def still_needed_answer(
    *, user: User, row_id: int, still: bool, now: dt.datetime | None = None
) -> StillNeeded:
    """The citizen answers. Yes: nothing changes, and an open need gets more time. No: the
    need is withdrawn, or its arrangements end as no longer needed."""
    now = now or timezone.now()
    with transaction.atomic():
        row = (
            StillNeeded.objects.select_for_update(of=("self",))
            .select_related("need", "council")
            .filter(pk=row_id, need__owner=user)
            .first()
        )
        if row is None:
            raise NotFound()
        if row.answered_at is not None or row.resolved_at is not None:
            raise ApplicationError(
                gettext("This has already been answered. Thank you."), code="answered"
            )
        row.answered_at = now
        row.answer = StillNeeded.Answer.YES if still else StillNeeded.Answer.NO
        row.save(update_fields=["answered_at", "answer"])
        _audit(actor=user, verb="need.still_needed_answered", row=row, still=still)
        need = row.need
        if still:
            _more_time(need=need, council=row.council, now=now)
            Arrangement.objects.filter(match__need=need, status=Arrangement.Status.RUNNING).update(
                still_needed_at=now
            )
            return row
        running = _running(need)
        if not running and need.status == Need.Status.OPEN:
            need_withdraw(actor=user, need=need)
    for arrangement in running:
        arrangement_end(
            user=user,
            arrangement_id=arrangement.pk,
            reason=Arrangement.EndReason.NO_LONGER_NEEDED,
        )
    return row


def _more_time(*, need: Need, council: Council, now: dt.datetime) -> None:
    """An open need kept by its owner's "yes" or by staff gets another interval to run."""
    if need.status == Need.Status.OPEN and need.expires_at is not None:
        locked = Need.objects.select_for_update().get(pk=need.pk)
        later = now + ongoing_policy(council).still_needed_every
        locked.expires_at = max(locked.expires_at or later, later)
        locked.save(update_fields=["expires_at", "updated_at"])


# --- Staff ------------------------------------------------------------------------------------
class Resolution:
    KEEP_OPEN = "keep_open"
    CLOSE = "close"
    CHOICES = (
        (KEEP_OPEN, gettext_lazy("Keep it: the person still needs help")),
        (CLOSE, gettext_lazy("Close it")),
    )


def still_needed_for_staff(*, actor: User) -> QuerySet[StillNeeded]:
    council = staff_council(actor, Capability.WELFARE)
    return (
        StillNeeded.objects.filter(
            council=council,
            for_staff_at__isnull=False,
            resolved_at__isnull=True,
            answered_at__isnull=True,
        )
        .select_related("need__owner", "need__category")
        .order_by("for_staff_at", "id")
    )


def still_needed_resolve(*, actor: User, row_id: int, resolution: str) -> StillNeeded:
    """Staff have spoken to the person (or tried) and decide: keep the need, or close it
    (an open need closes as expired; running help ends as no longer needed)."""
    now = timezone.now()
    with transaction.atomic():
        council = staff_council(actor, Capability.WELFARE)
        row = (
            StillNeeded.objects.select_for_update(of=("self",))
            .select_related("need", "council")
            .filter(pk=row_id, council=council, resolved_at__isnull=True, answered_at__isnull=True)
            .first()
        )
        if row is None:
            raise NotFound()
        if resolution not in (Resolution.KEEP_OPEN, Resolution.CLOSE):
            raise ApplicationError(
                gettext("Choose what to do with this request."), code="resolution"
            )
        row.resolved_at, row.resolved_by, row.resolution = now, actor, resolution
        row.save(update_fields=["resolved_at", "resolved_by", "resolution"])
        _audit(actor=actor, verb="need.still_needed_resolved", row=row, resolution=resolution)
        need = Need.objects.select_for_update().get(pk=row.need_id)
        running = _running(need)
        if resolution == Resolution.KEEP_OPEN:
            _more_time(need=need, council=row.council, now=now)
            return row
        if not running and need.status == Need.Status.OPEN:
            need_transition(need=need, to=Need.Status.CLOSED, closed_reason="expired")
            audit_record(actor=actor, verb="need.expired", target=need)
    for arrangement in running:
        arrangement_end(
            user=actor,
            arrangement_id=arrangement.pk,
            reason=Arrangement.EndReason.NO_LONGER_NEEDED,
        )
    return row
