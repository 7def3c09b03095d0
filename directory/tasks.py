"""The directory's background jobs: each night, read every council's ORUK directory that has
an address; a council admin's "read it now" runs the same job for their council."""

from __future__ import annotations

from celery import shared_task

from . import services
from .models import DirectorySource


@shared_task(name="directory.tasks.directory_refresh")
def directory_refresh(council_id: int) -> int | None:
    return services.directory_refresh(council_id=council_id)


@shared_task(name="directory.tasks.directory_refresh_all")
def directory_refresh_all() -> int:
    """Queue a read of each directory that has an address; how many were queued."""
    ids = list(DirectorySource.objects.exclude(url="").values_list("council_id", flat=True))
    for council_id in ids:
        directory_refresh.delay(council_id)
    return len(ids)
