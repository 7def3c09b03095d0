"""Reads the web pages need that belong to no domain app."""

from __future__ import annotations

from accounts.models import User


def _party_q(user: User):
    from django.db.models import Q

    return Q(need__owner=user) | Q(offer__helper=user)


def message_reported_by(*, user: User, message_id: int) -> bool:
    """Whether `user` has reported this message (for the "message reported" page)."""
    from trust.models import Report

    return Report.objects.filter(
        reporter=user, target_type=Report.TargetType.MESSAGE, target_id=message_id
    ).exists()
