"""Forms of the staff console's pages about people who are not online: recording one, and
sending them a code to go online. They check the shape of the input; the service
(`notifications.offline_people`) enforces the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import ClaimCode, OfflinePerson
from frontend.forms import KithForm
from frontend.offline_person_forms import MOBILE_HINT, OfflinePersonFields


class OfflinePersonForm(OfflinePersonFields):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phone"].help_text = "{} {}".format(
            MOBILE_HINT, gettext("Kith texts it a code to read out.")
        )

    consent_how = forms.ChoiceField(
        label=_("How did they agree to Kith keeping their details?"),
        choices=OfflinePerson.Consent.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say how the person agreed.")},
    )
    confirmed_not_duplicate = forms.BooleanField(
        label=_("I have checked: this is a different person"),
        required=False,
    )


class ClaimCodeSendForm(KithForm):
    channel = forms.ChoiceField(
        label=_("Send the code by"),
        choices=ClaimCode.Channel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a text message or a letter.")},
    )
