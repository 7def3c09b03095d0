"""Operations tasks that belong to no app."""

from __future__ import annotations

import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="config.tasks.email_check", acks_late=True)
def email_check(*, to: str) -> str:
    """Send a short test email from the worker: proves the path web → broker → worker → mail
    server end to end. Operators run it from the runbook (`celery -A config call ...`)."""
    sent_at = timezone.now().isoformat(timespec="seconds")
    send_mail(
        subject=f"[{settings.SITE_NAME}] Email check",
        message=(
            f"This is a test email from {settings.SITE_NAME}, sent by a background worker at "
            f"{sent_at}. If you received it, email from Kith is working."
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[to],
    )
    logger.info("email check sent", extra={"event": "email_check"})
    return sent_at
