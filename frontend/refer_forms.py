"""The form with which a partner organisation's referrer records a referral: the person (not
online: reached by text message or letter), their need, and their consent. It checks the
shape of the input; the services (`partners.services`, `notifications.services`) enforce the
rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category
from partners.models import Referral

from .forms import date_of_parts
from .offline_person_forms import OfflinePersonFields


class ReferralForm(OfflinePersonFields):
    category = forms.ModelChoiceField(
        label=_("What kind of help do they need?"),
        queryset=Category.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("Choose the kind of help they need.")},
    )
    title = forms.CharField(
        label=_("In a few words, what do they need?"),
        max_length=80,
        help_text=_("For example: a weekly chat, or shopping on Fridays."),
        error_messages={"required": _("Enter a short title for the need.")},
    )
    description = forms.CharField(
        label=_("More about the help they need"),
        max_length=2000,
        help_text=_("What a helper should know. Do not include their address or phone number."),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe the help they need.")},
    )
    consent_by = forms.ChoiceField(
        label=_("Who agreed to this referral?"),
        choices=Referral.ConsentBy.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Say who agreed to this referral. You can only refer someone who agreed.")
        },
    )
    consent_representative = forms.CharField(
        label=_("If someone spoke for them, their name"),
        max_length=120,
        required=False,
    )
    consent_how = forms.ChoiceField(
        label=_("How did they agree?"),
        choices=Referral.ConsentHow.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how they agreed.")},
    )
    day = forms.CharField(required=False)
    month = forms.CharField(required=False)
    year = forms.CharField(required=False)

    def __init__(self, *args, categories, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories

    def clean(self):
        data = super().clean()
        data["consent_on"] = date_of_parts(data)
        if data["consent_on"] is None:
            self.add_error("day", gettext("Enter the date they agreed, like 27 3 2027."))
        return data

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            key: data[key]
            for key in (
                "display_name",
                "postcode",
                "preferred_route",
                "phone",
                "category",
                "title",
                "description",
                "consent_by",
                "consent_representative",
                "consent_how",
                "consent_on",
            )
        }
