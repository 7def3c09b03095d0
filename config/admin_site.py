"""The Django admin for platform operators, behind the same door as the staff console.

The admin's own password form is not used: `/django-admin/login/` sends people to Kith's sign-in
(allauth: its rate limits, then the authenticator code), and the admin opens only in a session
that used a second factor (`accounts.second_factor`). An operator without an authenticator
sets one up from a one-time link (`manage.py staff_setup_link`)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.second_factor import has_authenticator, second_factor_used


class KithAdminSite(admin.AdminSite):
    site_header = "Kith administration"
    site_title = "Kith administration"

    def has_permission(self, request) -> bool:
        return super().has_permission(request) and second_factor_used(request.user)

    def login(self, request, extra_context=None):
        target = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
        if not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:index")
        user = request.user
        if not user.is_authenticated:
            step = "account_login"
        elif not (user.is_active and user.is_staff):
            # Signed in, but not an operator. The admin's own form is never shown: it would
            # check passwords without Kith's rate limits.
            raise PermissionDenied("The Django admin is for platform operators.")
        elif has_authenticator(user):
            step = "mfa_reauthenticate"  # enter a code in this session
        else:
            step = "mfa_activate_totp"  # explains the set-up link
        return redirect(f"{reverse(step)}?{urlencode({REDIRECT_FIELD_NAME: target})}")
