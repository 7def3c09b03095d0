"""API authentication: DRF's tokens, marked as never having used a second factor.

A staff member calling the API with a token alone reads what any person could and is refused
the staff endpoints (`accounts.permissions.staff_has_mfa`), until tokens carry a second-factor
step and a short expiry of their own."""

from __future__ import annotations

from rest_framework import authentication

from accounts.second_factor import mark_second_factor


class TokenAuthentication(authentication.TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        mark_second_factor(user, used=False)
        return user, token
