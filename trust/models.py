"""The records that decide whom Kith trusts: helper checks, blocks, reports, safeguarding
concerns and their notes, and suspensions. The tables keep the names they were created with
(`accounts_helpercheck`, `marketplace_block`, ...)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council, User


class VerificationLevel(models.IntegerChoices):
    """Vetting levels, ordered: a higher level satisfies every lower requirement."""

    NONE = 0, _("None")
    ID_CHECKED = 1, _("ID checked")
    ENHANCED_DBS_BARRED = 2, _("Enhanced DBS with adults' barred list")


class HelperCheck(models.Model):
    """One check of a helper recorded by council staff: ID, enhanced DBS, induction, training,
    or a reference (with who gave it; `issued_on` is when).

    A check is *current* while it is not revoked, not superseded and not expired. Recording a
    check supersedes the current one of the same kind (a helper holds at most one current
    check of each kind, except references: the two most recent are current).

    Of a DBS certificate number, only the last four characters are kept in the clear. With the
    helper's recorded consent to DBS Update Service status checks, the full number is kept too,
    encrypted at rest (`core.crypto`); it is never shown, logged, exported or audited.
    """

    class Kind(models.TextChoices):
        ID = "id", _("ID check")
        DBS_ENHANCED_BARRED = "dbs_enhanced_barred", _("Enhanced DBS with adults' barred list")
        INDUCTION = "induction", _("Induction")
        SAFEGUARDING_TRAINING = "safeguarding_training", _("Safeguarding training")
        DATA_PROTECTION_TRAINING = "data_protection_training", _("Data protection training")
        REFERENCE = "reference", _("Reference")

    class StatusResult(models.TextChoices):
        NONE = "", _("Not checked yet")
        CURRENT = "current", _("Current: no new information")
        NOT_CURRENT = "not_current", _("Not current: new information, ask for a new certificate")

    LEVEL_FOR_KIND: ClassVar[dict[str, VerificationLevel]] = {
        Kind.ID: VerificationLevel.ID_CHECKED,
        Kind.DBS_ENHANCED_BARRED: VerificationLevel.ENHANCED_DBS_BARRED,
        Kind.INDUCTION: VerificationLevel.NONE,
        Kind.SAFEGUARDING_TRAINING: VerificationLevel.NONE,
        Kind.DATA_PROTECTION_TRAINING: VerificationLevel.NONE,
        Kind.REFERENCE: VerificationLevel.NONE,
    }
    #: How many current checks of a kind a helper may hold at once (one unless said here).
    CURRENT_AT_ONCE: ClassVar[dict[str, int]] = {Kind.REFERENCE: 2}

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="checks")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="helper_checks")
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # Who gave a reference (a third party's name, typed by staff); empty for other kinds.
    referee_name = models.CharField(max_length=120, blank=True, default="")
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    certificate_last4 = models.CharField(max_length=4, blank=True)
    recorded_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="checks_recorded"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Why staff revoked it, as they typed it. Kept here, not in the audit row (append-only and
    # kept longer), so retention and erasure decisions reach it.
    revoked_reason = models.TextField(blank=True, default="")
    # Recording a newer check of the same kind supersedes this one.
    superseded_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # DBS Update Service: the helper's consent, the full certificate number (a Fernet token,
    # `core.crypto`; never shown), and the last status check staff made and its result.
    update_service_consent_at = models.DateTimeField(null=True, blank=True)
    certificate_number_encrypted = models.TextField(blank=True, default="")
    status_checked_on = models.DateField(null=True, blank=True)
    status_check_result = models.CharField(
        max_length=12, choices=StatusResult.choices, blank=True, default=""
    )

    class Meta:
        db_table = "accounts_helpercheck"
        indexes = [models.Index(fields=["user", "expires_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=models.Q(revoked_at__isnull=True, superseded_at__isnull=True)
                & ~models.Q(kind="reference"),
                name="helpercheck_one_current_per_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="helpercheck_expiry_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user} ({self.issued_on})"

    @property
    def level(self) -> int:
        return self.LEVEL_FOR_KIND[self.kind]

    def is_valid_on(self, day: dt.date) -> bool:
        return (
            self.revoked_at is None
            and self.superseded_at is None
            and (self.expires_on is None or self.expires_on >= day)
        )

    @property
    def has_full_certificate_number(self) -> bool:
        return bool(self.certificate_number_encrypted)


class SafeguardingConcern(models.Model):
    """A worry about a person's safety or conduct, handled by the council's safeguarding lead.

    Notes are kept separately (`ConcernNote`) and can only be added, never changed, so the
    record of what was known and done stays as it was written.
    """

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        CLOSED = "closed", _("Closed")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        NO_FURTHER_ACTION = "no_further_action", _("No further action")
        ADVICE_GIVEN = "advice_given", _("Advice given")
        REFERRED = "referred", _("Referred to adult social care or the police")
        PERSON_SUSPENDED = "person_suspended", _("Person suspended")

    # Sort order of priorities in the queue: urgent first.
    PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="concerns")
    about = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="concerns_about"
    )
    raised_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="concerns_raised"
    )
    summary = models.CharField(max_length=200)
    priority = models.CharField(max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="concerns_owned",
        help_text=_("The member of staff handling this concern."),
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "accounts_safeguardingconcern"
        indexes = [models.Index(fields=["council", "status", "priority"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(status="closed")
                    & ~models.Q(outcome="")
                    & models.Q(closed_at__isnull=False)
                )
                | (~models.Q(status="closed") & models.Q(outcome="") & models.Q(closed_at=None)),
                name="concern_outcome_iff_closed",
            ),
        ]

    def __str__(self) -> str:
        return f"Concern {self.pk} ({self.get_priority_display()}, {self.get_status_display()})"


class ConcernNote(models.Model):
    """One note on a safeguarding concern. Append-only: the database refuses UPDATE and
    DELETE of a note (migration 0002), and a concern with notes cannot be deleted."""

    concern = models.ForeignKey(
        SafeguardingConcern, on_delete=models.DO_NOTHING, related_name="notes"
    )
    author = models.ForeignKey(
        User, null=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    body = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "accounts_concernnote"
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="concernnote_not_empty"),
        ]

    def __str__(self) -> str:
        return f"Note {self.pk} on concern {self.concern_id}"


class Suspension(models.Model):
    """One suspension of a person by council staff, and its lifting.

    A model rather than fields on `User`: a person can be suspended, reinstated and suspended
    again, and each time's reason, who decided and when must stay as it was written instead
    of being overwritten by the next. `User.suspended_at` remains the current state that every
    check reads; a row here whose `reinstated_at` is empty is the suspension in force (at most
    one per person).

    The reason and reinstatement note are staff-typed and may hold personal data about the
    person or others, so they live here and never in the audit log, which records only that
    one was given and its length. They are part of the council's safeguarding record: withheld
    from the person's own data download like safeguarding concern notes, and kept (naming the
    person only by id) when the person is erased (docs/adr/0005-erasure-anonymises.md).
    """

    person = models.ForeignKey(User, on_delete=models.CASCADE, related_name="suspensions")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="suspensions")
    concern = models.ForeignKey(
        SafeguardingConcern,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suspensions",
        help_text=_("The safeguarding concern the suspension was made from, if any."),
    )
    reason = models.TextField(max_length=1000)
    suspended_by = models.ForeignKey(
        User, null=True, on_delete=models.SET_NULL, related_name="suspensions_made"
    )
    suspended_at = models.DateTimeField()
    reinstated_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reinstatements_made"
    )
    reinstated_at = models.DateTimeField(null=True, blank=True)
    reinstatement_note = models.TextField(max_length=1000, blank=True, default="")
    closed_offer_ids = ArrayField(
        models.BigIntegerField(),
        default=list,
        db_default=[],
        blank=True,
        help_text=_(
            "The person's listed (open or paused) offers this suspension closed: staff "
            "may reopen them when they lift it."
        ),
    )

    class Meta:
        db_table = "accounts_suspension"
        ordering = ["-suspended_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=models.Q(reinstated_at__isnull=True),
                name="suspension_one_in_force",
            ),
        ]

    def __str__(self) -> str:
        return f"Suspension {self.pk} of person {self.person_id}"


class Block(models.Model):
    """One person has blocked another: Kith never matches or connects them again."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_made"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blocks_received"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "marketplace_block"
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="block_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class Report(models.Model):
    """Someone reported a listing, a person or a message. Reports of listings and messages join
    the moderation queue; a report about a person becomes a safeguarding concern."""

    class TargetType(models.TextChoices):
        NEED = "need", _("Need")
        OFFER = "offer", _("Offer")
        PERSON = "person", _("Person")
        MESSAGE = "message", _("Message")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld")
        DISMISSED = "dismissed", _("Dismissed")
        # A worry about a person: passed to the safeguarding lead as a concern, not moderated.
        REFERRED = "referred", _("Passed to safeguarding")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="reports_made"
    )
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="reports")
    target_type = models.CharField(max_length=8, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    reason = models.TextField(max_length=1000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "marketplace_report"
        indexes = [
            models.Index(fields=["council", "status"]),
            models.Index(fields=["target_type", "target_id"]),
        ]

    def __str__(self) -> str:
        return f"Report on {self.target_type} {self.target_id}"
