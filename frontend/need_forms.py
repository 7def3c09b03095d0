"""The questions of a citizen's need pages that only those pages ask: the kind of help, what is
needed (its words) and where (its postcode). Each is checked on its own page with the rule the
marketplace applies when the need is saved — contact details in the words
(`core.contact_details`), a postcode Kith knows inside a council's area
(`marketplace.services.place_check`) — so nobody learns of a problem only after the last
question. The questions the staff console shares (how often, the date, how soon, preferences)
are in `frontend.forms`."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import KithForm, PostcodeField


class CategoryForm(KithForm):
    category = forms.ChoiceField(
        label=_("What kind of help do you need?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose the kind of help you need.")},
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(str(c.pk), c.local_name) for c in categories]


class NeedDetailsForm(KithForm):
    """What is needed: a title and a description, neither with a phone number or an email
    address in it."""

    PUBLIC_TEXT = ("title", "description")

    title = forms.CharField(
        label=_("Sum up what you need in a few words"),
        help_text=_("For example, a hot meal on weekdays."),
        max_length=80,
        error_messages={
            "required": _("Enter a few words about what you need."),
            "max_length": _("Keep it to 80 characters or fewer."),
        },
    )
    description = forms.CharField(
        label=_("Tell helpers a bit more"),
        help_text=(
            _(
                "What would help, and anything a helper should know. Do not include your address, "
                "phone number or email address."
            )
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={
            "required": _("Tell helpers a bit more about what you need."),
            "max_length": _("Keep it to 2,000 characters or fewer."),
        },
    )


class NeedPlaceForm(KithForm):
    """Where help is needed: a real postcode, known to Kith, in a council's area
    (`place_check`, the check recording or changing the need makes)."""

    postcode = PostcodeField(
        known=True,
        label=_("What is the postcode where you need help?"),
        help_text=_("Helpers only see roughly where this is, never the postcode itself."),
        error_messages={"required": _("Enter the postcode where you need help.")},
    )
