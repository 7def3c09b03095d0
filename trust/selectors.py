"""Reads of the trust records that the rooms above need: blocks and reports."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from accounts.permissions import staff_council_id_with_mfa
from trust.models import Block, Report


def reports_for_staff(*, staff: User, status: str | None = Report.Status.OPEN) -> QuerySet[Report]:
    council_id = staff_council_id_with_mfa(staff)
    if council_id is None:
        return Report.objects.none()
    qs = Report.objects.filter(council_id=council_id).select_related("reporter")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("created_at", "id")


def blocks_of(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked").order_by("-created_at")


def report_of_council(*, council, report_id: int) -> Report | None:
    """One report made in `council`, with who made it (the staff console's report page)."""
    return Report.objects.select_related("reporter").filter(pk=report_id, council=council).first()


def block_of(*, user: User, blocked_id: int) -> Block | None:
    """`user`'s block of the person `blocked_id`, if they blocked them."""
    return blocks_of(user=user).filter(blocked_id=blocked_id).first()


def has_blocked(*, user: User, blocked_id: int) -> bool:
    return blocks_of(user=user).filter(blocked_id=blocked_id).exists()


def message_reported_by(*, user: User, message_id: int) -> bool:
    """Whether `user` has reported this message (for the "message reported" page)."""
    return Report.objects.filter(
        reporter=user, target_type=Report.TargetType.MESSAGE, target_id=message_id
    ).exists()
