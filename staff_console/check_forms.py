"""Forms of the helper checks page beyond recording the check itself: a reference's referee,
the DBS Update Service (consent and the whole certificate number), and a status check's
result."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from staff_console.forms import DateInput, HelperCheckForm
from trust.models import HelperCheck


class NeverShownAgain(forms.TextInput):
    """A whole DBS certificate number is typed once and never shown again — not even when the
    form is refused and comes back with an error: the box is then empty."""

    def format_value(self, value):
        return None


class LastFourOnly(forms.TextInput):
    """The box for a certificate number's last four characters shows back only what could be
    a last four: a whole number typed here by mistake is not shown again."""

    def format_value(self, value):
        value = super().format_value(value)
        return value if value is not None and len(value.strip()) <= 4 else None


class CheckRecordForm(HelperCheckForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["certificate_last4"].widget = LastFourOnly()

    referee_name = forms.CharField(
        label=_("Who gave the reference"),
        required=False,
        max_length=120,
        help_text=_(
            "For a reference only: the referee's name. The issue date is when they gave it."
        ),
    )
    update_service_consent = forms.BooleanField(
        label=_("The helper agrees to DBS Update Service status checks"),
        required=False,
        help_text=_(
            "Only with their recorded consent does Kith keep the whole certificate "
            "number, encrypted, for staff to make status checks."
        ),
    )
    certificate_number = forms.CharField(
        label=_("Whole DBS certificate number (12 digits)"),
        required=False,
        max_length=40,
        help_text=_("Only with the helper's consent above. It is never shown again."),
        widget=NeverShownAgain(attrs={"autocomplete": "off"}),
    )


class DbsStatusForm(forms.Form):
    result = forms.ChoiceField(
        choices=[
            (HelperCheck.StatusResult.CURRENT, HelperCheck.StatusResult.CURRENT.label),
            (HelperCheck.StatusResult.NOT_CURRENT, HelperCheck.StatusResult.NOT_CURRENT.label),
        ],
        widget=forms.RadioSelect,
        label=_("What the Update Service said"),
        error_messages={"required": _("Choose what the Update Service said.")},
    )
    checked_on = forms.DateField(
        label=_("Date of the status check"),
        required=False,
        widget=DateInput,
        help_text=_("Leave empty for today."),
        error_messages={"invalid": _("Enter the date as a real date.")},
    )
