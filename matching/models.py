"""Matching: matches between a need and an offer, their messages and feedback, urgent-need
alerts and batch assignment rounds.

Invariants live in the database: one live match per (need, offer), ratings between 1 and 5,
one feedback per person per match, one alert per helper per need. Capacity across rows (a
need's `helpers_wanted`, an offer's `capacity`) is enforced by `matching.services` under row
locks on the need and the offer, because a CHECK cannot count other rows.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from core.welsh import in_active_language
from marketplace.models import Need, Offer


class Match(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACCEPTED = "accepted", _("Accepted")
        ACTIVE = "active", _("Under way")
        COMPLETED = "completed", _("Completed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    class ProposedBy(models.TextChoices):
        HELPER = "helper", _("The helper")
        CITIZEN = "citizen", _("The person asking for help")
        STAFF = "staff", _("Council staff")
        ROUND = "round", _("A matching round")

    # Statuses that hold a place against capacity, and those that block a new proposal.
    HOLDING = ("accepted", "active")
    LIVE = ("proposed", "accepted", "active")

    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="+")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="matches")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="matches")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    proposed_by = models.CharField(max_length=8, choices=ProposedBy.choices)
    proposed_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A match becomes accepted once both people have agreed; the proposer agrees by proposing
    # (staff and round proposals need both).
    citizen_agreed_at = models.DateTimeField(null=True, blank=True)
    helper_agreed_at = models.DateTimeField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    # Why a round proposed the pair, written when it was proposed in English and in Welsh;
    # `why` is the one the reader's page shows.
    explanation = models.CharField(max_length=400, blank=True)
    explanation_cy = models.CharField(max_length=400, blank=True, default="")
    decline_reason = models.CharField(max_length=300, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Declined/cancelled/expired.")
    )

    class Meta:
        verbose_name_plural = "matches"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["offer", "status"]),
            models.Index(fields=["need", "status"]),
            models.Index(fields=["council", "status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["need", "offer"],
                condition=models.Q(status__in=["proposed", "accepted", "active"]),
                name="match_one_live_per_need_offer",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="accepted") | models.Q(accepted_at__isnull=False),
                name="match_accepted_has_time",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="completed") | models.Q(completed_at__isnull=False),
                name="match_completed_has_time",
            ),
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | (models.Q(score__gte=0) & models.Q(score__lte=1)),
                name="match_score_unit",
            ),
        ]

    def __str__(self) -> str:
        return f"Match {self.pk}: need {self.need_id} × offer {self.offer_id} ({self.status})"

    @property
    def why(self) -> str:
        """Why the pair was proposed, in the language of the page (English or Welsh)."""
        return in_active_language(self.explanation, self.explanation_cy)


class Message(models.Model):
    """One message in the conversation of a match, between its two people.

    `sent_for_by` is the member of council staff who wrote it for the sender (assisted
    digital, `matching.assisted`); people see only that the council sent it for the sender,
    never which member of staff (`sent_by_council`)."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="messages")
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    # Indexed by a partial index built concurrently (see Meta and migration 0007).
    sent_for_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["match", "created_at"]),
            models.Index(
                fields=["sent_for_by"],
                condition=models.Q(sent_for_by__isnull=False),
                name="message_sent_for_by",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="message_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Message {self.pk} in match {self.match_id}"

    @property
    def sent_by_council(self) -> bool:
        """Council staff wrote it for the sender (who is named; the member of staff is not)."""
        return self.sent_for_by_id is not None


class StaffConversationRead(models.Model):
    """A member of council staff read a match's private conversation, and why. Only staff
    whose role may (`Capability.CONVERSATIONS`, the safeguarding lead's) read one, and only
    after saying why; the reason stays here, with the council's safeguarding record, and the
    audit row (`messages.read_by_staff`) points at this one."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="+")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=300)
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-read_at", "-id"]

    def __str__(self) -> str:
        return f"Conversation of match {self.match_id} read by {self.staff_id}"


class Feedback(models.Model):
    """After a completed match, each person may rate the other once (1–5) and comment."""

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_given"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback_received"
    )
    rating = models.PositiveSmallIntegerField()
    comment = models.TextField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["subject", "rating"])]
        constraints = [
            models.UniqueConstraint(fields=["match", "author"], name="feedback_once_per_author"),
            models.CheckConstraint(
                condition=models.Q(rating__gte=1) & models.Q(rating__lte=5),
                name="feedback_rating_1_to_5",
            ),
            models.CheckConstraint(
                condition=~models.Q(author=models.F("subject")), name="feedback_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}/5 on match {self.match_id}"


def _new_token() -> str:
    return secrets.token_urlsafe(32)


class AlertPreference(models.Model):
    """A helper's choice to be alerted about urgent needs nearby, with limits."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_preference"
    )
    opted_in = models.BooleanField(default=False)
    quiet_start = models.TimeField(null=True, blank=True, help_text=_("Local time, e.g. 21:00."))
    quiet_end = models.TimeField(null=True, blank=True, help_text=_("Local time, e.g. 08:00."))
    daily_cap = models.PositiveSmallIntegerField(default=3)
    # Idle asks (`matching.alert_policy`): told about a need near them when nobody has asked
    # them for a few days. On unless the helper turns it off; independent of `opted_in`.
    idle_asks = models.BooleanField(default=True)
    unsubscribe_token = models.CharField(max_length=64, unique=True, default=_new_token)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(daily_cap__gte=1) & models.Q(daily_cap__lte=20),
                name="alertpreference_daily_cap_range",
            ),
            models.CheckConstraint(
                condition=(models.Q(quiet_start__isnull=True) & models.Q(quiet_end__isnull=True))
                | (models.Q(quiet_start__isnull=False) & models.Q(quiet_end__isnull=False)),
                name="alertpreference_quiet_both_or_neither",
            ),
        ]

    def __str__(self) -> str:
        return f"Alerts for {self.user_id}: {'on' if self.opted_in else 'off'}"


class AlertSent(models.Model):
    """One helper told about one need: an urgent alert, or an "idle ask" (a helper nobody has
    asked for a while, told about a need near them: `matching.alert_policy`)."""

    class Kind(models.TextChoices):
        URGENT = "urgent", _("Urgent alert")
        IDLE = "idle", _("Asked while idle")

    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    helper = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alerts_received"
    )
    ring_m = models.PositiveIntegerField(help_text=_("The search ring that reached this helper."))
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.URGENT)
    #: Which wave of the need's urgent alerts reached the helper (`AlertRequest.waves`).
    wave = models.PositiveSmallIntegerField(default=1)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["helper", "sent_at"])]
        constraints = [
            models.UniqueConstraint(fields=["need", "helper"], name="alert_once_per_need_helper")
        ]

    def __str__(self) -> str:
        return f"Alert for need {self.need_id} to {self.helper_id}"


class AlertRequest(models.Model):
    """An urgent need's alerts, owed: written in the transaction that opens the need, done
    by `matching.tasks.alert_urgent_need`. If the task broker was down at commit, the beat
    job `alert_requests_pending` finds the request still open and runs it. Under rotated
    alerts, further waves follow while nobody has said yes (`alert_waves_due`)."""

    need = models.OneToOneField(Need, on_delete=models.CASCADE, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    #: Waves of rotated alerts sent so far, and when the next is due if no helper has said
    #: yes by then (`matching.tasks.alert_waves_due`); empty when no wave is owed.
    waves = models.PositiveSmallIntegerField(default=0)
    next_wave_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["requested_at"],
                condition=models.Q(done_at__isnull=True),
                name="alertrequest_pending",
            ),
            models.Index(
                fields=["next_wave_at"],
                condition=models.Q(next_wave_at__isnull=False),
                name="alertrequest_wave_due",
            ),
        ]

    def __str__(self) -> str:
        return f"Alerts owed for need {self.need_id}"


class Round(models.Model):
    """A batch assignment over a council's open needs and offers, proposed for staff review.

    `summary` holds the round's figures beside greedy matching's (`matching.rounds`), and
    `greedy_differences`: for each need greedy matching would have met otherwise, greedy's
    pairs (`{"need_id", "offer_id", "score"}`), or one with no offer where greedy would have
    left the need unmet."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being worked out")
        PROPOSED = "proposed", _("Waiting for review")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")
        CANCELLED = "cancelled", _("Cancelled")
        FAILED = "failed", _("Stopped by an error")

    class Stage(models.TextChoices):
        """Where a round being worked out has got to (`matching.rounds`); each stage counts
        its own steps in `progress_done` of `progress_total`."""

        WAITING = "", _("Waiting to start")
        BUILDING = "building", _("Finding the possible pairs")
        SOLVING = "solving", _("Choosing the matches")
        STORING = "storing", _("Writing the proposals")
        DONE = "done", _("Finished")

    # Still being worked out: one at a time per council (`matching.rounds.round_start`).
    ACTIVE = (Status.QUEUED, Status.RUNNING)

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    summary = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    # Progress of the background job (`matching.tasks.round_build`).
    stage = models.CharField(max_length=10, choices=Stage.choices, default="", blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancel_requested_at = models.DateTimeField(null=True, blank=True)
    # Why a round stopped without proposals (a code of `matching.rounds.FAILURES`).
    failure = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Round {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        """Still being worked out (waiting for a worker, or running)."""
        return self.status in self.ACTIVE


class RoundProposal(models.Model):
    """One pair a round proposes. Staff send the ones they tick; `outcome` records what
    became of each (`match` is the proposed match of a sent one)."""

    class Outcome(models.TextChoices):
        WAITING = "waiting", _("Waiting for review")
        SENT = "sent", _("Sent")
        NOT_SELECTED = "not_selected", _("Not sent: left out by staff")
        SKIPPED = "skipped", _("Not sent: no longer possible")
        DISCARDED = "discarded", _("Discarded with the round")

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="proposals")
    need = models.ForeignKey(Need, on_delete=models.CASCADE, related_name="+")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField()
    explanation = models.CharField(max_length=400, blank=True)
    explanation_cy = models.CharField(max_length=400, blank=True, default="")
    outcome = models.CharField(max_length=12, choices=Outcome.choices, default=Outcome.WAITING)
    match = models.ForeignKey(
        Match, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["round", "need", "offer"], name="roundproposal_unique_pair"
            )
        ]

    def __str__(self) -> str:
        return f"Round {self.round_id}: need {self.need_id} × offer {self.offer_id}"

    @property
    def why(self) -> str:
        """Why the round chose the pair, in the language of the page (English or Welsh)."""
        return in_active_language(self.explanation, self.explanation_cy)


class StillHelping(models.Model):
    """ "Do you still want to help?", asked of a helper whose open offers have had no
    proposal, alert or match for weeks (`matching.still_helping`). `answer` is empty until
    they answer; nothing is paused without one."""

    class Answer(models.TextChoices):
        YES = "yes", _("Yes, keep my offers open")
        NO = "no", _("No, pause my offers for now")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    helper = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    asked_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=3, choices=Answer.choices, blank=True)
    paused_offers = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["helper", "asked_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["helper"],
                condition=models.Q(answered_at__isnull=True),
                name="stillhelping_one_waiting_per_helper",
            ),
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True, answer="")
                | models.Q(answered_at__isnull=False, answer__in=("yes", "no")),
                name="stillhelping_answer_with_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Still helping? asked of {self.helper_id}"
