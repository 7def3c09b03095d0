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
