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
