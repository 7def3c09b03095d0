"""Forms of the staff console. They check the shape of the input; the services of the rooms
below (trust, marketplace, matching, safeguarding, insights) enforce the rules, and their
messages are shown in the GOV.UK error summary."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from arrangements.models import WelfareCall
from arrangements.still_needed import Resolution
from marketplace.models import Category
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
