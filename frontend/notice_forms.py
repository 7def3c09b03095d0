"""Forms for how Kith contacts a person: channels, mobile number and its code, letters'
address, quiet hours and language. The rules are in `notifications.services`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from notifications.models import ContactPreference

from .forms import KithForm, clean_quiet_hours


class ContactPreferencesForm(KithForm):
    channels = forms.MultipleChoiceField(
        label=_("How should Kith contact you? Choose all that apply"),
        help_text=_("You will always see what is new when you sign in to Kith."),
        choices=[
            ("email", _("Email")),
            ("sms", _("Text message")),
            ("letter", _("Letter")),
        ],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    mobile = forms.CharField(
        label=_("Mobile number for text messages"),
        help_text=_("We send a code to check it is yours. For example, 07700 900 982"),
        max_length=20,
        required=False,
    )
    mobile.widget.attrs.update({"autocomplete": "tel", "inputmode": "tel"})
    postal_address = forms.CharField(
        label=_("Postal address for letters"),
        help_text=_("One line each, the postcode on the last line."),
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    quiet_start = forms.CharField(
        label=_("No texts or emails from (optional)"),
        help_text=_("For example, 21:00 or 9pm. Messages about safety still come."),
        max_length=8,
        required=False,
    )
    quiet_end = forms.CharField(
        label=_("Until (optional)"),
        help_text=_("For example, 08:00 or 8am"),
        max_length=8,
        required=False,
    )
    language = forms.ChoiceField(
        label=_("Which language should messages be in?"),
        choices=ContactPreference.Language.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a language.")},
    )

    def __init__(self, *args, about: str = "", **kwargs):
        """`about`: the name of the person staff are recording this for."""
        super().__init__(*args, **kwargs)
        if about:
            self.fields["channels"].label = gettext(
                "How should Kith contact %(name)s? Choose all that apply"
            ) % {"name": about}
            self.fields["channels"].help_text = gettext(
                "%(name)s will always see what is new when they sign in to Kith."
            ) % {"name": about}
            self.fields["mobile"].help_text = gettext(
                "Kith texts a code to check it is theirs. For example, 07700 900 982"
            )

    def clean(self):
        return clean_quiet_hours(self, super().clean())


class MobileCodeForm(KithForm):
    code = forms.CharField(
        label=_("Code from the text message"),
        help_text=_("6 numbers, for example 123456"),
        max_length=12,
        error_messages={"required": _("Enter the code from the text message.")},
    )
    code.widget.attrs.update({"inputmode": "numeric", "autocomplete": "one-time-code"})
