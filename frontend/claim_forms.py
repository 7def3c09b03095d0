"""Forms of the public pages where a person who is not online claims an online account."""

from __future__ import annotations

from django import forms

from .forms import KithForm


class ClaimAskForm(KithForm):
    phone = forms.CharField(
        label="Your mobile number",
        max_length=20,
        error_messages={"required": "Enter your mobile number."},
    )


class ClaimCodeForm(KithForm):
    phone = forms.CharField(
        label="Your mobile number",
        max_length=20,
        required=False,
        help_text="If we texted you the code.",
    )
    reference = forms.CharField(
        label="The reference on your letter",
        max_length=12,
        required=False,
        help_text="If we sent you a letter, like ABCD-2345.",
    )
    code = forms.CharField(
        label="Your code",
        max_length=12,
        error_messages={"required": "Enter the code we sent you."},
    )

    def clean(self):
        data = super().clean()
        if not data.get("phone") and not data.get("reference"):
            self.add_error("phone", "Enter your mobile number, or the reference on your letter.")
        return data


class ClaimAccountForm(KithForm):
    email = forms.EmailField(
        label="Your email address",
        max_length=254,
        help_text="You will sign in with it. We email you a link to confirm it is yours.",
        error_messages={
            "required": "Enter your email address.",
            "invalid": "Enter an email address like name@example.com.",
        },
    )
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Choose a password."},
    )
    password2 = forms.CharField(
        label="Type the password again",
        widget=forms.PasswordInput(render_value=False),
        error_messages={"required": "Type the password again."},
    )

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data.get("password1"):
            self.add_error("password2", "The two passwords are not the same.")
        return data
