"""Where a notification goes out: GOV.UK Notify when `NOTIFY_API_KEY` is set, otherwise
Django's email backend for email and a folder (or the log) for text messages and letters, so
that Kith runs with no Notify account.

Notify templates: Kith sends its own words through one template per channel whose content is
only placeholders — email: subject `((subject))`, body `((body))`; text message: `((body))`;
letter: heading `((subject))`, body `((body))`. Their ids are `NOTIFY_EMAIL_TEMPLATE_ID`,
`NOTIFY_SMS_TEMPLATE_ID` and `NOTIFY_LETTER_TEMPLATE_ID` (README, "GOV.UK Notify").
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone
from notifications_python_client.errors import HTTPError
from notifications_python_client.notifications import NotificationsAPIClient

from .models import Channel, Notification

logger = logging.getLogger(__name__)


class Undeliverable(Exception):
    """Sending failed for good: the address or the request is wrong. Never retried."""


class TryAgain(Exception):
    """Sending failed for now (a timeout, the provider's 5xx or rate limit)."""


@dataclass(frozen=True)
class Sent:
    provider_id: str
    delivered: bool  # True when the channel cannot report delivery later


def notify_configured() -> bool:
    return bool(getattr(settings, "NOTIFY_API_KEY", ""))


def deliver(notification: Notification) -> Sent:
    if notify_configured():
        return _by_notify(notification)
    return _locally(notification)


# --- GOV.UK Notify ---------------------------------------------------------------------------
def notify_client() -> NotificationsAPIClient:
    return NotificationsAPIClient(
        settings.NOTIFY_API_KEY,
        base_url=settings.NOTIFY_BASE_URL,
        timeout=settings.NOTIFY_TIMEOUT_SECONDS,
    )


def letter_address(postal_address: str) -> dict[str, str]:
    """Notify wants three to seven address lines, the postcode last."""
    lines = [line.strip() for line in postal_address.splitlines() if line.strip()][:7]
    return {f"address_line_{i}": line for i, line in enumerate(lines, start=1)}


def _by_notify(notification: Notification) -> Sent:
    client = notify_client()
    personalisation = {"subject": notification.subject, "body": notification.body}
    reference = str(notification.reference)
    try:
        if notification.channel == Channel.EMAIL:
            response = client.send_email_notification(
                email_address=notification.to,
                template_id=settings.NOTIFY_EMAIL_TEMPLATE_ID,
                personalisation=personalisation,
                reference=reference,
                email_reply_to_id=settings.NOTIFY_EMAIL_REPLY_TO_ID or None,
            )
        elif notification.channel == Channel.SMS:
            response = client.send_sms_notification(
                phone_number=notification.to,
                template_id=settings.NOTIFY_SMS_TEMPLATE_ID,
                personalisation={"body": notification.body},
                reference=reference,
                sms_sender_id=settings.NOTIFY_SMS_SENDER_ID or None,
            )
        elif notification.channel == Channel.LETTER:
            response = client.send_letter_notification(
                template_id=settings.NOTIFY_LETTER_TEMPLATE_ID,
                personalisation={**personalisation, **letter_address(notification.to)},
                reference=reference,
            )
        else:
            raise Undeliverable(f"Kith does not send {notification.channel} through Notify.")
    except HTTPError as error:
        raise _classified(error) from error
    return Sent(provider_id=str(response.get("id", "")), delivered=False)


def _classified(error: HTTPError) -> Exception:
    """4xx means the request itself is wrong (an invalid number, a trial-mode recipient, a
    bad key): retrying cannot help. 429 and 5xx (and no answer at all) may pass."""
    status = error.status_code
    words = str(error.message)[:150]
    if status == 429 or status >= 500:
        return TryAgain(f"{status}: {words}")
    return Undeliverable(f"{status}: {words}")


# --- Without Notify: email through Django, texts and letters to a folder or the log -------
def _locally(notification: Notification) -> Sent:
    if notification.channel == Channel.EMAIL:
        try:
            send_mail(
                subject=f"{getattr(settings, 'ACCOUNT_EMAIL_SUBJECT_PREFIX', '')}"
                f"{notification.subject}",
                message=notification.body,
                from_email=None,
                recipient_list=[notification.to],
            )
        except OSError as error:  # the mail server did not answer
            raise TryAgain(str(error)[:150]) from error
        return Sent(provider_id="", delivered=True)
    folder = getattr(settings, "KITH_OUTBOX_DIR", "")
    record = {
        "channel": notification.channel,
        "to": notification.to,
        "subject": notification.subject,
        "body": notification.body,
        "reference": str(notification.reference),
        "at": timezone.now().isoformat(timespec="seconds"),
    }
    if folder:
        path = Path(folder)
        path.mkdir(parents=True, exist_ok=True)
        (path / f"{notification.channel}-{notification.reference}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    else:
        logger.info("%s not sent (no Notify account): %s", notification.channel, record["subject"])
    return Sent(provider_id="", delivered=True)
