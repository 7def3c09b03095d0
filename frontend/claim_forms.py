"""Forms of the public pages where a person who is not online claims an online account."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import KithForm


class ClaimAskForm(KithForm):
    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=20,
        error_messages={"required": _("Enter your mobile number.")},
    )


class ClaimCodeForm(KithForm):
    phone = forms.CharField(
        label=_("Your mobile number"),
        max_length=20,
        required=False,
        help_text=_("If we texted you the code."),
    )
    reference = forms.CharField(
        label=_("The reference on your letter"),
        max_length=12,
        required=False,
        help_text=_("If we sent you a letter, like ABCD-2345."),
    )
    code = forms.CharField(
        label=_("Your code"),
        max_length=12,
        error_messages={"required": _("Enter the code we sent you.")},
    )

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("reference"):
            self.add_error(
                "phone", gettext("Enter your mobile number, or the reference on your letter.")
            )
        return data


class ClaimAccountForm(KithForm):
    email = forms.EmailField(
        label=_("Your email address"),
        max_length=254,
        help_text=_("You will sign in with it. We email you a link to confirm it is yours."),
        error_messages={
            "required": _("Enter your email address."),
            "invalid": _("Enter an email address like name@example.com."),
        },
    )
    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": _("Choose a password.")},
    )
    password2 = forms.CharField(
        label=_("Type the password again"),
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": _("Type the password again.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", gettext("The two passwords are not the same."))
        return data
