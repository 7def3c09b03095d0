"""Forms of the staff console. They check the shape of the input; the services of the rooms
below (trust, marketplace, matching, safeguarding, insights) enforce the rules, and their
messages are shown in the GOV.UK error summary."""

from __future__ import annotations

from django import forms

from arrangements.models import WelfareCall
from arrangements.still_needed import Resolution
from marketplace.models import Category, Urgency
from trust.models import HelperCheck, SafeguardingConcern


class DateInput(forms.DateInput):
    input_type = "date"


class ModerationFilterForm(forms.Form):
    KINDS = [("", "Everything"), ("need", "Needs"), ("offer", "Offers"), ("report", "Reports")]

    kind = forms.ChoiceField(choices=KINDS, required=False, label="Show")
    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        to_field_name="slug",
        empty_label="All categories",
        label="Category",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason",
        help_text="The person who wrote it will see this. Say what they need to change.",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reason, which the owner will see."},
    )


class ReportDecisionForm(forms.Form):
    DECISIONS = [("dismiss", "Dismiss the report"), ("uphold", "Uphold the report")]

    decision = forms.ChoiceField(
        choices=DECISIONS,
        widget=forms.RadioSelect,
        label="Decision",
        error_messages={"required": "Choose whether to uphold or dismiss the report."},
    )
    take_down = forms.BooleanField(
        required=False, label="Take the reported listing down (the note is shown to its owner)"
    )
    note = forms.CharField(
        required=False, max_length=500, label="Note", widget=forms.Textarea(attrs={"rows": 3})
    )


class HelperCheckForm(forms.Form):
    email = forms.EmailField(
        label="Helper's email address",
        help_text="The email address the helper signed up with.",
        error_messages={
            "required": "Enter the helper's email address.",
            "invalid": "Enter an email address in the correct format, like name@example.com.",
        },
    )
    kind = forms.ChoiceField(
        choices=HelperCheck.Kind.choices,
        widget=forms.RadioSelect,
        label="Kind of check",
        error_messages={"required": "Choose the kind of check."},
    )
    issued_on = forms.DateField(
        label="Issue date",
        widget=DateInput,
        error_messages={
            "required": "Enter the date the check was issued.",
            "invalid": "Enter the issue date as a real date.",
        },
    )
    expires_on = forms.DateField(
        label="Expiry or renewal date",
        required=False,
        widget=DateInput,
        help_text="Required for DBS checks: the date your council asks for a new check.",
        error_messages={"invalid": "Enter the expiry date as a real date."},
    )
    certificate_last4 = forms.CharField(
        label="Last 4 characters of the DBS certificate number",
        required=False,
        max_length=40,  # longer input reaches the service, which explains the rule
        help_text="Only the last 4 characters. Do not enter the whole number.",
    )


class RevokeCheckForm(forms.Form):
    reason = forms.CharField(
        label="Why is this check being revoked?",
        max_length=500,
        error_messages={"required": "Say why the check is being revoked."},
    )


class ConcernRaiseForm(forms.Form):
    summary = forms.CharField(
        label="Summary",
        max_length=200,
        help_text="One line: what is the worry?",
        error_messages={"required": "Write a short summary of the concern."},
    )
    priority = forms.ChoiceField(
        choices=SafeguardingConcern.Priority.choices,
        widget=forms.RadioSelect,
        label="Priority",
        initial=SafeguardingConcern.Priority.MEDIUM,
        error_messages={"required": "Choose a priority."},
    )
    note = forms.CharField(
        label="What happened (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class ConcernAssignForm(forms.Form):
    owner = forms.ChoiceField(label="Owner", error_messages={"required": "Choose an owner."})
    priority = forms.ChoiceField(choices=SafeguardingConcern.Priority.choices, label="Priority")

    def __init__(self, *args, owners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "Choose a member of staff")] + [
            (str(u.pk), u.display_name or u.email) for u in owners
        ]


class ConcernNoteForm(forms.Form):
    body = forms.CharField(
        label="Add a note",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write the note."},
    )


class ConcernCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=[c for c in SafeguardingConcern.Outcome.choices if c[0]],
        widget=forms.RadioSelect,
        label="Outcome",
        error_messages={"required": "Choose the outcome."},
    )
    note = forms.CharField(
        label="What was done",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what was done."},
    )


class SuspendForm(forms.Form):
    reason = forms.CharField(
        label="Reason for suspending",
        max_length=1000,
        help_text="Kept on the council's record of this suspension, for staff who may suspend "
        "people. The person and the people they were matched with are not told the reason.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the person is being suspended."},
    )
    concern = forms.IntegerField(required=False, widget=forms.HiddenInput)


class ReinstateForm(forms.Form):
    note = forms.CharField(
        label="Reason for reinstating",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the person is being reinstated."},
    )
    reopen_offers = forms.TypedMultipleChoiceField(
        label="Reopen the offers the suspension closed",
        help_text="Select all that apply. An offer whose kind of help needs a check they no "
        "longer hold stays closed.",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, offers=(), **kwargs):
        """`offers`: those the suspension closed that are still closed, all ticked at first."""
        super().__init__(*args, **kwargs)
        field = self.fields["reopen_offers"]
        field.choices = [
            (offer.pk, f"{offer.title} ({offer.category.name})" if offer.title else str(offer))
            for offer in offers
        ]
        field.initial = [offer.pk for offer in offers]


class PeopleSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or email address",
        min_length=2,
        max_length=100,
        error_messages={
            "required": "Enter a name or email address.",
            "min_length": "Enter at least 2 characters.",
        },
    )


class DateRangeForm(forms.Form):
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter the start date as a real date."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=DateInput,
        error_messages={"invalid": "Enter the end date as a real date."},
    )

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return data


class AuditFilterForm(DateRangeForm):
    field_order = ["verb", "date_from", "date_to"]

    verb = forms.CharField(
        label="Event",
        required=False,
        max_length=60,
        help_text='For example "person.viewed", or "need." for every need event.',
    )


class CouncilSettingsForm(forms.Form):
    max_travel_radius_m = forms.IntegerField(
        label="Furthest a helper may offer to travel, in metres",
        min_value=100,
        max_value=50000,
        error_messages={
            "required": "Enter the furthest distance in metres.",
            "invalid": "Enter the distance as a whole number of metres, like 8000.",
            "min_value": "The furthest distance must be at least 100 metres.",
            "max_value": "The furthest distance can be at most 50,000 metres.",
        },
    )
    auto_approve_verified_helpers = forms.BooleanField(
        required=False,
        label="Publish offers from ID-checked helpers without waiting for review",
    )


class UrgentNeedsSettingForm(forms.Form):
    open_urgent_needs_at_once = forms.BooleanField(
        required=False,
        label="Open urgent needs from people in good standing at once, and check them afterwards",
        help_text=(
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
                label=f"{category.name}: cost the council avoids per completed match, in pounds",
                min_value=0,
                max_value=10000,
                decimal_places=2,
                required=False,
                initial=units["unit_costs"].get(category.slug, ""),
                error_messages={
                    "invalid": f"Enter the cost for {category.name.lower()} in pounds, like 4.90.",
                    "min_value": "A cost cannot be negative.",
                    "max_value": "A cost can be at most £10,000.",
                    "max_decimal_places": "Enter a cost in pounds and pence, like 4.90.",
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
        label="Check-in wait (hours)",
        help_text=(
            "After a visit, how long Kith waits for the helper, then the person helped, to say "
            "whether it happened before it takes the next step. From 1 to 168 hours (a week)."
        ),
        min_value=1,
        max_value=168,
        error_messages={
            "required": "Enter the check-in wait in hours.",
            "invalid": "Enter the check-in wait as a whole number of hours, like 24.",
            "min_value": "The check-in wait must be at least 1 hour.",
            "max_value": "The check-in wait can be at most 168 hours (a week).",
        },
    )
    still_needed_weeks = forms.IntegerField(
        label="Ask 'still need help?' every (weeks)",
        help_text="How often people are asked whether they still need the help. From 1 to 26.",
        min_value=1,
        max_value=26,
        error_messages={
            "required": "Enter how many weeks between asking 'still need help?'.",
            "invalid": "Enter the number of weeks as a whole number, like 4.",
            "min_value": "Ask every 1 week or more.",
            "max_value": "Ask at least once every 26 weeks.",
        },
    )
    first_meeting_checklist = forms.CharField(
        label="First-meeting safety checklist",
        help_text=(
            "Shown to both people before an introductory visit. One point on each line, at "
            "most 10 points. Leave it empty to use Kith's own."
        ),
        required=False,
        max_length=2500,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"max_length": "Keep the checklist shorter (at most 2,500 characters)."},
    )

    def clean_first_meeting_checklist(self) -> list[str]:
        text = self.cleaned_data.get("first_meeting_checklist") or ""
        return [line.strip() for line in text.splitlines() if line.strip()]


class AssistedNeedForm(forms.Form):
    """A need recorded by staff for someone who is not online, with their consent."""

    category = forms.ModelChoiceField(
        queryset=Category.objects.filter(is_active=True),
        label="Kind of help",
        empty_label="Choose a kind of help",
        error_messages={"required": "Choose the kind of help they need."},
    )
    title = forms.CharField(
        label="Short title",
        max_length=80,
        help_text="Others see this, so leave out names, addresses and phone numbers.",
        error_messages={"required": "Enter a short title."},
    )
    description = forms.CharField(
        label="What they need",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Describe what they need."},
    )
    postcode = forms.CharField(
        label="Postcode where help is needed",
        max_length=10,
        required=False,
        help_text="Leave empty to use their home postcode.",
    )
    urgency = forms.ChoiceField(
        choices=Urgency.choices,
        widget=forms.RadioSelect,
        initial=Urgency.ROUTINE,
        label="How soon",
        error_messages={"required": "Choose how soon help is needed."},
    )
    consent = forms.BooleanField(
        label="They agreed to me recording this need for them",
        error_messages={"required": "Record that they agreed to you adding this need for them."},
    )
    consent_note = forms.CharField(
        label="How they agreed (optional)",
        max_length=300,
        required=False,
        help_text="For example: by phone on 3 March, with her daughter present.",
    )


class AssistedMessageForm(forms.Form):
    """A message staff send in a match's conversation for the person."""

    body = forms.CharField(
        label="Message",
        max_length=2000,
        help_text="It is sent from the person, marked as sent by council staff for them.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write a message before sending it."},
    )


class AssistedDeclineForm(forms.Form):
    """Why the person said no to a proposal, or ended a match (optional)."""

    reason = forms.CharField(
        label="Why (optional)",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class BroadcastForm(forms.Form):
    subject = forms.CharField(
        label="Subject", max_length=100, error_messages={"required": "Write a subject."}
    )
    message = forms.CharField(
        label="Message",
        max_length=600,
        help_text="Up to 600 characters. Helpers get it by email, text or in Kith, as they chose.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write the message."},
    )
    category = forms.ChoiceField(label="Helpers offering", required=False, choices=())
    postcode = forms.CharField(
        label="Near this postcode (optional)",
        help_text="Leave empty for the whole council.",
        max_length=10,
        required=False,
    )
    radius_km = forms.IntegerField(
        label="Within (km)",
        min_value=1,
        max_value=50,
        initial=5,
        error_messages={"required": "Enter a distance, like 5.", "invalid": "Enter a number."},
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "Any kind of help")] + [
            (c.slug, c.name) for c in categories
        ]


class WelfareCallForm(forms.Form):
    result = forms.ChoiceField(
        choices=WelfareCall.Result.choices,
        widget=forms.RadioSelect,
        label="What happened when you called?",
        error_messages={
            "required": "Choose what happened when you called.",
            "invalid_choice": "Choose what happened when you called.",
        },
    )
    note = forms.CharField(
        required=False,
        max_length=1000,
        label="Note",
        help_text="Say what the person needs, if they need something. Shown to staff only.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"max_length": "The note can be at most 1000 characters."},
    )

    def clean(self):
        data = super().clean()
        if data.get("result") == WelfareCall.Result.NEEDS_SOMETHING and not data.get("note"):
            self.add_error("note", "Say what the person needs.")
        return data


class WelfareEscalateForm(forms.Form):
    note = forms.CharField(
        required=False,
        max_length=4000,
        label="Note for the safeguarding lead (optional)",
        help_text="What you tried, and anything that worries you.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": "The note can be at most 4,000 characters."},
    )


class StillNeededResolveForm(forms.Form):
    row = forms.IntegerField(widget=forms.HiddenInput)
    resolution = forms.ChoiceField(
        choices=Resolution.CHOICES,
        error_messages={
            "required": "Choose what to do with this request.",
            "invalid_choice": "Choose what to do with this request.",
        },
    )
