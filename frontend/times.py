"""Times of day as people type them. Every form that asks for a time reads it here, so "2pm",
"2:30pm", "2.30pm", "14:30", "1430" and "noon" mean the same on every page, in English and
in Welsh ("canol dydd", "3yh")."""

from __future__ import annotations

import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

#: The examples every time question and its error give, so people see one way to write it.
TIME_HINT = _("For example, 9am, 2:30pm or 14:30")

#: Words for a time of day, after lower-casing and removing spaces and full stops.
_WORDS = {
    "noon": dt.time(12, 0),
    "midday": dt.time(12, 0),
    "12noon": dt.time(12, 0),
    "12midday": dt.time(12, 0),
    "midnight": dt.time(0, 0),
    "12midnight": dt.time(0, 0),
    "canoldydd": dt.time(12, 0),
    "hannerdydd": dt.time(12, 0),
    "hannernos": dt.time(0, 0),
}
#: Morning and afternoon: "am"/"pm", "a.m."/"p.m." (full stops removed first) and the Welsh
#: "yb" (y bore) / "yh" (yr hwyr, y prynhawn).
_HALF_DAY = {"am": "am", "pm": "pm", "yb": "am", "yh": "pm"}
_PATTERN = re.compile(r"^(\d{1,2})(?:[:h](\d{2}))?(am|pm|yb|yh)?$")
_FOUR_DIGITS = re.compile(r"^(\d{2})(\d{2})$")


def parse_time(value: str | None) -> dt.time | None:
    """The time of day in `value`, or None if it is empty or not a time.

    Accepts 24-hour times ("14:30", "14.30", "1430", "14"), 12-hour times ("2pm", "2:30pm",
    "2.30 pm", "2.30p.m."), and the words "noon", "midday" and "midnight" (and Welsh
    "canol dydd", "hanner nos", "yb", "yh"). A 12-hour time needs an hour from 1 to 12.
    """
    text = (value or "").strip().lower()
    if not text:
        return None
    text = re.sub(r"\s+", "", text)
    # "2.30pm" and "14.30": a full stop between the hour and the minutes is a colon.
    text = re.sub(r"^(\d{1,2})\.(\d{2})", r"\1:\2", text)
    text = text.replace(".", "")
    if text in _WORDS:
        return _WORDS[text]
    four = _FOUR_DIGITS.match(text)
    if four:
        text = f"{four.group(1)}:{four.group(2)}"
    match = _PATTERN.match(text)
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    half = _HALF_DAY.get(match.group(3) or "")
    if minute > 59:
        return None
    if half:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if half == "pm" else 0)
    elif hour > 23:
        return None
    return dt.time(hour, minute)
