"""The console's home page: counts of what waits for each of the member's capabilities."""

from __future__ import annotations

from django.views.decorators.http import require_GET

from accounts.permissions import staff_can
from arrangements import still_needed as arrangements_still_needed
from arrangements import welfare as arrangements_welfare
from marketplace import selectors as marketplace_selectors
from matching import assisted
from staff_console.access import staff_view
from staff_console.views.base import C, render_staff
from trust import checks as trust_checks
from trust import concerns as trust_concerns
from trust import selectors as trust_selectors


@require_GET
@staff_view(C.CONSOLE)
def home(request):
    council = request.staff_council
    user = request.user
    counts = {}
    if staff_can(user, C.MODERATION):
        counts["needs"] = marketplace_selectors.review_queue_needs(staff=user).count()
        counts["offers"] = marketplace_selectors.review_queue_offers(staff=user).count()
        counts["reports"] = trust_selectors.reports_for_staff(staff=user).count()
    if staff_can(user, C.HELPER_CHECKS):
        counts["expiring"] = trust_checks.helper_checks_expiring(council=council).count()
    if staff_can(user, C.SAFEGUARDING):
        counts["concerns"] = trust_concerns.concerns_open_count(council=council)
    if staff_can(user, C.ASSISTED_DIGITAL):
        counts["assisted_waiting"] = assisted.assisted_waiting_count(staff=user)
    if staff_can(user, C.WELFARE):
        counts["welfare"] = arrangements_welfare.welfare_checks_for_staff(actor=user).count()
        counts["still_needed"] = arrangements_still_needed.still_needed_for_staff(
            actor=user
        ).count()
    return render_staff(request, "home.html", {"counts": counts})
