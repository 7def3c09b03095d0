"""Background work of privacy, run by Celery: the retention periods."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="privacy.tasks.retention_apply")
def retention_apply() -> dict:
    """Purge closed listings and ended conversations past each council's retention period
    (`privacy.retention`). Scheduled by `KITH_BEAT_SCHEDULE["apply-retention"]`."""
    from . import retention

    return retention.retention_apply().as_dict()
