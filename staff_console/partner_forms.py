"""Forms of the staff console's partner pages: registering or changing a partner organisation,
inviting a referrer and pausing an organisation's access. They check the shape of the input;
`partners.services` enforces the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from frontend.forms import KithForm
from marketplace.models import Category
from partners.models import PartnerOrganisation


class OrganisationForm(KithForm):
    name = forms.CharField(
        label=_("Organisation name"),
        max_length=120,
        error_messages={"required": _("Enter the organisation's name.")},
    )
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=PartnerOrganisation.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what kind of organisation it is.")},
    )
    contact_name = forms.CharField(
        label=_("Contact's name"),
        max_length=120,
        error_messages={"required": _("Enter the contact's name.")},
    )
    contact_email = forms.EmailField(
        label=_("Contact's email address"),
        error_messages={
            "required": _("Enter the contact's email address."),
            "invalid": _("Enter the contact's email address, like name@example.org."),
        },
    )
    contact_phone = forms.CharField(
        label=_("Contact's phone number"), max_length=20, required=False
    )
    categories = forms.ModelMultipleChoiceField(
        label=_("Kinds of help it may refer people for"),
        queryset=Category.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one kind of help.")},
    )

    @classmethod
    def initial_of(cls, organisation: PartnerOrganisation) -> dict:
        return {
            "name": organisation.name,
            "kind": organisation.kind,
            "contact_name": organisation.contact_name,
            "contact_email": organisation.contact_email,
            "contact_phone": organisation.contact_phone,
            "categories": list(organisation.categories.all()),
        }


class ReferrerInviteForm(KithForm):
    display_name = forms.CharField(
        label=_("Their name"),
        max_length=60,
        error_messages={"required": _("Enter the referrer's name.")},
    )
    email = forms.EmailField(
        label=_("Their work email address"),
        help_text=_("The set-up link goes here. They sign in with it."),
        error_messages={
            "required": _("Enter the referrer's email address."),
            "invalid": _("Enter their email address, like name@example.org."),
        },
    )


class SuspendForm(KithForm):
    reason = forms.CharField(
        label=_("Why is access paused?"),
        max_length=300,
        help_text=_(
            "Staff see this; the organisation's referrers are told only that it is paused."
        ),
        error_messages={"required": _("Say why access is paused.")},
        widget=forms.Textarea(attrs={"rows": 3}),
    )
