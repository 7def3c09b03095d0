"""The personal access token: a named, scoped, expiring key to the API that a person makes and
revokes themselves (`accounts.tokens` writes and reads them). Only a hash of the secret is
stored; the secret is shown once, when it is made.

Kept apart from `accounts.models` (which imports it, so Django finds it) so the token's rules
read in one place.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

#: What a token may do. `read`: look (GET, HEAD, OPTIONS). `write`: look and change its
#: person's own data. `staff`: a member of staff's second factor, for the staff endpoints.
SCOPES = ("read", "write", "staff")
#: The longest any token lives, and the longest a token with `staff` lives (a working day).
LONGEST_LIFE = dt.timedelta(days=90)
STAFF_LIFE = dt.timedelta(hours=8)


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="access_tokens"
    )
    name = models.CharField(max_length=80)
    # SHA-256 of the whole secret. The secret has 256 random bits, so a plain hash cannot be
    # reversed by guessing, and one indexed lookup finds the token.
    digest = models.CharField(max_length=64, unique=True)
    # The secret's last four characters, so a person can tell their tokens apart.
    hint = models.CharField(max_length=4)
    scopes = ArrayField(models.CharField(max_length=10))
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    # Written at most once every few minutes (`accounts.tokens.token_used`).
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Who or what revoked it: "person", "signed_out", "password", "deactivated".
    revoked_reason = models.CharField(max_length=20, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "-created_at"], name="pat_user_created")]
        constraints = [
            models.CheckConstraint(
                condition=Q(scopes__contained_by=list(SCOPES)) & ~Q(scopes=[]),
                name="pat_known_scopes",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=F("created_at"))
                & Q(expires_at__lte=F("created_at") + LONGEST_LIFE),
                name="pat_expires_within_longest_life",
            ),
            models.CheckConstraint(
                condition=~Q(scopes__contains=["staff"])
                | Q(expires_at__lte=F("created_at") + STAFF_LIFE),
                name="pat_staff_within_a_working_day",
            ),
        ]

    def __str__(self) -> str:
        return f"Access token {self.pk} ({self.name}) of person {self.user_id}"

    def is_live(self, at: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and self.expires_at > (at or timezone.now())
