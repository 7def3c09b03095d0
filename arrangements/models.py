"""Ongoing help: what happens after two people agree to a match.

An accepted match is an `Arrangement`: one visit for a one-off need, or a weekly or
fortnightly schedule (`RegularTime`) for a recurring one. `Visit` rows are generated a few
weeks ahead and each is checked in on after it should have happened (the helper is asked, then
the citizen); a citizen's "no", or two visits in a row that nobody confirmed, opens a
`WelfareCheck` for council staff, whose calls are logged as `WelfareCall`s. A `ScheduleChange`
is a change one person asks for and the other confirms. A `StillNeeded` row asks the citizen,
every few weeks, whether they still need the help; unanswered, it waits for staff.

Words people type here (a visit note, an end reason, a skip reason, a call note) are shown to
council staff only, never to the other person.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from marketplace.models import Need, Weekday
from matching.models import Match


class Frequency(models.TextChoices):
    ONCE = "once", _("Once")
    WEEKLY = "weekly", _("Every week")
    FORTNIGHTLY = "fortnightly", _("Every two weeks")


class Role(models.TextChoices):
    NONE = "", "—"
    CITIZEN = "citizen", _("The person helped")
    HELPER = "helper", _("The helper")
    STAFF = "staff", _("Council staff")
    KITH = "kith", _("Kith")


class Arrangement(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        ENDED = "ended", _("Ended")

    class EndReason(models.TextChoices):
        NONE = "", "—"
        DONE = "done", _("The help is done")
        NO_LONGER_NEEDED = "no_longer_needed", _("Help is no longer needed")
        CANNOT_CONTINUE = "cannot_continue", _("Cannot carry on helping")
        NOT_A_GOOD_FIT = "not_a_good_fit", _("Not the right match after meeting")
        OTHER = "other", _("Another reason")
        MATCH_ENDED = "match_ended", _("The match was ended")

    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="arrangement")
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    frequency = models.CharField(max_length=12, choices=Frequency.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.RUNNING)
    first_meeting = models.BooleanField(
        default=False, help_text=_("The first visit is an introduction, with the safety checklist.")
    )
    visit_minutes = models.PositiveSmallIntegerField(
        default=60, help_text=_("How long a one-off visit is planned to take.")
    )
    # Visits exist up to this date; the daily job generates further ones as time moves on.
    generated_until = models.DateField(null=True, blank=True)
    still_needed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("When the citizen last said they still need the help.")
    )
    # Its match is held for staff (a check the help needs lapsed or was revoked): visits to
    # come are on hold, nobody is asked about them, and no visit counts as missed, until staff
    # let the match go on (`arrangements.follow`).
    held_since = models.DateTimeField(
        null=True, blank=True, help_text=_("Since when its visits are on hold for staff review.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_by_role = models.CharField(max_length=8, choices=Role.choices, default="", blank=True)
    end_reason = models.CharField(max_length=20, choices=EndReason.choices, default="", blank=True)
    end_note = models.TextField(max_length=500, blank=True, help_text=_("Shown to staff only."))

    class Meta:
        indexes = [models.Index(fields=["council", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="arrangement_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(status="running") | models.Q(ended_at__isnull=False),
                name="arrangement_ended_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Arrangement {self.pk} for match {self.match_id} ({self.status})"


class RegularTime(models.Model):
    """A weekly time of a recurring arrangement (local time)."""

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="times")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start = models.TimeField()
    end = models.TimeField()

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="regulartime_end_after_start"
            ),
            models.UniqueConstraint(
                fields=["arrangement", "weekday", "start"], name="regulartime_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class Visit(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        DONE = "done", _("Done")
        MISSED = "missed", _("Missed")
        SKIPPED = "skipped", _("Skipped")
        CANCELLED = "cancelled", _("Cancelled")
        ON_HOLD = "on_hold", _("On hold while the council checks")

    class CheckIn(models.TextChoices):
        NOT_YET = "", _("Not asked yet")
        ASKED_HELPER = "asked_helper", _("Helper asked")
        ASKED_CITIZEN = "asked_citizen", _("Person helped asked")
        CONFIRMED = "confirmed", _("Confirmed")
        UNCONFIRMED = "unconfirmed", _("Nobody confirmed")

    class Answer(models.TextChoices):
        NONE = "", "—"
        YES = "yes", _("Yes")
        NO = "no", _("No")

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="visits")
    # When the schedule put it: never changes, so generating again never makes it twice.
    planned_for = models.DateTimeField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    is_introduction = models.BooleanField(default=False)
    checkin = models.CharField(max_length=14, choices=CheckIn.choices, default="", blank=True)
    helper_asked_at = models.DateTimeField(null=True, blank=True)
    helper_answer = models.CharField(max_length=3, choices=Answer.choices, default="", blank=True)
    helper_answered_at = models.DateTimeField(null=True, blank=True)
    citizen_asked_at = models.DateTimeField(null=True, blank=True)
    citizen_answer = models.CharField(max_length=3, choices=Answer.choices, default="", blank=True)
    citizen_answered_at = models.DateTimeField(null=True, blank=True)
    minutes_spent = models.PositiveSmallIntegerField(null=True, blank=True)
    note = models.TextField(max_length=1000, blank=True, help_text=_("The helper's; staff only."))
    skip_reason = models.CharField(max_length=200, blank=True, help_text=_("Staff only."))
    changed_by_role = models.CharField(max_length=8, choices=Role.choices, default="", blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["arrangement", "starts_at"]),
            models.Index(
                fields=["ends_at"],
                condition=models.Q(status="planned"),
                name="visit_planned_ends",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement", "planned_for"], name="visit_once_per_planned_time"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="visit_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(minutes_spent__isnull=True)
                | (models.Q(minutes_spent__gte=1) & models.Q(minutes_spent__lte=720)),
                name="visit_minutes_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Visit {self.pk} ({self.status}) of arrangement {self.arrangement_id}"

    @property
    def planned_minutes(self) -> int:
        return int((self.ends_at - self.starts_at).total_seconds() // 60)


class ScheduleChange(models.Model):
    """A change one person asks for; it takes effect when the other confirms."""

    class Kind(models.TextChoices):
        MOVE_VISIT = "move_visit", _("Move one visit")
        CHANGE_TIME = "change_time", _("Change the regular time")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for the other person")
        CONFIRMED = "confirmed", _("Agreed")
        DECLINED = "declined", _("Not agreed")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    arrangement = models.ForeignKey(Arrangement, on_delete=models.CASCADE, related_name="changes")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    asked_by_role = models.CharField(max_length=8, choices=Role.choices)
    # A visit replaced by a new regular time goes; the record of what was asked stays.
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="changes"
    )
    new_starts_at = models.DateTimeField(null=True, blank=True)
    new_weekday = models.PositiveSmallIntegerField(choices=Weekday.choices, null=True, blank=True)
    new_start = models.TimeField(null=True, blank=True)
    new_end = models.TimeField(null=True, blank=True)
    new_frequency = models.CharField(max_length=12, choices=Frequency.choices, blank=True)
    # Changing one of several regular times: the one it replaces (none: all of them).
    replaces_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, null=True, blank=True
    )
    replaces_start = models.TimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["arrangement"],
                condition=models.Q(status="pending"),
                name="schedulechange_one_pending",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.status}) for arrangement {self.arrangement_id}"


class WelfareCheck(models.Model):
    """Council staff make sure a person is all right, because a visit seems not to have
    happened. Every call they make is logged (`WelfareCall`)."""

    class Reason(models.TextChoices):
        CITIZEN_SAID_NO = "citizen_said_no", _("The person said the visit did not happen")
        TWO_UNCONFIRMED = "two_unconfirmed", _("Two visits in a row nobody confirmed")
        HELPER_CONCERN = "helper_concern", _("The helper raised a worry")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        ESCALATED = "escalated", _("Passed to the safeguarding lead")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        FINE = "reached_fine", _("Reached, and they are fine")
        NEEDS_SOMETHING = "reached_needs", _("Reached, and they need something")
        ESCALATED = "escalated", _("Not reached: passed to the safeguarding lead")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="welfare_checks"
    )
    arrangement = models.ForeignKey(
        Arrangement, null=True, blank=True, on_delete=models.SET_NULL, related_name="welfare"
    )
    visit = models.ForeignKey(
        Visit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome = models.CharField(max_length=14, choices=Outcome.choices, default="", blank=True)
    concern_id = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("The safeguarding concern it was passed on as.")
    )
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["opened_at", "id"]
        indexes = [models.Index(fields=["council", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(status="open"),
                name="welfarecheck_one_open_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(status="open") | models.Q(closed_at__isnull=False),
                name="welfarecheck_closed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Welfare check {self.pk} ({self.status})"


class WelfareCall(models.Model):
    """One attempt by staff to reach the person, and what came of it."""

    class Result(models.TextChoices):
        FINE = "reached_fine", _("Reached, and they are fine")
        NEEDS_SOMETHING = "reached_needs", _("Reached, and they need something")
        NOT_REACHED = "not_reached", _("Not reached")

    check_row = models.ForeignKey(WelfareCheck, on_delete=models.CASCADE, related_name="calls")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.CharField(max_length=14, choices=Result.choices)
    note = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Call for welfare check {self.check_row_id}: {self.result}"


class StillNeeded(models.Model):
    """ "Do you still need help?", asked of a need's owner every few weeks. Unanswered after a
    reminder, or for a need whose time ran out with nobody helping, it waits for staff."""

    class Reason(models.TextChoices):
        PERIODIC = "periodic", _("Time to ask again")
        NOBODY_HELPING = "nobody_helping", _("Its time ran out and nobody could help")

    class Answer(models.TextChoices):
        NONE = "", "—"
        YES = "yes", _("Still needed")
        NO = "no", _("No longer needed")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    arrangement = models.ForeignKey(
        Arrangement, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(max_length=16, choices=Reason.choices, default=Reason.PERIODIC)
    asked_at = models.DateTimeField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=3, choices=Answer.choices, default="", blank=True)
    for_staff_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Put in the staff queue (no answer, or nobody helping).")
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]
        indexes = [models.Index(fields=["council", "for_staff_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["need"],
                condition=models.Q(answered_at__isnull=True, resolved_at__isnull=True),
                name="stillneeded_one_open_per_need",
            )
        ]

    def __str__(self) -> str:
        return f"Still needed? need {self.need_id}"
