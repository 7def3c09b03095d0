"""Forms of the helper checks page beyond recording the check itself: a reference's referee,
the DBS Update Service (consent and the whole certificate number), and a status check's
result."""

from __future__ import annotations

from django import forms

from staff_console.forms import DateInput, HelperCheckForm
from trust.models import HelperCheck


class CheckRecordForm(HelperCheckForm):
    referee_name = forms.CharField(
        label="Who gave the reference",
        required=False,
        max_length=120,
        help_text="For a reference only: the referee's name. The issue date is when they gave it.",
    )
    update_service_consent = forms.BooleanField(
        label="The helper agrees to DBS Update Service status checks",
        required=False,
        help_text="Only with their recorded consent does Kith keep the whole certificate "
        "number, encrypted, for staff to make status checks.",
    )
    certificate_number = forms.CharField(
        label="Whole DBS certificate number (12 digits)",
        required=False,
        max_length=40,
        help_text="Only with the helper's consent above. It is never shown again.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


class DbsStatusForm(forms.Form):
    result = forms.ChoiceField(
        choices=[
            (HelperCheck.StatusResult.CURRENT, HelperCheck.StatusResult.CURRENT.label),
            (HelperCheck.StatusResult.NOT_CURRENT, HelperCheck.StatusResult.NOT_CURRENT.label),
        ],
        widget=forms.RadioSelect,
        label="What the Update Service said",
        error_messages={"required": "Choose what the Update Service said."},
    )
    checked_on = forms.DateField(
        label="Date of the status check",
        required=False,
        widget=DateInput,
        help_text="Leave empty for today.",
        error_messages={"invalid": "Enter the date as a real date."},
    )
