"""Reads of the notifications room: a person's "What's new", unread counts, and what staff
see of the messages sent to a person of their council."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from accounts.models import User

from .models import (
    FAILED,
    Channel,
    ContactPreference,
    ConversationRead,
    InboundText,
    Notification,
)
from .pipeline import preference_of

WHATS_NEW_LIMIT = 30


def whats_new(*, person: User, limit: int = WHATS_NEW_LIMIT) -> list[Notification]:
    return list(
        Notification.objects.filter(person=person, channel=Channel.KITH).order_by(
            "-created_at", "-id"
        )[:limit]
    )


def unread_count(*, person: User) -> int:
    return Notification.objects.filter(
        person=person, channel=Channel.KITH, read_at__isnull=True
    ).count()


def conversations_with_news(*, person: User) -> set[int]:
    """The matches with messages the person has not read yet."""
    return {
        target
        for target in Notification.objects.filter(
            person=person,
            channel=Channel.KITH,
            template="message_received",
            target_type="match",
            read_at__isnull=True,
        ).values_list("target_id", flat=True)
        if target is not None
    }


def conversation_read_at(*, person: User, match_id: int) -> dt.datetime:
    """When the person last had the conversation open (long ago if never)."""
    read = ConversationRead.objects.filter(person=person, match_id=match_id).first()
    return read.read_at if read else dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def contact_preference_for(*, person: User) -> ContactPreference:
    """The person's saved preference, or the default one (not saved)."""
    return preference_of(person)


def sent_to_person(*, person: User, limit: int = 50) -> QuerySet[Notification]:
    """For staff of the person's council (the caller checks): what Kith sent, newest first,
    with the words, so staff can read them out on the phone."""
    return (
        Notification.objects.filter(person=person)
        .exclude(channel=Channel.KITH)
        .order_by("-created_at", "-id")[:limit]
    )


def texts_from_person(*, person: User, limit: int = 20) -> QuerySet[InboundText]:
    return InboundText.objects.filter(person=person).order_by("-received_at")[:limit]


def failures_of_council(*, council_id: int, limit: int = 200) -> QuerySet[Notification]:
    return (
        Notification.objects.filter(council_id=council_id, status__in=FAILED)
        .select_related("person")
        .order_by("-finished_at", "-id")[:limit]
    )
