"""Sending: one task per notification after its event commits, and a beat job that sends
whatever is still queued (the broker was down, the worker stopped, quiet hours ended, a retry
fell due). Sending claims the row first (queued → sending in one UPDATE), so a task that runs
twice sends once.

Retries: a timeout, the provider's 5xx or its rate limit put the row back in the queue with
a growing wait (1, 2, 4, 8 minutes), up to `MAX_ATTEMPTS`; a 4xx never retries. A row that
fails for good falls back to the next channel that can reach the person.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db.models import F, Q
from django.utils import timezone

from core.events import BROKER_DOWN

from .channels import TryAgain, Undeliverable, deliver
from .models import Channel, Notification, Status
from .pipeline import SEND_TASK, fallback_for
from .services import failures_digest_send, helper_checks_tell_expiring

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
#: A row this old in `sending` with no provider id: the worker died mid-send.
STUCK_AFTER = dt.timedelta(minutes=15)
#: The beat job leaves fresh rows to the task their commit enqueued.
SWEEP_AFTER = dt.timedelta(seconds=30)


def backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=min(2 ** max(attempts - 1, 0), 60))


def _due(now: dt.datetime) -> Q:
    return Q(send_after__isnull=True) | Q(send_after__lte=now)


@shared_task(name=SEND_TASK, acks_late=True)
def send_notification(reference: str) -> str:
    now = timezone.now()
    claimed = (
        Notification.objects.filter(reference=reference, status=Status.QUEUED)
        .exclude(channel=Channel.KITH)
        .filter(_due(now))
        .update(status=Status.SENDING, attempts=F("attempts") + 1, sent_at=now)
    )
    if not claimed:
        return "not due"
    notification = Notification.objects.get(reference=reference)
    try:
        sent = deliver(notification)
    except TryAgain as error:
        return _again(notification, reason=str(error))
    except Undeliverable as error:
        _failed(notification, status=Status.PERMANENT_FAILURE, reason=str(error))
        return "failed"
    except Exception as error:  # a fault of Kith's own: record it, never loop on it
        logger.exception("Sending notification %s failed", reference)
        _failed(notification, status=Status.TECHNICAL_FAILURE, reason=type(error).__name__)
        return "failed"
    Notification.objects.filter(pk=notification.pk).update(
        provider_id=sent.provider_id,
        status=Status.DELIVERED if sent.delivered else Status.SENDING,
        finished_at=timezone.now() if sent.delivered else None,
        failure="",
    )
    return "sent"


def _again(notification: Notification, *, reason: str) -> str:
    if notification.attempts >= MAX_ATTEMPTS:
        _failed(notification, status=Status.TECHNICAL_FAILURE, reason=reason)
        return "failed"
    wait = backoff(notification.attempts)
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.QUEUED, send_after=timezone.now() + wait, failure=reason[:200]
    )
    try:
        send_notification.apply_async(
            (str(notification.reference),), countdown=int(wait.total_seconds())
        )
    except BROKER_DOWN:  # the beat job picks it up when it falls due
        logger.warning("Broker unavailable: notification %s waits for the sweep", notification.pk)
    return "retry"


def _failed(notification: Notification, *, status: str, reason: str) -> None:
    Notification.objects.filter(pk=notification.pk).update(
        status=status, failure=reason[:200], finished_at=timezone.now()
    )
    notification.status = status
    fallback_for(notification)


@shared_task(name="notifications.tasks.send_queued")
def send_queued(limit: int = 500) -> int:
    """Send every queued row that is due (run each minute by beat)."""
    now = timezone.now()
    Notification.objects.filter(
        status=Status.SENDING, provider_id="", sent_at__lt=now - STUCK_AFTER
    ).update(status=Status.TECHNICAL_FAILURE, failure="Stopped while sending", finished_at=now)
    due = list(
        Notification.objects.filter(status=Status.QUEUED)
        .exclude(channel=Channel.KITH)
        .filter(_due(now))
        .filter(Q(send_after__isnull=False) | Q(created_at__lte=now - SWEEP_AFTER))
        .order_by("created_at")
        .values_list("reference", flat=True)[:limit]
    )
    return sum(send_notification(str(reference)) == "sent" for reference in due)


@shared_task(name="notifications.tasks.failures_digest")
def failures_digest() -> int:
    """Once a day: each council's staff hear which people Kith could not reach."""
    return failures_digest_send(since=timezone.now() - dt.timedelta(days=1))


@shared_task(name="notifications.tasks.checks_expiring")
def checks_expiring() -> int:
    return helper_checks_tell_expiring()
