"""What every page of the staff console shares: the navigation the member's capabilities
allow, the page frame (council, role, capabilities) and running a service so that its
refusal is shown on the form. Views stay thin: they check the form, call a service and show
its message. Every POST ends in a service call that writes an audit event in the same
transaction as the change."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Capability, capabilities_of
from core.errors import ApplicationError, NotFound

C = Capability

# (capability, label, url name) for the console's navigation, in order.
NAV = [
    (C.CONSOLE, gettext_lazy("Console"), "staff:home"),
    (C.MODERATION, gettext_lazy("Moderation"), "staff:moderation"),
    (C.HELPER_CHECKS, gettext_lazy("Helper checks"), "staff:checks"),
    (C.MATCHING_ROUNDS, gettext_lazy("Rounds"), "staff:rounds"),
    (C.SAFEGUARDING, gettext_lazy("Concerns"), "staff:concerns"),
    (C.PEOPLE, gettext_lazy("People"), "staff:people"),
    (C.WELFARE, gettext_lazy("Welfare checks"), "staff:welfare_checks"),
    (C.WELFARE, gettext_lazy("Still need help?"), "staff:still_needed"),
    (C.ASSISTED_DIGITAL, gettext_lazy("Assisted digital"), "staff:assisted"),
    (C.AUDIT_LOG, gettext_lazy("Audit log"), "staff:audit"),
    (C.OVERSIGHT, gettext_lazy("Oversight"), "staff:oversight"),
    (C.OVERSIGHT, gettext_lazy("Impact"), "staff:impact"),
    (C.COUNCIL_SETTINGS, gettext_lazy("Settings"), "staff:settings"),
    (C.TEAM, gettext_lazy("Team"), "staff:team"),
    (C.PARTNERS, gettext_lazy("Partners"), "staff:partners"),
    (C.BROADCAST, gettext_lazy("Message helpers"), "staff:broadcast"),
]


def _nav(request) -> list[dict]:
    caps = capabilities_of(request.user)
    items = []
    for capability, text, name in NAV:
        if capability in caps:
            href = reverse(name)
            current = request.path == href or (
                name != "staff:home" and request.path.startswith(href)
            )
            items.append({"text": text, "href": href, "current": current})
    items.append({"text": _("Sign out"), "href": reverse("account_logout"), "current": False})
    return items


def render_staff(request, template: str, context: dict, status: int = 200):
    """Render `staff/<template>` inside the console's frame."""
    context.setdefault("nav_items", _nav(request))
    # The shared error summary reads `form` and `form2`; pages without them pass None.
    context.setdefault("form", None)
    context.setdefault("form2", None)
    context.setdefault("council_name", request.staff_council.name)
    context.setdefault("staff_role", request.staff_membership.get_role_display())
    context.setdefault("can", {c.value: c in capabilities_of(request.user) for c in Capability})
    return render(request, f"staff/{template}", context, status=status)


def call_service(form, fn, **kwargs):
    """Run a service; a refusal becomes an error on `form` (shown in the error summary) and
    "not found" becomes a 404."""
    try:
        return fn(**kwargs)
    except NotFound:
        raise Http404("Not found.") from None
    except ApplicationError as exc:
        form.add_error(None, exc.message)
        return None


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; quote them."""
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
