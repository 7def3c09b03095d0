"""Other help nearby: the services of a council's own Open Referral UK directory, read by
Kith so that a person whose need no helper can reach is pointed somewhere
(docs/open-referral.md). A point field has its spatial index by default.

Only organisations' services are kept — their names, descriptions, web addresses, public
email and phone, and where they are offered — never a person's details: ORUK "contacts"
(named people) are not read.
"""

from __future__ import annotations

from django.contrib.gis.db import models as gis
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import Council


class DirectorySource(models.Model):
    """Where a council's directory comes from: an ORUK API's address, refreshed by the
    nightly job, or a file a council admin uploaded (then `url` is blank)."""

    class State(models.TextChoices):
        NEVER = "never", _("Not read yet")
        READ = "read", _("Read")
        FAILED = "failed", _("Could not be read")

    council = models.OneToOneField(Council, on_delete=models.CASCADE, related_name="+")
    url = models.URLField(max_length=500, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.NEVER)
    # Why the last read failed, in words for the council admin (no stack traces).
    problem = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    services_read = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Directory of council {self.council_id}: {self.url or 'uploaded file'}"


class OtherService(models.Model):
    """One active service of the council's directory, as last read."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="+")
    # The service's id in the directory (a UUID in ORUK, kept as text).
    source_id = models.CharField(max_length=200)
    name = models.CharField(max_length=255)
    organisation = models.CharField(max_length=255, blank=True)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=500, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    # Where it is offered, when the directory says: the first location's point and words.
    point = gis.PointField(geography=True, null=True, blank=True)
    place = models.CharField(max_length=255, blank=True)
    # Taxonomy terms' words (e.g. "Befriending"), lower case, to rank by the kind of help.
    terms = ArrayField(models.CharField(max_length=120), default=list, blank=True)
    read_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["council", "source_id"], name="otherservice_unique_per_council"
            )
        ]

    def __str__(self) -> str:
        return self.name
