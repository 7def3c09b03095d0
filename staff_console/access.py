"""Who may open the staff console, and which pages.

`staff_view(capability)` wraps every console view:
- anonymous visitors are sent to sign in;
- signed-in people who are not council staff (or are suspended) get 403;
- the console opens only in a session that used the second factor
  (`accounts.second_factor`): staff with an authenticator app who have not entered a code in
  this session are asked for one; staff without one are sent to the set-up page, which tells
  them to use the set-up link their council admin sends;
- staff whose role lacks the page's capability get 403.

Objects of another council are 404 (the services raise `NotFound`), so a page never confirms
that another council's record exists.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy

from accounts.permissions import Capability, active_staff_membership, staff_can, staff_has_mfa
from accounts.second_factor import has_authenticator

MFA_REQUIRED_MESSAGE = gettext_lazy(
    "Set up an authenticator app before you use the staff console. Council staff sign in "
    "with a code from the app as well as their password, to keep people's records safe. "
    "You set it up from the link your council admin sends to your email address."
)


def staff_view(capability: Capability = Capability.CONSOLE):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = active_staff_membership(user)
            if membership is None:
                raise PermissionDenied(gettext("This area is for council staff."))
            if not staff_has_mfa(user):
                if has_authenticator(user):
                    query = urlencode({REDIRECT_FIELD_NAME: request.get_full_path()})
                    return redirect(f"{reverse('mfa_reauthenticate')}?{query}")
                messages.warning(request, MFA_REQUIRED_MESSAGE)
                return redirect(reverse("mfa_activate_totp"))
            if not staff_can(user, capability):
                raise PermissionDenied(gettext("Your staff role does not include this page."))
            request.staff_membership = membership
            request.staff_council = membership.council
            return view(request, *args, **kwargs)

        wrapper.staff_capability = capability
        return wrapper

    return decorator


class StaffRequiredMixin:
    """The same rule for class-based views: set `capability` on the view."""

    capability: Capability = Capability.CONSOLE

    @classmethod
    def as_view(cls, **initkwargs):
        view = super().as_view(**initkwargs)
        return staff_view(cls.capability)(view)
