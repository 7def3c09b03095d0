"""The audit log: an append-only record of decisions, staff reads of personal data and
lifecycle steps. Its table keeps the name it was created with (`marketplace_auditevent`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """An append-only record of a decision or a read of personal data by staff, or of a
    lifecycle step. The database refuses UPDATE and DELETE on this table (migration 0002).

    Foreign keys carry no database constraint and never cascade, so that removing or
    anonymising a person can never rewrite history.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    council = models.ForeignKey(
        "accounts.Council",
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    verb = models.CharField(max_length=60, help_text=_('e.g. "need.approved", "person.viewed".'))
    target_type = models.CharField(max_length=30)
    target_id = models.BigIntegerField(null=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "marketplace_auditevent"
        indexes = [
            models.Index(fields=["council", "created_at"]),
            models.Index(fields=["target_type", "target_id"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.verb} {self.target_type}:{self.target_id}"


class IdempotencyKey(models.Model):
    """A creating request sent with an `Idempotency-Key` header, and the answer it got, so the
    same request sent again (a retry after a lost answer) gets that answer instead of making a
    second record (`core.idempotency`). Only the key's hash is kept; the answer is a copy of
    what the person was already sent, kept a day and deleted with the person's account data."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key_hash = models.CharField(max_length=64)
    request_hash = models.CharField(max_length=64)
    # Written in the same transaction as the work, after it: nobody else ever sees the row
    # without them.
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "key_hash"], name="idempotency_key_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id}:{self.key_hash[:8]}"
