"""Background jobs of the core room."""

from __future__ import annotations

from celery import shared_task

from core.idempotency import idempotency_keys_expire as _expire


@shared_task(name="core.tasks.idempotency_keys_expire")
def idempotency_keys_expire() -> int:
    """Beat job: forget `Idempotency-Key` answers older than a day."""
    return _expire()
