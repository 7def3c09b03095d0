"""allauth integration: Kith signs people up with an email address only."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.stagekit import clear_login
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

SUSPENDED_MESSAGE = _(
    "Your account is suspended, so you cannot sign in. Contact your council if you think "
    "this is a mistake."
)


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        # Said after five wrong passwords for one address, and after three wrong sign-in codes.
        "too_many_login_attempts": _(
            "Too many failed login attempts. Try again later. You can sign in now with a "
            "code sent to your email instead."
        ),
    }

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.email = user.email.lower()
        if commit:
            user.save()
        return user

    def pre_login(self, request, user, **kwargs):
        # A suspended person cannot sign in (suspension also ends their sessions at once).
        if getattr(user, "suspended_at", None) is not None:
            clear_login(request)
            messages.error(request, SUSPENDED_MESSAGE)
            return redirect("account_login")
        return super().pre_login(request, user, **kwargs)
