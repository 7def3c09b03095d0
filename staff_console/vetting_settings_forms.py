"""Forms of the council's vetting settings page: when expiry warnings go out, the renewal
window and how often DBS certificates are re-checked; and the checks a kind of help needs in
the council's area beyond what Kith asks. They check the shape of the input; the services
(`trust.vetting`, `marketplace.vetting`) enforce the rules."""

from __future__ import annotations

from collections.abc import Collection

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from frontend.forms import KithForm
from trust.models import HelperCheck


class VettingSettingsForm(KithForm):
    warn_days = forms.CharField(
        label=_("Warn before a check expires (days before)"),
        help_text=_("One to four numbers between 1 and 180, separated by commas, like 30, 7."),
        max_length=40,
        error_messages={"required": _("Enter when to warn, like 30, 7.")},
    )
    renewal_window_days = forms.IntegerField(
        label=_("Renewal window (days)"),
        help_text=_("Checks expiring within this many days are listed as due for renewal."),
        min_value=1,
        max_value=180,
        error_messages={
            "required": _("Enter the renewal window in days."),
            "invalid": _("Enter the renewal window as a whole number of days, like 60."),
            "min_value": _("The renewal window is at least 1 day."),
            "max_value": _("The renewal window is at most 180 days."),
        },
    )
    recheck_every_days = forms.IntegerField(
        label=_("Re-check DBS certificates on the Update Service every (days)"),
        min_value=30,
        max_value=1095,
        error_messages={
            "required": _("Enter how often to re-check, in days."),
            "invalid": _("Enter a whole number of days, like 365."),
            "min_value": _("Re-check at most every 30 days."),
            "max_value": _("Re-check at least every 1095 days (three years)."),
        },
    )

    def clean_warn_days(self) -> list[int]:
        parts = [p.strip() for p in self.cleaned_data["warn_days"].split(",") if p.strip()]
        if not parts or not all(p.isdigit() for p in parts):
            raise forms.ValidationError(gettext("Enter whole numbers of days separated by commas."))
        return [int(p) for p in parts]


class CategoryRequirementsForm(KithForm):
    kinds = forms.MultipleChoiceField(
        label=_("Checks your council adds"),
        choices=HelperCheck.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    # The choice staff were told about (how many open offers saving it pauses), so that
    # saving it again goes ahead; any other choice is told about first.
    confirmed = forms.CharField(required=False, max_length=300, widget=forms.HiddenInput)

    @staticmethod
    def told(kinds) -> str:
        return ",".join(sorted(kinds))

    def __init__(self, *args, always: Collection[str] = (), **kwargs) -> None:
        """`always`: the kinds the category needs whatever the council says (the legal floor,
        Kith's defaults and what they include), shown as always required, never as a choice."""
        super().__init__(*args, **kwargs)
        kinds = self.fields["kinds"]
        assert isinstance(kinds, forms.MultipleChoiceField)
        kinds.choices = [
            (value, label) for value, label in HelperCheck.Kind.choices if value not in always
        ]
