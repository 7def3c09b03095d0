"""What Kith tells people and how each person wants to be told.

`Notification` is both the outbox and the record: one row per person, event and channel,
written in the transaction of the change it reports (`notifications.pipeline`), sent after
commit by a Celery task, and swept up by a beat job if the broker was down. The rows of the
"in Kith" channel are the person's "What's new" list.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    KITH = "kith", _("In Kith")
    EMAIL = "email", _("Email")
    SMS = "sms", _("Text message")
    LETTER = "letter", _("Letter")


#: The order Kith falls back through when a channel fails for good.
FALLBACK_ORDER = (Channel.EMAIL, Channel.SMS, Channel.LETTER)


class Status(models.TextChoices):
    # GOV.UK Notify's statuses, so that its delivery receipts map one to one.
    QUEUED = "queued", _("Waiting to be sent")
    SENDING = "sending", _("Sent, waiting for delivery")
    DELIVERED = "delivered", _("Delivered")
    PERMANENT_FAILURE = "permanent-failure", _("Could not be delivered")
    TEMPORARY_FAILURE = "temporary-failure", _("Not delivered: the phone or inbox was unavailable")
    TECHNICAL_FAILURE = "technical-failure", _("Not sent: a technical problem")
    WITHDRAWN = "withdrawn", _("Not sent: no longer needed")


FAILED = (Status.PERMANENT_FAILURE, Status.TEMPORARY_FAILURE, Status.TECHNICAL_FAILURE)


class Notification(models.Model):
    # No database constraint on the person (as on the audit log): rows are written inside
    # other people's transactions (a helper's accept tells the citizen), and a foreign-key
    # check would take a share lock on the person's row, which erasure locks first — the two
    # would deadlock. Erasure deletes a person's notifications itself (privacy declarations).
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="notifications",
    )
    council = models.ForeignKey(
        "accounts.Council",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_constraint=False,
        related_name="+",
    )
    event = models.CharField(max_length=60, help_text=_('What happened, e.g. "match.proposed".'))
    template = models.CharField(
        max_length=40, help_text=_("Kith's template (notifications.texts).")
    )
    channel = models.CharField(max_length=6, choices=Channel.choices)
    dedupe_key = models.CharField(
        max_length=120, help_text=_("One notification per person, channel and this key.")
    )
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    subject = models.CharField(max_length=200)
    body = models.TextField(max_length=3000)
    link = models.CharField(max_length=300, blank=True, help_text=_("Path of the page to act on."))
    context = models.JSONField(
        default=dict, blank=True, help_text=_("What filled the template's placeholders.")
    )
    target_type = models.CharField(max_length=20, blank=True, help_text=_('e.g. "match", "need".'))
    target_id = models.BigIntegerField(null=True, blank=True)
    to = models.CharField(max_length=254, blank=True, help_text=_("Where it was sent."))
    safety_critical = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.QUEUED)
    failure = models.CharField(max_length=200, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_after = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(
        max_length=2,
        default="en",
        help_text=_("The language its words were written in: en or cy."),
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["person", "channel", "dedupe_key"], name="notification_once_per_key"
            )
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["person", "read_at"],
                condition=Q(channel="kith"),
                name="notification_kith_unread",
            ),
            models.Index(
                fields=["send_after", "created_at"],
                condition=Q(status="queued"),
                name="notification_queued",
            ),
        ]
        ordering: ClassVar = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} → person {self.person_id} by {self.channel} ({self.status})"


class ContactPreference(models.Model):
    """How a person wants Kith to reach them. Staff recording for someone set it for them."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        WELSH = "cy", _("Cymraeg")

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contact_preference"
    )
    by_email = models.BooleanField(default=True)
    by_sms = models.BooleanField(default=False)
    by_letter = models.BooleanField(default=False)
    mobile = models.CharField(max_length=16, blank=True, help_text=_("E.164, e.g. +447700900123."))
    mobile_verified_at = models.DateTimeField(null=True, blank=True)
    mobile_code_digest = models.CharField(max_length=64, blank=True)
    mobile_code_expires_at = models.DateTimeField(null=True, blank=True)
    mobile_code_attempts = models.PositiveSmallIntegerField(default=0)
    sms_stopped_at = models.DateTimeField(
        null=True, blank=True, help_text=_("The person texted STOP: no texts until they opt in.")
    )
    postal_address = models.TextField(
        max_length=400, blank=True, help_text=_("For letters: lines, the postcode last.")
    )
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The member of staff who set these for the person, if one did."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=Q(mobile_verified_at__isnull=False),
                name="contact_verified_mobile_unique",
            )
        ]

    def __str__(self) -> str:
        return f"Contact preference of person {self.person_id}"

    @property
    def sms_ready(self) -> bool:
        return bool(self.mobile and self.mobile_verified_at and not self.sms_stopped_at)


class ConversationRead(models.Model):
    """When a person last had a conversation open: what is new since, and whether they are
    reading it right now (no notice is sent then)."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    match = models.ForeignKey("matching.Match", on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["person", "match"], name="conversation_read_once")
        ]

    def __str__(self) -> str:
        return f"Person {self.person_id} read match {self.match_id} at {self.read_at}"


class InboundText(models.Model):
    """A text message a person sent to Kith's number, and what Kith did with it."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", _("Accepted a proposal")
        DECLINED = "declined", _("Declined a proposal")
        ALERT_YES = "alert_yes", _("Said yes to an urgent alert")
        ALERT_NO = "alert_no", _("Said no to an urgent alert")
        VISIT_YES = "visit_yes", _("Said a visit happened")
        VISIT_NO = "visit_no", _("Said a visit did not happen")
        STILL_YES = "still_yes", _("Still needs help")
        STILL_NO = "still_no", _("No longer needs help")
        HELPING_YES = "helping_yes", _("Still wants to help: offers kept open")
        HELPING_NO = "helping_no", _("Does not want to help for now: offers paused")
        STOPPED = "stopped", _("Asked for no more texts")
        STARTED = "started", _("Asked for texts again")
        NOTHING_OPEN = "nothing_open", _("Nothing open to answer")
        REFUSED = "refused", _("Answer not possible")
        UNRECOGNISED = "unrecognised", _("Not understood: for staff to read")

    provider_id = models.CharField(max_length=64, unique=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbound_texts"
    )
    council = models.ForeignKey(
        "accounts.Council", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(max_length=1000)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    detail = models.CharField(max_length=200, blank=True)
    match = models.ForeignKey(
        "matching.Match", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField()
    handled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"Text from person {self.person_id}: {self.outcome}"
