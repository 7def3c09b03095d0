"""The questions about an offer of help: recording one a page at a time (`OfferForm`) and
changing one part of it later with the same question (`OfferChangeForm`)."""

from __future__ import annotations

import copy

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from marketplace.models import DietaryTag

from .forms import KithForm, LanguagesField, PostcodeField

RADIUS_CHOICES = [
    ("500", _("Up to half a kilometre (a short walk)")),
    ("1000", _("Up to 1 km")),
    ("2000", _("Up to 2 km")),
    ("5000", _("Up to 5 km")),
    ("8000", _("Up to 8 km")),
]


class HintedRadioSelect(forms.RadioSelect):
    """Radios where each choice may carry a hint of its own (GOV.UK radio item hints)."""

    def __init__(self, *args, hints: dict[str, str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.hints = hints or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        option["hint"] = self.hints.get(str(value), "")
        return option


class OfferForm(KithForm):
    """Every question about an offer. Recording one asks them a page at a time: `step` keeps
    only that page's questions (`STEP_FIELDS`)."""

    STEP_FIELDS = {
        "category": ("category",),
        "about": ("title", "description"),
        "place": ("postcode",),
        "distance": ("radius_m",),
        "capacity": ("capacity",),
        "languages": ("languages",),
        "food": ("dietary_capabilities",),
    }
    PUBLIC_TEXT = ("title", "description")

    category = forms.ChoiceField(
        label=_("What kind of help can you offer?"),
        help_text=_(
            "Some kinds of help need the council to check your ID, or do a DBS check, "
            "before people can see your offer."
        ),
        widget=HintedRadioSelect,
        error_messages={"required": _("Choose what you can help with.")},
    )
    title = forms.CharField(
        label=_("Sum up your offer in a few words (optional)"),
        help_text=_("For example, a chat over a cup of tea."),
        max_length=80,
        required=False,
        error_messages={"max_length": _("Keep it to 80 characters or fewer.")},
    )
    description = forms.CharField(
        label=_("Tell people about the help you can give"),
        help_text=_(
            "For example, what you enjoy doing and anything people should know. Do not "
            "include your phone number or email address."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            "required": _("Tell people about the help you can give."),
            "max_length": _("Keep it to 2,000 characters or fewer."),
        },
    )
    radius_m = forms.ChoiceField(
        label=_("How far can you travel?"),
        choices=RADIUS_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how far you can travel.")},
    )
    capacity = forms.IntegerField(
        label=_("How many people could you help at the same time?"),
        min_value=1,
        max_value=20,
        initial=1,
        error_messages={
            "required": _("Enter how many people you could help at the same time."),
            "invalid": _("Enter a number, like 1 or 2."),
            "min_value": _("Enter a number from 1 to 20."),
            "max_value": _("Enter a number from 1 to 20."),
        },
    )
    capacity.widget.attrs.update({"inputmode": "numeric", "class": "govuk-input--width-2"})
    postcode = PostcodeField(
        known=True,
        label=_("Where will you help from?"),
        help_text=_("Usually your home postcode. Other people only see roughly where this is."),
        error_messages={"required": _("Enter the postcode you will help from.")},
    )
    languages = LanguagesField(
        label=_("Which languages can you help in? (optional)"),
        help_text=_("Separate them with commas, for example English, Polish."),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Keep it to 200 characters or fewer.")},
    )
    dietary_capabilities = forms.MultipleChoiceField(
        label=_("Which of these can you cook? (optional)"),
        help_text=_(
            "Choose all that apply. People who need food like this can be matched with you."
        ),
        choices=DietaryTag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose only from the kinds of food listed.")},
    )

    def __init__(self, *args, step: str | None = None, categories=(), hints=None, **kwargs):
        super().__init__(*args, **kwargs)
        if step is not None:
            for name in set(self.fields) - set(self.STEP_FIELDS[step]):
                del self.fields[name]
        category = self.fields.get("category")
        if isinstance(category, forms.ChoiceField):
            category.choices = [(str(c.pk), c.local_name) for c in categories]
            category.widget.hints = hints or {}


class OfferChangeForm(KithForm):
    """One part of an offer already recorded, with the same question as when it was made."""

    FIELD_FOR_PART = {
        "title": "title",
        "about": "description",
        "distance": "radius_m",
        "capacity": "capacity",
        "languages": "languages",
        "food": "dietary_capabilities",
    }
    PUBLIC_TEXT = OfferForm.PUBLIC_TEXT

    def __init__(self, *args, part: str, **kwargs):
        super().__init__(*args, **kwargs)
        name = self.FIELD_FOR_PART[part]
        self.fields[name] = copy.deepcopy(OfferForm.base_fields[name])
        current = str(self.initial.get("radius_m") or "")
        if name == "radius_m" and current.isdigit() and current not in dict(RADIUS_CHOICES):
            # An offer recorded with a distance the page does not list (through the API, or
            # before the list changed) can be kept as it is.
            km = formats.number_format(int(current) / 1000, decimal_pos=1).removesuffix(".0")
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = sorted(
                [*RADIUS_CHOICES, (current, _("Up to %(km)s km") % {"km": km})],
                key=lambda choice: int(choice[0]),
            )
