"""What the insights room stores: the open-data map of needs waiting for help, counted in
the background (`insights.demand_map`) and served from here by `/api/v1/open/demand/`."""

from __future__ import annotations

from django.db import models

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
