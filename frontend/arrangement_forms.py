"""Forms for the pages of ongoing help: "did the visit happen?", skipping or moving a visit,
changing the regular time, ending an arrangement and "do you still need help?". They check the
shape of what people type; the rules are in `arrangements.services`."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from arrangements.models import Arrangement, Frequency, Role
from arrangements.schedule import at_local
from arrangements.services import END_REASONS, MAX_MINUTES
from marketplace.availability import WEEKDAY_NAMES

from .forms import KithForm, date_of_parts
from .times import TIME_HINT
from .times import parse_time as time_of_day

# "Do you still need help?" is answered in Welsh with "Ydw" / "Nac ydw".
YES_NO = [
    ("yes", pgettext_lazy("answer: I do", "Yes")),
    ("no", pgettext_lazy("answer: I do", "No")),
]
# "Did the visit happen?" is answered in Welsh with "Do" / "Naddo".
HAPPENED = [
    ("yes", pgettext_lazy("answer: it did", "Yes")),
    ("no", pgettext_lazy("answer: it did", "No")),
]


class CheckInForm(KithForm):
    happened = forms.ChoiceField(
        label=_("Did the visit happen?"),
        choices=HAPPENED,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes if the visit happened, or no if it did not.")},
    )
    minutes = forms.IntegerField(
        label=_("Time spent, in minutes (optional)"),
        min_value=1,
        max_value=MAX_MINUTES,
        required=False,
        error_messages={
            "invalid": _("Enter the time spent as a number of minutes, for example 45."),
            "min_value": format_lazy(
                _("Enter a time between 1 and {most} minutes."), most=MAX_MINUTES
            ),
            "max_value": format_lazy(
                _("Enter a time between 1 and {most} minutes."), most=MAX_MINUTES
            ),
        },
    )
    note = forms.CharField(
        label=_("Anything the council should know? (optional)"),
        help_text=_("Only council staff will read this."),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    worried = forms.BooleanField(
        label=_("I am worried about them"),
        help_text=_("Council staff will get in touch with them, and may call you."),
        required=False,
    )

    def __init__(self, *args, role: str, planned_minutes: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.fields["minutes"].widget.attrs.update(
            {"inputmode": "numeric", "class": "govuk-input--width-3"}
        )
        if role == Role.HELPER:
            if planned_minutes:
                self.fields["minutes"].help_text = ngettext(
                    "Leave it empty if it took the planned %(minutes)s minute.",
                    "Leave it empty if it took the planned %(minutes)s minutes.",
                    planned_minutes,
                ) % {"minutes": planned_minutes}
        else:
            for name in ("minutes", "note", "worried"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if data.get("happened") == "no" and data.get("minutes"):
            self.add_error(
                "minutes", gettext("Leave the time spent empty if the visit did not happen.")
            )
        return data


class SkipForm(KithForm):
    reason = forms.CharField(
        label=_("Why can this visit not happen?"),
        help_text=_(
            "Only council staff will see the reason. The other person is told the visit "
            "will not happen."
        ),
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("Say why this visit cannot happen."),
            "max_length": _("Keep the reason to 200 characters or fewer."),
        },
    )


class MoveForm(KithForm):
    """A new date (GOV.UK date input: day, month, year) and start time for one visit."""

    day = forms.CharField(max_length=2, required=False)
    month = forms.CharField(max_length=2, required=False)
    year = forms.CharField(max_length=4, required=False)
    start = forms.CharField(
        label=_("New start time"), help_text=TIME_HINT, max_length=12, required=False
    )

    def clean(self):
        data = super().clean()
        day = date_of_parts(data)
        if day is None:
            self.add_error("day", gettext("Enter a real date, for example 27 3 2027."))
        start = time_of_day(data.get("start") or "")
        if start is None:
            self.add_error("start", gettext("Enter the new start time, for example 2pm or 14:00."))
        data["starts_at"] = at_local(day, start) if day and start else None
        return data


ALL_TIMES = "all"


class ChangeTimeForm(KithForm):
    which = forms.ChoiceField(
        label=_("Which regular time do you want to change?"),
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choose which regular time to change.")},
    )
    weekday = forms.ChoiceField(
        label=_("Which day?"),
        choices=[(str(i), name) for i, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a day.")},
    )
    start = forms.CharField(label=_("From"), help_text=TIME_HINT, max_length=12, required=False)
    end = forms.CharField(label=_("Until"), help_text=TIME_HINT, max_length=12, required=False)
    frequency = forms.ChoiceField(
        label=_("How often?"),
        choices=[
            (Frequency.WEEKLY, _("Every week")),
            (Frequency.FORTNIGHTLY, _("Every two weeks")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose every week or every two weeks.")},
    )

    def __init__(self, *args, times=(), **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].widget.attrs.update({"class": "govuk-input--width-5"})
        times = list(times)
        if len(times) > 1:
            # With several regular times, say which one changes (or all, for one new time).
            self.fields["which"].required = True
            self.fields["which"].error_messages["required"] = gettext(
                "Choose which time to change."
            )
            self.fields["which"].choices = [
                (
                    f"{t.weekday}-{t.start:%H:%M}",
                    gettext("%(time)s (the others stay as they are)") % {"time": t},
                )
                for t in times
            ] + [(ALL_TIMES, gettext("All of them: one new regular time instead"))]
        else:
            del self.fields["which"]

    def replaces(self) -> tuple[int, dt.time] | None:
        """The (weekday, start) of the regular time to replace; None for all of them."""
        which = self.cleaned_data.get("which") or ALL_TIMES
        if which == ALL_TIMES:
            return None
        day, start = which.split("-", 1)
        return int(day), dt.time.fromisoformat(start)

    def clean(self):
        data = super().clean()
        start, end = time_of_day(data.get("start") or ""), time_of_day(data.get("end") or "")
        if start is None:
            self.add_error("start", gettext("Enter the start time, for example noon or 12:00."))
        if end is None:
            self.add_error("end", gettext("Enter the end time, for example 1pm or 13:00."))
        if start and end and end <= start:
            self.add_error("end", gettext("The end time must be after the start time."))
        data["start_time"], data["end_time"] = start, end
        return data


class EndForm(KithForm):
    reason = forms.ChoiceField(
        label=_("Why is it ending?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose why the arrangement is ending.")},
    )
    note = forms.CharField(
        label=_("Anything else the council should know? (optional)"),
        help_text=_("Only council staff will read this — the other person will not see it."),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        error_messages={"max_length": _("Keep it to 500 characters or fewer.")},
    )

    def __init__(self, *args, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(Arrangement.EndReason.choices)
        field = self.fields["reason"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [(str(reason), labels[reason]) for reason in END_REASONS.get(role, [])]


class StillNeededForm(KithForm):
    still = forms.ChoiceField(
        label=_("Do you still need help?"),
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes if you still need help, or no if you do not.")},
    )


class DecisionForm(KithForm):
    decision = forms.ChoiceField(
        choices=[("agree", _("Agree")), ("decline", _("Do not agree")), ("withdraw", _("Withdraw"))]
    )
