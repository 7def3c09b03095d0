"""The settings page's form for matching over time: how long a helper's open offers go
without a proposal, alert or match before they are asked "do you still want to help?"
(`matching.still_helping`), whom an urgent need's alert wakes and in how many waves, and the
idle asks (`matching.alert_policy`).

What a council may set is declared once here (`MATCHING_SETTINGS`), from those modules' own
keys, kinds, defaults and the idle period's bounds; the form and the writer
(`accounts.services.council_declared_settings_update`) both hold values to it. The bounds of
the rotated policy's parameters are Kith's choice for what a council would sensibly tune:
they are not in `matching.alert_policy`, which takes what it is given."""

from __future__ import annotations

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Council
from accounts.services import CouncilSetting
from matching import alert_policy, still_helping

# The bounds of each setting are the policy's own (`matching.alert_policy.RANGES`).
_INT_RANGES = {name: (int(low), int(high)) for name, (low, high) in alert_policy.RANGES.items()}
WEEKLY_BUDGET_RANGE = _INT_RANGES["weekly_budget"]
MAX_HELPERS_RANGE = _INT_RANGES["max_helpers"]
#: The chance of a reply the fan-out aims for, asked in per cent.
TARGET_REPLY_PERCENT_RANGE = tuple(
    round(100 * bound) for bound in alert_policy.RANGES["target_reply_chance"]
)
WINDOW_DAYS_RANGE = _INT_RANGES["window_days"]
IDLE_ASKS_RANGE = _INT_RANGES["idle_asks"]
IDLE_DAYS_RANGE = _INT_RANGES["idle_days"]
WAVES_RANGE = _INT_RANGES["waves"]
WAVE_MINUTES_RANGE = _INT_RANGES["wave_minutes"]


def _setting(name, section, key, default, refusal, bounds=(0, 0), **kwargs) -> CouncilSetting:
    return CouncilSetting(
        name=name,
        section=section,
        key=key,
        default=default,
        refusal=refusal,
        low=bounds[0],
        high=bounds[1],
        **kwargs,
    )


IDLE_WEEKS = _setting(
    "idle_weeks",
    still_helping.SETTINGS_KEY,
    "idle_weeks",
    still_helping.DEFAULT_IDLE_WEEKS,
    _("Enter a number of weeks from %(low)s to %(high)s."),
    still_helping.IDLE_WEEKS_RANGE,
)
ALERT_KIND = _setting(
    "alert_kind",
    alert_policy.SETTINGS_KEY,
    "kind",
    alert_policy.DEFAULT.kind,
    _("Choose whom urgent alerts go to: shared out fairly, or the nearest helpers."),
    choices=alert_policy.KINDS,
)
WEEKLY_BUDGET = _setting(
    "weekly_budget",
    alert_policy.SETTINGS_KEY,
    "weekly_budget",
    alert_policy.DEFAULT.weekly_budget,
    _("Enter the most alerts for one helper as a number from %(low)s to %(high)s."),
    WEEKLY_BUDGET_RANGE,
)
MAX_HELPERS = _setting(
    "max_helpers",
    alert_policy.SETTINGS_KEY,
    "max_helpers",
    alert_policy.DEFAULT.max_helpers,
    _("Enter the most helpers one alert reaches as a number from %(low)s to %(high)s."),
    MAX_HELPERS_RANGE,
)
TARGET_REPLY = _setting(
    "target_reply_percent",
    alert_policy.SETTINGS_KEY,
    "target_reply_chance",
    alert_policy.DEFAULT.target_reply_chance,
    _("Enter the chance of a reply to aim for as a number from %(low)s to %(high)s."),
    TARGET_REPLY_PERCENT_RANGE,
    per=100,
)
WINDOW_DAYS = _setting(
    "window_days",
    alert_policy.SETTINGS_KEY,
    "window_days",
    alert_policy.DEFAULT.window_days,
    _("Enter the number of days alerts are counted over, from %(low)s to %(high)s."),
    WINDOW_DAYS_RANGE,
)
WAVES = _setting(
    "waves",
    alert_policy.SETTINGS_KEY,
    "waves",
    alert_policy.DEFAULT.waves,
    _("Enter the most waves of alerts for one need as a number from %(low)s to %(high)s."),
    WAVES_RANGE,
)
WAVE_MINUTES = _setting(
    "wave_minutes",
    alert_policy.SETTINGS_KEY,
    "wave_minutes",
    alert_policy.DEFAULT.wave_minutes,
    _("Enter the minutes between waves as a number from %(low)s to %(high)s."),
    WAVE_MINUTES_RANGE,
)

IDLE_ASKS = _setting(
    "idle_asks",
    alert_policy.SETTINGS_KEY,
    "idle_asks",
    alert_policy.DEFAULT.idle_asks,
    _("Enter how many idle helpers to tell about each need, from %(low)s to %(high)s."),
    IDLE_ASKS_RANGE,
)
IDLE_DAYS = _setting(
    "idle_days",
    alert_policy.SETTINGS_KEY,
    "idle_days",
    alert_policy.DEFAULT.idle_days,
    _("Enter after how many days a helper counts as idle, from %(low)s to %(high)s."),
    IDLE_DAYS_RANGE,
)

#: Every setting the form writes, in its order.
MATCHING_SETTINGS = (
    IDLE_WEEKS,
    ALERT_KIND,
    WEEKLY_BUDGET,
    MAX_HELPERS,
    TARGET_REPLY,
    WINDOW_DAYS,
    WAVES,
    WAVE_MINUTES,
    IDLE_ASKS,
    IDLE_DAYS,
)
NUMBERS = tuple(s for s in MATCHING_SETTINGS if not s.choices)


def _said(text, setting: CouncilSetting) -> str:
    """`text` in the active language when shown, with the setting's bounds and default."""
    default = setting.default
    if not isinstance(default, str):
        default = round(default * setting.per)  # as the form shows it: 0.9 is 90 per cent
    return lazy(
        lambda: str(text) % {"low": setting.low, "high": setting.high, "default": default},
        str,
    )()


def _number(setting: CouncilSetting, *, label, hint, required, invalid) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        help_text=_said(hint, setting),
        error_messages={"required": required, "invalid": invalid},
    )


class MatchingSettingsForm(forms.Form):
    idle_weeks = _number(
        IDLE_WEEKS,
        label=_("Ask “Do you still want to help?” after (weeks)"),
        hint=_(
            "A helper whose open offers have had no proposal, urgent alert or match for this "
            "long is asked once whether to keep them open. No answer pauses nothing. From "
            "%(low)s to %(high)s weeks; Kith’s own is %(default)s."
        ),
        required=_("Enter after how many weeks helpers are asked."),
        invalid=_("Enter the weeks as a whole number, like 6."),
    )
    alert_kind = forms.ChoiceField(
        label=_("Whom urgent alerts go to"),
        choices=[
            (
                alert_policy.ROTATED,
                _(
                    "Shared out fairly (Kith’s own): helpers asked least lately first, as "
                    "many as it takes for a good chance of a reply"
                ),
            ),
            (alert_policy.NEAREST, _("The nearest helpers: up to five, closest first")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": ALERT_KIND.refusal, "invalid_choice": ALERT_KIND.refusal},
    )
    weekly_budget = _number(
        WEEKLY_BUDGET,
        label=_("Most alerts for one helper in the window"),
        hint=_(
            "Shared-out alerts skip a helper who has had this many asks in the window. From "
            "%(low)s to %(high)s; Kith’s own is %(default)s."
        ),
        required=_("Enter the most alerts for one helper."),
        invalid=_("Enter the most alerts for one helper as a whole number, like 3."),
    )
    max_helpers = _number(
        MAX_HELPERS,
        label=_("Most helpers one alert reaches"),
        hint=_("From %(low)s to %(high)s; Kith’s own is %(default)s."),
        required=_("Enter the most helpers one alert reaches."),
        invalid=_("Enter the most helpers one alert reaches as a whole number, like 12."),
    )
    target_reply_percent = _number(
        TARGET_REPLY,
        label=_("Chance of at least one reply to aim for (per cent)"),
        hint=_(
            "A shared-out alert goes to more helpers until Kith estimates this chance that "
            "one of them answers. From %(low)s to %(high)s; Kith’s own is %(default)s."
        ),
        required=_("Enter the chance of a reply to aim for."),
        invalid=_("Enter the chance of a reply as a whole number of per cent, like 90."),
    )
    window_days = _number(
        WINDOW_DAYS,
        label=_("Window for counting alerts (days)"),
        hint=_(
            "Alerts within this many days count towards the most for one helper and make "
            "them less likely to be asked first. From %(low)s to %(high)s; Kith’s own is "
            "%(default)s."
        ),
        required=_("Enter the window in days."),
        invalid=_("Enter the window as a whole number of days, like 7."),
    )
    waves = _number(
        WAVES,
        label=_("Waves of alerts while nobody says yes"),
        hint=_(
            "If no helper has said yes some minutes after a shared-out alert, the next "
            "helpers in turn are alerted, even those who have had the most alerts in the "
            "window, up to this many waves in all. 1 sends one wave only. From %(low)s to "
            "%(high)s; Kith’s own is %(default)s."
        ),
        required=_("Enter the most waves of alerts for one need."),
        invalid=_("Enter the most waves as a whole number, like 2."),
    )
    wave_minutes = _number(
        WAVE_MINUTES,
        label=_("Minutes to wait for a yes before the next wave"),
        hint=_("From %(low)s to %(high)s; Kith’s own is %(default)s."),
        required=_("Enter the minutes between waves."),
        invalid=_("Enter the minutes as a whole number, like 30."),
    )
    idle_asks = _number(
        IDLE_ASKS,
        label=_("Idle helpers told about each need"),
        hint=_(
            "When a need opens, this many helpers who could help and have not been asked "
            "about anything for a while are told about it, those idle longest first. 0 turns "
            "this off. It shares asks out to nearly every helper each week, but in Kith’s "
            "simulations it met a few fewer needs. From %(low)s to %(high)s; Kith’s own is "
            "%(default)s."
        ),
        required=_("Enter how many idle helpers to tell about each need."),
        invalid=_("Enter how many idle helpers as a whole number, like 4."),
    )
    idle_days = _number(
        IDLE_DAYS,
        label=_("A helper is idle after (days)"),
        hint=_(
            "Days with no alert, proposal or idle ask before a helper may be told about a "
            "need this way. From %(low)s to %(high)s; Kith’s own is %(default)s."
        ),
        required=_("Enter after how many days a helper is idle."),
        invalid=_("Enter the days as a whole number, like 3."),
    )

    def clean(self):
        data = super().clean()
        for setting in NUMBERS:
            value = data.get(setting.name)
            if value is not None and not setting.allows(value):
                self.add_error(setting.name, setting.refuse().message)
        return data

    def values(self) -> dict[str, int | str]:
        return {setting.name: self.cleaned_data[setting.name] for setting in MATCHING_SETTINGS}


def matching_settings_initial(council: Council) -> dict[str, int | str]:
    """The form's values as Kith reads them now: through `still_helping.idle_after` and
    `alert_policy.alert_policy`, so the page shows what is in force."""
    policy = alert_policy.alert_policy(council)
    return {
        "idle_weeks": still_helping.idle_after(council).days // 7,
        "alert_kind": policy.kind,
        "weekly_budget": policy.weekly_budget,
        "max_helpers": policy.max_helpers,
        "target_reply_percent": round(policy.target_reply_chance * 100),
        "window_days": policy.window_days,
        "waves": policy.waves,
        "wave_minutes": policy.wave_minutes,
        "idle_asks": policy.idle_asks,
        "idle_days": policy.idle_days,
    }
