"""The questions of a match's pages: a message and its report, feedback, a concern, and
saying no."""

from __future__ import annotations

from django import forms
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .forms import KithForm


class MessageForm(KithForm):
    body = forms.CharField(
        label=_("Your message"),
        help_text=_("Do not share bank details. Keep to arrangements for the help."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("Write a message before sending it.")},
    )


class FeedbackForm(KithForm):
    rating = forms.ChoiceField(
        label=_("How did it go?"),
        choices=[
            ("5", _("Very well")),
            ("4", _("Well")),
            ("3", _("OK")),
            ("2", _("Not very well")),
            ("1", _("Badly")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how it went.")},
    )
    comment = forms.CharField(
        label=_("Anything else you would like to say? (optional)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class ConcernForm(KithForm):
    reason = forms.CharField(
        label=_("What is worrying you?"),
        help_text=_(
            "Council safeguarding staff will read this. If someone is in danger now, call 999."
        ),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Tell us what is worrying you.")},
    )


class DeclineForm(KithForm):
    reason = forms.CharField(
        label=_("Why are you saying no? (optional)"),
        help_text=_("This helps us suggest better matches. The other person will not see it."),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )


class MessageReportForm(KithForm):
    REASONS = [
        ("abuse", _("It is rude, threatening or abusive")),
        ("money", _("It asks for money, bank details or personal information")),
        ("unsafe", _("It makes me feel unsafe")),
        ("spam", _("It is advertising or spam")),
        ("other", _("Something else")),
    ]
    reason = forms.ChoiceField(
        label=_("What is wrong with this message?"),
        choices=REASONS,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what is wrong with this message.")},
    )
    details = forms.CharField(
        label=_("Anything else the council should know? (optional)"),
        help_text=_(
            "Council staff will read the message and what you write here. The other "
            "person will not be told that you reported it."
        ),
        max_length=900,
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        error_messages={"max_length": _("Keep it to 900 characters or fewer.")},
    )

    def clean(self):
        data = super().clean()
        too_long = "details" in self.errors  # its own message says what to do
        if (
            data.get("reason") == "other"
            and not too_long
            and not (data.get("details") or "").strip()
        ):
            self.add_error("details", gettext("Tell us what is wrong with this message."))
        return data

    def report_text(self) -> str:
        """The reason as the council's team reads it: the choice (in English, as the team's
        records are kept), then the person's words."""
        with translation.override("en-gb"):
            label = str(dict(self.REASONS)[self.cleaned_data["reason"]])
        details = (self.cleaned_data.get("details") or "").strip()
        return f"{label}. {details}" if details else label
