"""Forms for the web pages. They check the shape of what people type (a number is a number,
something was chosen); the business rules live in the domain services, whose
`ApplicationError` messages the views attach to the right field. Where a question page can
check its answer on its own (a need's date here; its words and place in `need_forms`), the
form asks the service's own check, so the person hears of a problem on that page."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import formats, timezone
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import User, WebProfile
from core.contact_details import public_text_problem
from core.errors import ApplicationError
from marketplace import services as market_services
from marketplace.availability import WEEKDAY_NAMES
from marketplace.models import DietaryTag, GenderPreference, Need
from matching.words import language_name
from notifications.models import ContactPreference
from places.geo import is_valid_postcode, normalise_postcode

from .times import TIME_HINT, parse_time
from .words import URGENCY_WORDS, languages_typed


class KithForm(forms.Form):
    """GOV.UK pages validate on the server and show an error summary, so the browser's own
    validation bubbles (which screen readers announce poorly) are switched off."""

    use_required_attribute = False

    #: Fields other people read. A phone number or an email address in one is refused on the
    #: page it is typed on; the service refuses it too when the answers are sent
    #: (`core.contact_details`).
    PUBLIC_TEXT: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Long text is never cut as it is typed (a character count shows the limit): text
        # that is too long is refused with words that say so. A one-line answer's limit is
        # kept by the browser too, but one sent round it gets the same words, not Django's.
        for field in self.fields.values():
            limit = getattr(field, "max_length", None)
            if limit:
                field.error_messages.setdefault(
                    "max_length",
                    gettext("Keep it to %(count)s characters or fewer.")
                    % {"count": formats.number_format(limit, force_grouping=True)},
                )

    def clean(self):
        data = super().clean()
        for name in self.PUBLIC_TEXT:
            problem = public_text_problem(data.get(name) or "") if name in self.fields else None
            if problem is not None:
                self.add_error(name, gettext(problem))
        return data

    def add_service_error(self, field: str | None, message: str) -> None:
        self.add_error(field if field in self.fields else None, message)


def date_of_parts(data: dict) -> dt.date | None:
    """The date of a GOV.UK date input's day, month and year fields, or None if not a real one.
    The year is written in full: "26" is not read as the year 26 (nor guessed as 2026), so
    the person is asked again with the example "27 3 2027" instead of being told the date
    has passed."""
    year = str(data.get("year") or "").strip()
    if len(year) != 4:
        return None
    try:
        return dt.date(int(year), int(data.get("month") or ""), int(data.get("day") or ""))
    except (TypeError, ValueError):
        return None


# Times of day as people type them ("2pm", "2:30pm", "14:30", "noon"): read in one place.
time_of_day = parse_time


def clean_quiet_hours(form: forms.Form, data: dict) -> dict:
    """The `quiet_start` and `quiet_end` a person typed, as times (`quiet_start_time`,
    `quiet_end_time`); a time that cannot be read is an error on its field."""
    start, end = data.get("quiet_start"), data.get("quiet_end")
    data["quiet_start_time"] = time_of_day(start) if start else None
    data["quiet_end_time"] = time_of_day(end) if end else None
    if start and data["quiet_start_time"] is None:
        form.add_error("quiet_start", gettext("Enter a time, for example 21:00 or 9pm."))
    if end and data["quiet_end_time"] is None:
        form.add_error("quiet_end", gettext("Enter a time, for example 08:00 or 8am."))
    if bool(start) != bool(end):
        form.add_error(
            "quiet_end" if start else "quiet_start", gettext("Give both times, or neither.")
        )
    return data


class PostcodeField(forms.CharField):
    """A postcode in the shape of one, normalised. `known=True`: also one Kith knows, in a
    council's area (`place_check`, the check recording a need or an offer makes), so the
    page that asks for it says so at once."""

    def __init__(self, *, known: bool = False, **kwargs):
        self.known = known
        kwargs.setdefault("max_length", 16)
        messages = {"required": _("Enter your postcode.")}
        messages.update(kwargs.pop("error_messages", {}))
        messages.setdefault("max_length", _("Enter a real postcode."))
        super().__init__(error_messages=messages, **kwargs)
        self.widget.attrs.update(
            {"autocomplete": "postal-code", "spellcheck": "false", "class": "govuk-input--width-10"}
        )

    def clean(self, value):
        value = super().clean(value)
        if value and not is_valid_postcode(value):
            raise forms.ValidationError(gettext("Enter a real postcode."))
        value = normalise_postcode(value) if value else value
        if value and self.known:
            try:
                market_services.place_check(postcode=value)
            except ApplicationError as exc:
                raise forms.ValidationError(exc.message, code=exc.code) from None
        return value


# --- Onboarding and profile ------------------------------------------------------------------
class RoleForm(KithForm):
    role = forms.ChoiceField(
        label=_("What would you like to do?"),
        choices=WebProfile.Role.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose whether you need help, can help, or both.")},
    )


class PostcodeForm(KithForm):
    postcode = PostcodeField(
        label=_("What is your postcode?"),
        help_text=_("We use it to find people near you. Nobody else will see it."),
    )


class LanguagesField(forms.CharField):
    """Languages typed as one line separated by commas, in English or Welsh; cleans to a
    list of their English names (kept as typed where Kith does not know the language)."""

    def clean(self, value) -> list[str]:
        raw = super().clean(value) or ""
        names: list[str] = []
        for part in raw.split(","):
            name = language_name(part) if part.strip() else ""
            # Each once, however it was typed ("English, ENGLISH" is English once).
            if name and name.casefold() not in {n.casefold() for n in names}:
                names.append(name)
        return names

    def prepare_value(self, value):
        return languages_typed(value) if isinstance(value, list | tuple) else value


class AboutYouForm(KithForm):
    display_name = forms.CharField(
        label=_("What name should other people see?"),
        help_text=(
            _(
                "Your first name and the first letter of your family name is enough, for example "
                "Margaret S."
            )
        ),
        max_length=60,
        error_messages={"required": _("Enter the name other people will see.")},
    )
    languages = LanguagesField(
        label=_("Which languages do you speak? (optional)"),
        help_text=_("Separate them with commas, for example English, Polish."),
        max_length=200,
        required=False,
    )
    gender = forms.ChoiceField(
        label=_("What is your gender? (optional)"),
        help_text=_("Some people prefer a helper of the same gender. You do not have to say."),
        choices=[("", _("Prefer not to say"))]
        + [(v, label) for v, label in User.Gender.choices if v],
        widget=forms.RadioSelect,
        required=False,
    )

    # Asked when a person starts (onboarding); their contact preferences page changes it.
    correspondence_language = forms.ChoiceField(
        label=_("Which language should Kith write to you in?"),
        help_text=_("For emails, text messages and letters. You can change this at any time."),
        choices=ContactPreference.Language.choices,
        widget=forms.RadioSelect,
        required=False,
    )


# --- Recording a need, one thing per page ----------------------------------------------------
# (The questions the staff console shares are here; the kind of help, the words and the place,
# which only the citizen's pages ask, are in `frontend.need_forms`.)
class TimingForm(KithForm):
    timing = forms.ChoiceField(
        label=_("How often do you need help?"),
        choices=[(Need.Timing.WEEKLY, _("Every week")), (Need.Timing.ONE_OFF, _("Just once"))],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose every week or just once.")},
    )


class OneOffForm(KithForm):
    """A date (GOV.UK date input: day, month, year) and a start and end time on that day,
    checked as a one-off need's time is (`need_window_check`: not already past). Cleans to
    `date`, `start_time`, `end_time` and the local `starts_at` and `ends_at`."""

    day = forms.CharField(max_length=2, required=False)
    month = forms.CharField(max_length=2, required=False)
    year = forms.CharField(max_length=4, required=False)
    # Long enough for "2.30 p.m.", which `time_of_day` reads.
    start = forms.CharField(label=_("From"), help_text=TIME_HINT, max_length=12, required=False)
    end = forms.CharField(label=_("Until"), help_text=TIME_HINT, max_length=12, required=False)

    def clean(self):
        data = super().clean()
        day = date_of_parts(data)
        # Every answer of the page is checked, so a wrong date and a wrong time are told
        # together, not one after the other.
        if day is None:
            self.add_error("day", gettext("Enter a real date, for example 27 3 2027."))
        start, end = time_of_day(data.get("start")), time_of_day(data.get("end"))
        if start is None:
            self.add_error("start", gettext("Enter the start time, for example 2pm or 14:00."))
        if end is None:
            self.add_error("end", gettext("Enter the end time, for example 4:30pm or 16:30."))
        if start and end and end <= start:
            self.add_error("end", gettext("The end time must be after the start time."))
        if day is None:
            return data
        data["date"] = day
        data["start_time"], data["end_time"] = start, end
        if start and end and end > start:
            zone = timezone.get_current_timezone()
            data["starts_at"] = timezone.make_aware(dt.datetime.combine(day, start), zone)
            data["ends_at"] = timezone.make_aware(dt.datetime.combine(day, end), zone)
            try:
                market_services.need_window_check(
                    starts_at=data["starts_at"], ends_at=data["ends_at"]
                )
            except ApplicationError as exc:
                self.add_error("end" if exc.code == "window_order" else "day", exc.message)
        return data


class SlotRowForm(KithForm):
    """One row of a weekly timetable: a day, and a start and end time."""

    weekday = forms.ChoiceField(
        label=_("Day"),
        choices=[("", _("Choose a day"))] + [(str(i), n) for i, n in enumerate(WEEKDAY_NAMES)],
        required=False,
    )
    start = forms.CharField(label=_("From"), max_length=12, required=False)
    end = forms.CharField(label=_("Until"), max_length=12, required=False)

    def clean(self):
        data = super().clean()
        weekday, raw_start, raw_end = data.get("weekday"), data.get("start"), data.get("end")
        if not weekday and not raw_start and not raw_end:
            data["empty"] = True
            return data
        data["empty"] = False
        if not weekday:
            self.add_error("weekday", gettext("Choose a day for this time."))
        start, end = time_of_day(raw_start), time_of_day(raw_end)
        if start is None:
            self.add_error(
                "start", gettext("Enter a start time, for example 9am, 2:30pm or 14:30.")
            )
        if end is None:
            self.add_error("end", gettext("Enter an end time, for example noon, 4pm or 16:00."))
        if start and end and end <= start:
            self.add_error("end", gettext("The end time must be after the start time."))
        data["start_time"], data["end_time"] = start, end
        return data


SlotFormSet = forms.formset_factory(SlotRowForm, extra=0, max_num=21, absolute_max=21)


def slot_rows(formset) -> list[dict]:
    """The filled rows of a valid slot formset as {"weekday", "start", "end"} (HH:MM)."""
    rows = []
    for form in formset.forms:
        data = form.cleaned_data
        if data and not data.get("empty"):
            rows.append(
                {
                    "weekday": int(data["weekday"]),
                    "start": data["start_time"].strftime("%H:%M"),
                    "end": data["end_time"].strftime("%H:%M"),
                }
            )
    return rows


class UrgencyForm(KithForm):
    urgency = forms.ChoiceField(
        label=_("How soon do you need help?"),
        # The words people chose are the words shown back to them (`frontend.words`).
        choices=list(URGENCY_WORDS.items()),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how soon you need help.")},
    )


class NeedPreferencesForm(KithForm):
    helper_gender_preference = forms.ChoiceField(
        label=_("Would you prefer a helper of a particular gender?"),
        choices=GenderPreference.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    dietary_requirements = forms.MultipleChoiceField(
        label=_("Does your food need to be any of these? (optional)"),
        help_text=_("Choose all that apply."),
        choices=DietaryTag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": _("Choose only from the kinds of food listed.")},
    )

    def __init__(self, *args, is_meal: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not is_meal:
            del self.fields["dietary_requirements"]


class AlertPreferencesForm(KithForm):
    opted_in = forms.ChoiceField(
        label=_("Do you want to be told when someone near you needs help urgently?"),
        choices=[
            ("yes", pgettext_lazy("answer: I do", "Yes")),
            ("no", pgettext_lazy("answer: I do", "No")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )
    quiet_start = forms.CharField(
        label=_("Do not send alerts from (optional)"),
        help_text=_("For example, 21:00"),
        max_length=12,
        required=False,
    )
    quiet_end = forms.CharField(
        label=_("Until (optional)"),
        help_text=_("For example, 08:00"),
        max_length=12,
        required=False,
    )
    daily_cap = forms.IntegerField(
        label=_("Most alerts in one day"),
        min_value=1,
        max_value=20,
        error_messages={
            "required": _("Enter the most alerts you want in one day."),
            "invalid": _("Enter a number, like 3."),
            "min_value": _("Enter a number from 1 to 20."),
            "max_value": _("Enter a number from 1 to 20."),
        },
    )
    daily_cap.widget.attrs.update({"inputmode": "numeric", "class": "govuk-input--width-2"})
    idle_asks = forms.ChoiceField(
        label=_(
            "When nobody has asked you to help for a few days, do you want us to tell you "
            "about someone near you who needs help?"
        ),
        help_text=_("At most once every few days, by email or text, never in your quiet hours."),
        choices=[
            ("yes", pgettext_lazy("answer: I do", "Yes")),
            ("no", pgettext_lazy("answer: I do", "No")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose yes or no.")},
    )

    def clean(self):
        return clean_quiet_hours(self, super().clean())


class DeleteAccountForm(KithForm):
    confirm = forms.BooleanField(
        label=_("I understand that this cannot be undone"),
        error_messages={"required": _("Tick the box to confirm you want to delete your account.")},
    )
