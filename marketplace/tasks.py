"""Background work of the marketplace, run by Celery (in-process in the quick start)."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="marketplace.tasks.listings_expire")
def listings_expire() -> int:
    """Close as expired the unmatched needs whose time has passed. Scheduled by
    `KITH_BEAT_SCHEDULE["expire-listings"]`; safe to run on several workers at once (rows
    another worker holds are skipped and caught on the next run)."""
    return services.need_expire_stale()


@shared_task(name="marketplace.tasks.retention_apply")
def retention_apply() -> dict:
    """Purge closed listings and ended conversations past each council's retention period
    (`marketplace.retention`). Scheduled by `KITH_BEAT_SCHEDULE["apply-retention"]`."""
    from . import retention

    return retention.retention_apply().as_dict()
