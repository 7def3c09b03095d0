"""What the insights room stores: open data as published — each council's figures for each
closed month and provisional week, frozen (`insights.publication`), and the weekly map of
needs waiting for help (`insights.demand_map`) — served from here by `/api/v1/open/`."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council


class OpenDemandMap(models.Model):
    """One council's open-data map, as it was last counted: the GeoJSON document exactly as
    the API serves it. Only what the public sees is kept here — hexagons with fewer than the
    suppression threshold are already left out — so this table says nothing more than the
    endpoint does.

    `period_start`: the start of the refresh period it was counted in (a map is counted once
    per council and period). `counted_at`: when its needs were counted. `changed_at`: when
    the document last differed from the one before (the response's Last-Modified).
    `etag`: a digest of the document (the response's ETag)."""

    council = models.OneToOneField(
        Council, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    period_start = models.DateTimeField()
    counted_at = models.DateTimeField()
    changed_at = models.DateTimeField()
    etag = models.CharField(max_length=64)
    document = models.TextField()

    def __str__(self) -> str:
        return f"open demand map of council {self.council_id} at {self.counted_at:%Y-%m-%d %H:%M}"


class OpenPublication(models.Model):
    """One council's open-data figures for one period, as published and never changed after:
    only the figures the public sees (withheld ones null, the rest rounded; see
    `insights.disclosure`), so this table says nothing more than the endpoints do.

    A correction is a new row with the next `version` and its `note` (why); the earlier
    versions stay as they were. `period_start` and `period_end` are local dates (Europe/London),
    the end the day after the last one counted."""

    class Kind(models.TextChoices):
        MONTH = "month", _("Month (final)")
        WEEK = "week", _("Week (provisional)")

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period_start = models.DateField()
    period_end = models.DateField()
    version = models.PositiveSmallIntegerField(default=1)
    computed_at = models.DateTimeField()
    note = models.CharField(max_length=300, blank=True)
    figures = models.JSONField()
    etag = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "kind", "period_start", "version"],
                name="open_publication_version_once",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gt=models.F("period_start")),
                name="open_publication_period_order",
            ),
        ]
        indexes = [models.Index(fields=["kind", "period_start"], name="open_publication_period")]

    def __str__(self) -> str:
        return (
            f"open data of council {self.council_id}, {self.kind} {self.period_start} "
            f"v{self.version}"
        )
