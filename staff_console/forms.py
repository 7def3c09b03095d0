"""Forms of the staff console. They check the shape of the input; the services of the rooms
below (trust, marketplace, matching, safeguarding, insights) enforce the rules, and their
messages are shown in the GOV.UK error summary."""

from __future__ import annotations

import copy
import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from arrangements.models import WelfareCall
from arrangements.still_needed import Resolution
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
from trust.models import HelperCheck, SafeguardingConcern


class DateInput(forms.DateInput):
    input_type = "date"


class ModerationFilterForm(forms.Form):
    KINDS = [
        ("", _("Everything")),
        ("need", _("Needs")),
        ("offer", _("Offers")),
        ("report", _("Reports")),
    ]

    kind = forms.ChoiceField(choices=KINDS, required=False, label=_("Show"))
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        to_field_name="slug",
        empty_label=_("All categories"),
        label=_("Category"),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("The person who wrote it will see this. Say what they need to change."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Enter the reason, which the owner will see.")},
    )


class ReportDecisionForm(forms.Form):
    DECISIONS = [("dismiss", _("Dismiss the report")), ("uphold", _("Uphold the report"))]

    decision = forms.ChoiceField(
        choices=DECISIONS,
        widget=forms.RadioSelect,
        label=_("Decision"),
        error_messages={"required": _("Choose whether to uphold or dismiss the report.")},
    )
    take_down = forms.BooleanField(
        required=False, label=_("Take the reported listing down (the note is shown to its owner)")
    )
    note = forms.CharField(
        required=False, max_length=500, label=_("Note"), widget=forms.Textarea(attrs={"rows": 3})
    )


class HelperCheckForm(forms.Form):
    email = forms.EmailField(
        label=_("Helper's email address"),
        help_text=_("The email address the helper signed up with."),
        error_messages={
            "required": _("Enter the helper's email address."),
            "invalid": _("Enter an email address in the correct format, like name@example.com."),
        },
    )
    kind = forms.ChoiceField(
        choices=HelperCheck.Kind.choices,
        widget=forms.RadioSelect,
        label=_("Kind of check"),
        error_messages={"required": _("Choose the kind of check.")},
    )
    issued_on = forms.DateField(
        label=_("Issue date"),
        widget=DateInput,
        error_messages={
            "required": _("Enter the date the check was issued."),
            "invalid": _("Enter the issue date as a real date."),
        },
    )
    expires_on = forms.DateField(
        label=_("Expiry or renewal date"),
        required=False,
        widget=DateInput,
        help_text=_("Required for DBS checks: the date your council asks for a new check."),
        error_messages={"invalid": _("Enter the expiry date as a real date.")},
    )
    certificate_last4 = forms.CharField(
        label=_("Last 4 characters of the DBS certificate number"),
        required=False,
        max_length=40,  # longer input reaches the service, which explains the rule
        help_text=_("Only the last 4 characters. Do not enter the whole number."),
    )


class RevokeCheckForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this check being revoked?"),
        max_length=500,
        error_messages={"required": _("Say why the check is being revoked.")},
    )


class ConcernRaiseForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary"),
        max_length=200,
        help_text=_("One line: what is the worry?"),
        error_messages={"required": _("Write a short summary of the concern.")},
    )
    priority = forms.ChoiceField(
        choices=SafeguardingConcern.Priority.choices,
        widget=forms.RadioSelect,
        label=_("Priority"),
        initial=SafeguardingConcern.Priority.MEDIUM,
        error_messages={"required": _("Choose a priority.")},
    )
    note = forms.CharField(
        label=_("What happened (optional)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ConcernAssignForm(forms.Form):
    owner = forms.ChoiceField(label=_("Owner"), error_messages={"required": _("Choose an owner.")})
    priority = forms.ChoiceField(choices=SafeguardingConcern.Priority.choices, label=_("Priority"))

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", gettext("Choose a member of staff"))] + [
            (str(u.pk), u.display_name or u.email) for u in owners
        ]


class ConcernNoteForm(forms.Form):
    body = forms.CharField(
        label=_("Add a note"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Write the note.")},
    )


class ConcernCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[c for c in SafeguardingConcern.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
        label=_("Outcome"),
        error_messages={"required": _("Choose the outcome.")},
    )
    note = forms.CharField(
        label=_("What was done"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Say what was done.")},
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for suspending"),
        max_length=1000,
        help_text=_(
            "Kept on the council's record of this suspension, for staff who may suspend "
            "people. The person and the people they were matched with are not told the reason."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the person is being suspended.")},
    )
    concern = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReinstateForm(forms.Form):
    note = forms.CharField(
        label=_("Reason for reinstating"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Say why the person is being reinstated.")},
    )
    reopen_offers = forms.TypedMultipleChoiceField(
        label=_("Reopen the offers the suspension closed"),
        help_text=_(
            "Select all that apply. An offer whose kind of help needs a check they no "
            "longer hold stays closed."
        ),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, offers=(), **kwargs):
        """`offers`: those the suspension closed that are still closed, all ticked at first."""
        super().__init__(*args, **kwargs)
        field = self.fields["reopen_offers"]
        field.choices = [
            (
                offer.pk,
                f"{offer.title} ({offer.category.local_name})" if offer.title else str(offer),
            )
            for offer in offers
        ]
        field.initial = [offer.pk for offer in offers]


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, email address or phone number"),
        min_length=2,
        max_length=100,
        error_messages={
            "required": _("Enter a name, an email address or a phone number."),
            "min_length": _("Enter at least 2 characters."),
        },
    )


class DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Enter the start date as a real date.")},
    )
    date_to = forms.DateField(
        label=_("To"),
        required=False,
        widget=DateInput,
        error_messages={"invalid": _("Enter the end date as a real date.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", gettext("The end date must be on or after the start date."))
        return data


class AuditFilterForm(DateRangeForm):
    field_order = ["verb", "date_from", "date_to"]

    verb = forms.CharField(
        label=_("Event"),
        required=False,
        max_length=60,
        help_text=_('For example "person.viewed", or "need." for every need event.'),
    )


class CouncilSettingsForm(forms.Form):
    max_travel_radius_m = forms.IntegerField(
        label=_("Furthest a helper may offer to travel, in metres"),
        min_value=100,
        max_value=50000,
        error_messages={
            "required": _("Enter the furthest distance in metres."),
            "invalid": _("Enter the distance as a whole number of metres, like 8000."),
            "min_value": _("The furthest distance must be at least 100 metres."),
            "max_value": _("The furthest distance can be at most 50,000 metres."),
        },
    )
    auto_approve_verified_helpers = forms.BooleanField(
        required=False,
        label=_("Publish offers from ID-checked helpers without waiting for review"),
    )
    contact_email = forms.EmailField(
        required=False,
        label=_("Email address people can write to"),
        help_text=_("Shown on the start page as another way to ask for help."),
        error_messages={"invalid": _("Enter an email address like help@council.gov.uk.")},
    )
    contact_phone = forms.CharField(
        required=False,
        max_length=30,
        label=_("Phone number people can call"),
        help_text=_("Shown on the start page, for people who would rather talk to someone."),
        error_messages={"max_length": _("Enter a phone number of 30 characters or fewer.")},
    )
    welsh_first = forms.BooleanField(
        required=False,
        label=_("Speak Welsh first"),
        help_text=_(
            "People of this council see pages and get messages in Welsh unless they choose English."
        ),
    )


class UrgentNeedsSettingForm(forms.Form):
    open_urgent_needs_at_once = forms.BooleanField(
        required=False,
        label=_(
            "Open urgent needs from people in good standing at once, and check them afterwards"
        ),
        help_text=_(
            "A need for today or tomorrow opens straight away, and nearby helpers are alerted, "
            "when the person is not suspended, has no open safeguarding concern, has had no "
            "report upheld in the last 90 days and has had a need approved before. It stays in "
            "the moderation queue until a moderator has checked it."
        ),
    )


class ImpactUnitsForm(forms.Form):
    """One cost field per kind of help, named cost_<slug>. (Hours come from the visit log.)"""

    def __init__(self, *args, categories=(), units=None, **kwargs):
        super().__init__(*args, **kwargs)
        units = units or {"unit_costs": {}, "unit_hours": {}}
        self.categories = list(categories)
        for category in self.categories:
            self.fields[f"cost_{category.slug}"] = forms.DecimalField(
                label=gettext(
                    "%(category)s: cost the council avoids per completed match, in pounds"
                )
                % {"category": category.local_name},
                min_value=0,
                max_value=10000,
                decimal_places=2,
                required=False,
                initial=units["unit_costs"].get(category.slug, ""),
                error_messages={
                    "invalid": gettext("Enter the cost for %(category)s in pounds, like 4.90.")
                    % {"category": category.local_name.lower()},
                    "min_value": gettext("A cost cannot be negative."),
                    "max_value": gettext("A cost can be at most £10,000."),
                    "max_decimal_places": gettext("Enter a cost in pounds and pence, like 4.90."),
                },
            )

    def units(self) -> dict:
        costs = {}
        for category in self.categories:
            cost = self.cleaned_data.get(f"cost_{category.slug}")
            if cost is not None:
                costs[category.slug] = cost
        return costs


class OngoingSettingsForm(forms.Form):
    checkin_wait_hours = forms.IntegerField(
        label=_("Check-in wait (hours)"),
        help_text=_(
            "After a visit, how long Kith waits for the helper, then the person helped, to say "
            "whether it happened before it takes the next step. From 1 to 168 hours (a week)."
        ),
        min_value=1,
        max_value=168,
        error_messages={
            "required": _("Enter the check-in wait in hours."),
            "invalid": _("Enter the check-in wait as a whole number of hours, like 24."),
            "min_value": _("The check-in wait must be at least 1 hour."),
            "max_value": _("The check-in wait can be at most 168 hours (a week)."),
        },
    )
    still_needed_weeks = forms.IntegerField(
        label=_("Ask 'still need help?' every (weeks)"),
        help_text=_("How often people are asked whether they still need the help. From 1 to 26."),
        min_value=1,
        max_value=26,
        error_messages={
            "required": _("Enter how many weeks between asking 'still need help?'."),
            "invalid": _("Enter the number of weeks as a whole number, like 4."),
            "min_value": _("Ask every 1 week or more."),
            "max_value": _("Ask at least once every 26 weeks."),
        },
    )
    first_meeting_checklist = forms.CharField(
        label=_("First-meeting safety checklist"),
        help_text=_(
            "Shown to both people before an introductory visit. One point on each line, at "
            "most 10 points. Leave it empty to use Kith's own."
        ),
        required=False,
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": _("Keep the checklist shorter (at most 2,500 characters).")},
    )

    first_meeting_checklist_cy = forms.CharField(
        label=_("The checklist in Welsh"),
        help_text=_(
            "Shown instead on pages in Welsh. Leave it empty to show Kith's own Welsh checklist "
            "(when the checklist above is Kith's own) or the English above."
        ),
        required=False,
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 6, "lang": "cy"}),
        error_messages={"max_length": _("Keep the checklist shorter (at most 2,500 characters).")},
    )

    def clean_first_meeting_checklist(self) -> list[str]:
        text = self.cleaned_data.get("first_meeting_checklist") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def clean_first_meeting_checklist_cy(self) -> list[str]:
        text = self.cleaned_data.get("first_meeting_checklist_cy") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


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


class BroadcastForm(forms.Form):
    subject = forms.CharField(
        label=_("Subject"), max_length=100, error_messages={"required": _("Write a subject.")}
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=600,
        help_text=_(
            "Up to 600 characters. Helpers get it by email, text or in Kith, as they chose."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write the message.")},
    )
    category = forms.ChoiceField(label=_("Helpers offering"), required=False, choices=())
    postcode = forms.CharField(
        label=_("Near this postcode (optional)"),
        help_text=_("Leave empty for the whole council."),
        max_length=10,
        required=False,
    )
    radius_km = forms.IntegerField(
        label=_("Within (km)"),
        min_value=1,
        max_value=50,
        initial=5,
        error_messages={
            "required": _("Enter a distance, like 5."),
            "invalid": _("Enter a number."),
        },
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", gettext("Any kind of help"))] + [
            (c.slug, c.local_name) for c in categories
        ]


class WelfareCallForm(forms.Form):
    result = forms.ChoiceField(
        choices=WelfareCall.Result.choices,
        widget=forms.RadioSelect,
        label=_("What happened when you called?"),
        error_messages={
            "required": _("Choose what happened when you called."),
            "invalid_choice": _("Choose what happened when you called."),
        },
    )
    note = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Note"),
        help_text=_("Say what the person needs, if they need something. Shown to staff only."),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": _("The note can be at most 1000 characters.")},
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == WelfareCall.Result.NEEDS_SOMETHING and not data.get("note"):
            self.add_error("note", gettext("Say what the person needs."))
        return data


class WelfareEscalateForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=4000,
        label=_("Note for the safeguarding lead (optional)"),
        help_text=_("What you tried, and anything that worries you."),
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("The note can be at most 4,000 characters.")},
    )


class StillNeededResolveForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(
        choices=Resolution.CHOICES,
        error_messages={
            "required": _("Choose what to do with this request."),
            "invalid_choice": _("Choose what to do with this request."),
        },
    )
