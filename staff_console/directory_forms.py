"""Forms of the "other help nearby" settings page: the address of the council's Open
Referral UK directory, or a file of it. The directory room checks what they hold."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import KithForm


class DirectoryAddressForm(KithForm):
    url = forms.CharField(
        label=_("Address of your directory’s Open Referral UK API"),
        help_text=_(
            "Like https://directory.example.gov.uk/api/. Kith reads its services every night. "
            "Leave it empty to stop."
        ),
        max_length=500,
        required=False,
    )


class DirectoryFileForm(KithForm):
    file = forms.FileField(
        label=_("Or upload your directory as a file"),
        help_text=_("An Open Referral UK JSON file of services, smaller than 5 MB."),
        error_messages={"required": _("Choose the file to upload.")},
    )
