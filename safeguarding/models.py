"""A match held for staff review because a check its helper needs lapsed or was revoked."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from matching.models import Match


class MatchHold(models.Model):
    """A live match whose helper no longer holds a check the kind of help needs: staff look
    at it and either let it go on (the check was renewed) or end it. One open hold per match.
    Both people are told when it is held (`match.held_check`)."""

    class Why(models.TextChoices):
        REVOKED = "revoked", _("A check was revoked")
        EXPIRED = "expired", _("A check expired")
        NEVER_HELD = "never_held", _("A check was never recorded")
        NOW_REQUIRED = "now_required", _("The council now asks for a check")

    class Outcome(models.TextChoices):
        NONE = "", "—"
        CONTINUED = "continued", _("Went on: the helper holds the checks again")
        ENDED = "ended", _("Ended")

    match = models.ForeignKey(Match, on_delete=models.CASCADE, related_name="holds")
    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    why = models.CharField(max_length=12, choices=Why.choices)
    kinds = ArrayField(models.CharField(max_length=24), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True, default="")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["council", "resolved_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["match"],
                condition=models.Q(resolved_at__isnull=True),
                name="matchhold_one_open_per_match",
            ),
        ]

    def __str__(self) -> str:
        return f"Hold {self.pk} of match {self.match_id}"
