"""The council's team and how staff set up their authenticator app.

- `team`: a council admin sees their council's staff, whether each has set up an
  authenticator app, and sends a one-time set-up link to a member's own address.
- `setup`: the link itself. Opened in a session signed in as that member, it allows
  allauth's "set up an authenticator app" page in that session (`accounts.second_factor`).
- `add_authenticator`: allauth's page, in front of which staff without a link opened in this
  session are told to ask for one instead — a password alone never adds an authenticator to
  a staff account.
"""

from __future__ import annotations

from allauth.mfa.totp.views import activate_totp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts import second_factor
from core.errors import ApplicationError
from staff_console.access import staff_view
from staff_console.views.base import C, render_staff


@require_GET
@staff_view(C.TEAM)
def team(request):
    members = second_factor.council_team(council=request.staff_council)
    return render_staff(request, "team.html", {"members": members})


@require_POST
@staff_view(C.TEAM)
def team_setup_link(request, pk: int):
    member = second_factor.team_member(council=request.staff_council, user_id=pk)
    if member is None:
        raise Http404("We could not find that member of staff.")
    second_factor.invitation_send(
        actor=request.user,
        member=member,
        base_url=settings.KITH_BASE_URL or request.build_absolute_uri("/"),
    )
    messages.success(
        request,
        _("A set-up link has been sent to %(email)s. It works once, for 3 days.")
        % {"email": member.email},
    )
    return redirect("staff:team")


@require_GET
def setup(request, token: str):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    try:
        second_factor.invitation_open(request=request, token=token)
    except ApplicationError as exc:
        return render(request, "staff/setup_link.html", {"problem": exc.message}, status=403)
    messages.info(
        request,
        _(
            "Now set up your authenticator app. You will enter a code from it whenever you sign "
            "in to the staff console."
        ),
    )
    return redirect("mfa_activate_totp")


def add_authenticator(request, *args, **kwargs):
    """allauth's "set up an authenticator app", unless this is staff without a set-up link."""
    if request.user.is_authenticated and not second_factor.may_add_authenticator(request):
        return render(request, "staff/setup_link.html", {"problem": None}, status=403)
    return activate_totp(request, *args, **kwargs)
