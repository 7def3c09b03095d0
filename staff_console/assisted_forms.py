"""Forms of the staff console for assisted digital: a need recorded by staff for someone who
is not online (the citizen's own questions, worded for staff asking them of the person), and
the messages and answers staff send in a match for them. As with every staff form, they check
the shape of the input; the services below enforce the rules."""

from __future__ import annotations

import copy
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import ApplicationError
from frontend.forms import (
    LanguagesField,
    NeedPreferencesForm,
    OneOffForm,
    SlotRowForm,
    TimingForm,
    UrgencyForm,
)
from marketplace.availability import validate_slots
from marketplace.models import Category, Need


def _asked_for_them(form_class, name: str, label: str | Promise, **changes) -> forms.Field:
    """The citizen's own question (its choices, widget and checks, from frontend.forms),
    worded for staff asking it of the person."""
    field = copy.deepcopy(form_class.base_fields[name])
    field.label = label
    field.error_messages = {**field.error_messages, **changes.pop("error_messages", {})}
    for attr, value in changes.items():
        setattr(field, attr, value)
    return field


class AssistedNeedForm(forms.Form):
    """A need recorded by staff for someone who is not online, with their consent: the
    questions the person would be asked recording it themselves (frontend.forms), with the
    weekly times and the one-off date in `AssistedNeedForms`."""

    use_required_attribute = False  # checked on the server, shown in the error summary

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        label=_("Kind of help"),
        empty_label=_("Choose a kind of help"),
        error_messages={"required": _("Choose the kind of help they need.")},
    )
    title = forms.CharField(
        label=_("Short title"),
        max_length=80,
        help_text=_("Others see this, so leave out names, addresses and phone numbers."),
        error_messages={"required": _("Enter a short title.")},
    )
    description = forms.CharField(
        label=_("What they need"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Describe what they need.")},
    )
    timing = _asked_for_them(TimingForm, "timing", _("How often do they need help?"))
    urgency = _asked_for_them(
        UrgencyForm,
        "urgency",
        _("How soon do they need help?"),
        error_messages={"required": _("Choose how soon they need help.")},
    )
    postcode = forms.CharField(
        label=_("Postcode where help is needed"),
        max_length=10,
        required=False,
        help_text=_("Leave empty to use their home postcode."),
    )
    helper_gender_preference = _asked_for_them(
        NeedPreferencesForm,
        "helper_gender_preference",
        _("Would they prefer a helper of a particular gender? (optional)"),
    )
    dietary_requirements = _asked_for_them(
        NeedPreferencesForm,
        "dietary_requirements",
        _("Does their food need to be any of these? (optional)"),
        help_text=_("Only for help with meals. Choose all that apply."),
        error_messages={"invalid_choice": _("Choose only from the kinds of food listed.")},
    )
    languages = LanguagesField(
        label=_("Which languages do they speak? (optional)"),
        help_text=_("Separate them with commas, for example English, Polish."),
        max_length=200,
        required=False,
        error_messages={"max_length": _("Keep it to 200 characters or fewer.")},
    )
    consent = forms.BooleanField(
        label=_("They agreed to me recording this need for them"),
        error_messages={"required": _("Record that they agreed to you adding this need for them.")},
    )
    consent_note = forms.CharField(
        label=_("How they agreed (optional)"),
        max_length=300,
        required=False,
        help_text=_("For example: by phone on 3 March, with her daughter present."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        meals = [c.local_name for c in Category.objects.filter(is_active=True, is_meal=True)]
        if meals:
            self.fields["dietary_requirements"].help_text = gettext(
                "Only for help with meals (%(meals)s): left out for other kinds of help. "
                "Choose all that apply."
            ) % {"meals": ", ".join(meals)}

    def clean(self):
        data = super().clean()
        category = data.get("category")
        if category is not None and not category.is_meal:
            # As on the citizen's own form, food is asked only for meals.
            data["dietary_requirements"] = []
        return data


class CheckedSlotRows(forms.BaseFormSet):
    """The citizen's rows of weekly times (frontend.forms.SlotRowForm), checked together
    with the marketplace's own rule (`validate_slots`: no overlaps, at most 21)."""

    def clean(self):
        if any(self.errors):
            return
        try:
            validate_slots(slot_times(self))
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from None


AssistedSlotFormSet = forms.formset_factory(
    SlotRowForm, formset=CheckedSlotRows, extra=0, max_num=21, absolute_max=21
)


def slot_times(formset) -> list[tuple[int, dt.time, dt.time]]:
    """The filled rows of a checked slot formset as (weekday, start, end)."""
    return [
        (int(data["weekday"]), data["start_time"], data["end_time"])
        for data in (row.cleaned_data for row in formset.forms)
        if data and not data.get("empty")
    ]


def _anchor(bound) -> str:
    widget = bound.field.widget
    if isinstance(widget, forms.RadioSelect):  # radios and checkboxes: their first box
        return f"#{bound.auto_id}_0"
    return f"#{bound.auto_id}"


class AssistedNeedForms:
    """Every question of recording a need for someone, on one page: `form`
    (`AssistedNeedForm`), `slots` (the weekly times, the citizen's rows) and `once` (the
    citizen's `OneOffForm`: a date, and times on it). Only the times the chosen timing needs
    are checked; the others keep what was typed, without errors. "Add another time"
    (`add_row` in the data) checks only the rows and saves nothing."""

    # Where a refusal of marketplace.services.need_create is shown: (part, field).
    PLACE_FOR_CODE = {
        "category_off": ("form", "category"),
        "timing": ("form", "timing"),
        "urgency": ("form", "urgency"),
        "gender": ("form", "helper_gender_preference"),
        "dietary": ("form", "dietary_requirements"),
        "language": ("form", "languages"),
        "languages": ("form", "languages"),
        "consent_missing": ("form", "consent"),
        "postcode_missing": ("form", "postcode"),
        "postcode_invalid": ("form", "postcode"),
        "postcode_unknown": ("form", "postcode"),
        "not_available": ("form", "postcode"),
        "location_missing": ("form", "postcode"),
        "wrong_council": ("form", "postcode"),
        "window_missing": ("once", "day"),
        "window_past": ("once", "day"),
        "window_order": ("once", "end"),
        "slots_too_many": ("slots", None),
        "slot_weekday": ("slots", None),
        "slot_end_before_start": ("slots", None),
        "slot_overlap": ("slots", None),
    }

    def __init__(self, data=None, *, person):
        self.form = AssistedNeedForm(data, initial={"languages": person.preferred_languages})
        if data is None:
            self.slots = AssistedSlotFormSet(initial=[{}] * 3, prefix="slots")
        else:
            self.slots = AssistedSlotFormSet(data, prefix="slots")
        self.once = OneOffForm(data, prefix="once")
        self.adding_row = data is not None and "add_row" in data

    # --- Checking ------------------------------------------------------------------------------
    def _quiet_once(self) -> None:
        self.once = OneOffForm(
            prefix="once", initial={name: self.once[name].value() for name in self.once.fields}
        )

    def _quiet_slots(self, extra_row: bool = False) -> None:
        typed = [{name: row[name].value() for name in row.fields} for row in self.slots.forms]
        typed = [row for row in typed if any(row.values())]
        rows = typed + [{}] * (1 if extra_row else max(1, 3 - len(typed)))
        self.slots = AssistedSlotFormSet(initial=rows, prefix="slots")

    def add_row(self) -> bool:
        """Show one more row of weekly times, keeping what was typed; False (with the rows'
        errors shown) when the rows typed so far are wrong."""
        self.form = AssistedNeedForm(
            initial={name: self.form[name].value() for name in self.form.fields}
        )
        self._quiet_once()
        if not self.slots.is_valid():
            return False
        self._quiet_slots(extra_row=True)
        return True

    def is_valid(self) -> bool:
        valid = self.form.is_valid()
        timing = self.form.cleaned_data.get("timing")
        if timing == Need.Timing.WEEKLY:
            valid = self.slots.is_valid() and valid
            self._quiet_once()
        elif timing == Need.Timing.ONE_OFF:
            valid = self.once.is_valid() and valid
            self._quiet_slots()
        else:
            self._quiet_once()
            self._quiet_slots()
        return valid

    @property
    def cleaned_data(self) -> dict:
        """What to pass to marketplace.services.need_create (besides the owner, the place and
        who recorded it)."""
        data = self.form.cleaned_data
        one_off = data["timing"] == Need.Timing.ONE_OFF
        starts_at = ends_at = None
        if one_off:
            zone = timezone.get_current_timezone()
            day = self.once.cleaned_data["date"]
            starts_at = timezone.make_aware(
                dt.datetime.combine(day, self.once.cleaned_data["start_time"]), zone
            )
            ends_at = timezone.make_aware(
                dt.datetime.combine(day, self.once.cleaned_data["end_time"]), zone
            )
        return {
            "category": data["category"],
            "title": data["title"],
            "description": data["description"],
            "timing": data["timing"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "slots": [] if one_off else slot_times(self.slots),
            "urgency": data["urgency"],
            "helper_gender_preference": data["helper_gender_preference"],
            "dietary_requirements": data["dietary_requirements"],
            "languages": data["languages"],
            "consent_given": data["consent"],
            "consent_note": data["consent_note"],
        }

    def add_service_error(self, exc: ApplicationError) -> None:
        """Show a refusal of the service on the question it is about."""
        part, field = self.PLACE_FOR_CODE.get(exc.code or "", ("form", None))
        if part == "slots":
            self.slots._non_form_errors = self.slots.error_class(
                [exc.message], error_class="nonform"
            )
        else:
            getattr(self, part).add_error(field, exc.message)

    # --- Showing -------------------------------------------------------------------------------
    def error_summary(self) -> list[tuple[str, str]]:
        """(link, message) for the GOV.UK error summary, in the order of the page."""
        form = self.form
        fields = list(form)
        items = [(_anchor(fields[0]), e) for e in form.non_field_errors()]
        for bound in fields:
            items += [(_anchor(bound), e) for e in bound.errors]
            if bound.name == "timing":
                rows = self.slots.forms
                first_row = _anchor(rows[0]["weekday"]) if rows else "#slots"
                items += [(first_row, e) for e in self.slots.non_form_errors()]
                for row in self.slots.forms:
                    items += [(_anchor(b), e) for b in row for e in b.errors]
                items += [(_anchor(b), e) for b in self.once for e in b.errors]
        return items


class AssistedMessageForm(forms.Form):
    """A message staff send in a match's conversation for the person."""

    body = forms.CharField(
        label=_("Message"),
        max_length=2000,
        help_text=_("It is sent from the person, marked as sent by council staff for them."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write a message before sending it.")},
    )


class AssistedDeclineForm(forms.Form):
    """Why the person said no to a proposal, or ended a match (optional)."""

    reason = forms.CharField(
        label=_("Why (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
