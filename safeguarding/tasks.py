"""Background work about people: expiry of helper checks takes effect daily."""

from __future__ import annotations

from celery import shared_task

from safeguarding.checks import offers_pause_unqualified


@shared_task
def helper_checks_enforce_expiry() -> int:
    """Pause open offers whose helper's check has expired (their verification level is
    computed from unexpired checks, so the level has already dropped). Returns how many
    offers were paused; each pause is audited."""
    return offers_pause_unqualified()
