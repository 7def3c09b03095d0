"""The questions about a person who is not online, asked alike by council staff recording one
(`staff_console.offline_forms`) and by a partner's referrer (`frontend.refer_forms`): their
name, home postcode, how Kith should contact them, and the phone number or postal address that
route needs. The form checks the shape of the input; the services enforce the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import OfflinePerson

from .forms import KithForm

MOBILE_HINT = _("For text messages, a UK mobile number.")


class OfflinePersonFields(KithForm):
    display_name = forms.CharField(
        label=_("Their name"),
        max_length=60,
        help_text=_("As they would like helpers to call them."),
        error_messages={"required": _("Enter the person's name.")},
    )
    postcode = forms.CharField(
        label=_("Home postcode"),
        max_length=8,
        error_messages={"required": _("Enter the postcode of their home.")},
    )
    preferred_route = forms.ChoiceField(
        label=_("How should Kith contact them?"),
        choices=OfflinePerson.Route.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a text message or a letter.")},
    )
    phone = forms.CharField(
        label=_("Phone number"), max_length=20, required=False, help_text=MOBILE_HINT
    )
    address = forms.CharField(
        label=_("Postal address"),
        max_length=400,
        required=False,
        help_text=_("For letters: 3 to 7 lines, the postcode on the last line."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
