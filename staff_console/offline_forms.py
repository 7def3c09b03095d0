"""Forms of the staff console's pages about people who are not online: recording one, and
sending them a code to go online. They check the shape of the input; the service
(`notifications.offline_people`) enforces the rules."""

from __future__ import annotations

from django import forms

from accounts.models import ClaimCode, OfflinePerson
from frontend.forms import KithForm


class OfflinePersonForm(KithForm):
    display_name = forms.CharField(
        label="Their name",
        max_length=60,
        help_text="As they would like helpers to call them.",
        error_messages={"required": "Enter the person's name."},
    )
    postcode = forms.CharField(
        label="Home postcode",
        max_length=8,
        error_messages={"required": "Enter the postcode of their home."},
    )
    preferred_route = forms.ChoiceField(
        label="How should Kith contact them?",
        choices=OfflinePerson.Route.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a text message or a letter."},
    )
    phone = forms.CharField(
        label="Phone number",
        max_length=20,
        required=False,
        help_text="For text messages, a UK mobile number. Kith texts it a code to read out.",
    )
    address = forms.CharField(
        label="Postal address",
        max_length=400,
        required=False,
        help_text="For letters: 3 to 7 lines, the postcode on the last line.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    consent_how = forms.ChoiceField(
        label="How did they agree to Kith keeping their details?",
        choices=OfflinePerson.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say how the person agreed."},
    )
    confirmed_not_duplicate = forms.BooleanField(
        label="I have checked: this is a different person",
        required=False,
    )


class ClaimCodeSendForm(KithForm):
    channel = forms.ChoiceField(
        label="Send the code by",
        choices=ClaimCode.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a text message or a letter."},
    )
