"""A person's API tokens: the list, making one (its secret shown once, on the page that answers
the form) and revoking one. The rules are `accounts.tokens`'."""

from __future__ import annotations

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import tokens
from accounts.second_factor import is_privileged, second_factor_used

from ..forms import KithForm
from .common import call_service, not_found_as_404

SCOPE_CHOICES = [
    ("read", gettext_lazy("Read your information")),
    ("write", gettext_lazy("Read and change your information")),
]
STAFF_CHOICE = ("staff", gettext_lazy("Use your staff access (the token lasts 8 hours)"))


class TokenForm(KithForm):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        help_text=gettext_lazy("So you can tell your tokens apart, like ‘My shopping app’"),
        max_length=80,
        error_messages={
            "required": gettext_lazy("Enter a name for the token"),
            "max_length": gettext_lazy("The name must be 80 characters or fewer"),
        },
    )
    access = forms.ChoiceField(
        label=gettext_lazy("What may it do?"),
        choices=SCOPE_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the token may do")},
    )
    staff = forms.BooleanField(
        label=STAFF_CHOICE[1],
        required=False,
        help_text=gettext_lazy(
            "Only in a session where you signed in with your authenticator app."
        ),
    )
    days = forms.ChoiceField(
        label=gettext_lazy("How long should it last?"),
        choices=[],  # in the request's language: __init__
        widget=forms.RadioSelect,
        initial="30",
        error_messages={"required": gettext_lazy("Choose how long the token lasts")},
    )

    def __init__(self, *args, staff: bool, **kwargs):
        super().__init__(*args, **kwargs)
        days = self.fields["days"]
        assert isinstance(days, forms.ChoiceField)
        days.choices = [
            (str(days), _("%(days)s days") % {"days": days}) for days in tokens.LIFETIME_DAYS
        ]
        if not staff:
            del self.fields["staff"]


@login_required
def token_list(request):
    return render(
        request, "frontend/account/tokens.html", {"tokens": tokens.tokens_of(user=request.user)}
    )


@never_cache
@login_required
def token_new(request):
    user = request.user
    staff = is_privileged(user)
    form = TokenForm(request.POST if request.method == "POST" else None, staff=staff)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        scopes = {data["access"]} | ({"staff"} if data.get("staff") else set())
        made = call_service(
            form,
            lambda: tokens.token_create(
                user=user,
                name=data["name"],
                scopes=scopes,
                days=int(data["days"]),
                maker=tokens.Maker(second_factor=second_factor_used(user)),
            ),
            field_for={
                "token_name_missing": "name",
                "token_name_too_long": "name",
                "second_factor_needed": "staff",
                "token_not_staff": "staff",
            },
        )
        if made is not None:
            # The secret is on this page only: never stored, never cached, never shown again.
            return render(request, "frontend/account/token_made.html", {"made": made})
    return render(
        request,
        "frontend/account/token_new.html",
        {
            "form": form,
            "needs_second_factor": staff and not second_factor_used(user),
            "second_factor_url": reverse("mfa_reauthenticate")
            + "?"
            + urlencode({REDIRECT_FIELD_NAME: reverse("account_token_new")}),
        },
    )


@require_POST
@login_required
def token_revoke(request, token_id: int):
    token = not_found_as_404(lambda: tokens.token_revoke(user=request.user, token_id=token_id))
    messages.success(request, _("‘%(name)s’ has been revoked.") % {"name": token.name})
    return redirect("account_tokens")
