"""Postcodes and their centroids. The table keeps the name it was created with
(`marketplace_postcode`)."""

from __future__ import annotations

from django.contrib.gis.db import models as gis
from django.db import models
from django.utils.translation import gettext_lazy as _


class Postcode(models.Model):
    """A UK postcode and its centroid, loaded from ONSPD or OS Code-Point Open."""

    postcode = models.CharField(
        max_length=8, primary_key=True, help_text=_('Normalised: "SW1A 1AA".')
    )
    location = gis.PointField(srid=4326)
    district_code = models.CharField(max_length=12, blank=True, help_text=_("e.g. E06000001"))
    terminated = models.BooleanField(default=False)

    class Meta:
        db_table = "marketplace_postcode"

    def __str__(self) -> str:
        return self.postcode
