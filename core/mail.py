"""Sending email that must never undo the decision it reports: sent after the caller's
transaction commits, and a failure is logged, not raised."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction

logger = logging.getLogger(__name__)


def mail_send(*, to: str, subject: str, body: str) -> None:
    try:
        send_mail(
            subject=f"{getattr(settings, 'ACCOUNT_EMAIL_SUBJECT_PREFIX', '')}{subject}",
            message=body,
            from_email=None,
            recipient_list=[to],
        )
    except Exception:  # an email failure must not undo a committed decision
        logger.exception("Sending %r failed", subject)


def mail_send_on_commit(*, to: str, subject: str, body: str) -> None:
    """Send once the current transaction commits; nothing is sent if it rolls back."""
    transaction.on_commit(lambda: mail_send(to=to, subject=subject, body=body))
