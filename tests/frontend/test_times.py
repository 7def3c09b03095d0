"""Times of day as people type them (frontend/times.py), and the forms that ask for them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from frontend.arrangement_forms import ChangeTimeForm
from frontend.forms import SlotRowForm
from frontend.times import parse_time
from frontend.views.wizard import slots_text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2pm", dt.time(14, 0)),
        ("2 pm", dt.time(14, 0)),
        ("2PM", dt.time(14, 0)),
        ("2p.m.", dt.time(14, 0)),
        ("2:30pm", dt.time(14, 30)),
        ("2.30pm", dt.time(14, 30)),
        ("2.30 p.m.", dt.time(14, 30)),
        ("14:30", dt.time(14, 30)),
        ("14.30", dt.time(14, 30)),
        ("1430", dt.time(14, 30)),
        ("0930", dt.time(9, 30)),
        ("9:30", dt.time(9, 30)),
        ("09:30", dt.time(9, 30)),
        ("9", dt.time(9, 0)),
        ("21", dt.time(21, 0)),
        ("9am", dt.time(9, 0)),
        ("12am", dt.time(0, 0)),
        ("12pm", dt.time(12, 0)),
        ("12:15am", dt.time(0, 15)),
        ("noon", dt.time(12, 0)),
        ("Noon", dt.time(12, 0)),
        ("midday", dt.time(12, 0)),
        ("12 noon", dt.time(12, 0)),
        ("midnight", dt.time(0, 0)),
        ("canol dydd", dt.time(12, 0)),
        ("hanner nos", dt.time(0, 0)),
        ("3yh", dt.time(15, 0)),
        ("10.30yb", dt.time(10, 30)),
        ("  14:30  ", dt.time(14, 30)),
    ],
)
def test_times_people_type_are_read(typed, expected):
    assert parse_time(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        None,
        "   ",
        "soon",
        "afternoon",
        "25:00",
        "24:00",
        "14:60",
        "13pm",
        "0pm",
        "2:3pm",
        "12345",
        "2pm3",
        "-1",
        "1:30:00",
        "two",
    ],
)
def test_nonsense_is_not_a_time(typed):
    assert parse_time(typed) is None


def test_weekly_times_row_accepts_12_hour_times_and_words():
    form = SlotRowForm(data={"weekday": "1", "start": "2:30pm", "end": "4.15pm"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["start_time"] == dt.time(14, 30)
    assert form.cleaned_data["end_time"] == dt.time(16, 15)
    form = SlotRowForm(data={"weekday": "1", "start": "10am", "end": "noon"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["end_time"] == dt.time(12, 0)


def test_weekly_times_field_is_long_enough_for_a_12_hour_time():
    # A maxlength of 5 would cut "2:30pm" to "2:30p" as it is typed.
    html = str(SlotRowForm()["start"])
    assert 'maxlength="5"' not in html


@pytest.mark.parametrize("language", ["en-gb", "cy"])
def test_nonsense_time_gets_a_clear_error_in_both_languages(language):
    with translation.override(language):
        form = SlotRowForm(data={"weekday": "1", "start": "after lunch", "end": "3pm"})
        assert not form.is_valid()
        error = str(form.errors["start"][0])
    if language == "cy":
        assert "2:30yh" in error or "14:30" in error
        assert "Enter" not in error
    else:
        assert error == "Enter a start time, for example 9am, 2:30pm or 14:30."


def test_change_of_regular_time_accepts_12_hour_times():
    form = ChangeTimeForm(
        data={"weekday": "2", "start": "2pm", "end": "3:30pm", "frequency": "weekly"}
    )
    form.is_valid()
    assert "start" not in form.errors and "end" not in form.errors, form.errors


def test_weekly_times_are_said_in_the_order_of_the_week():
    rows = [
        {"weekday": 4, "start": "10:00", "end": "11:00"},
        {"weekday": 1, "start": "14:00", "end": "15:00"},
        {"weekday": 1, "start": "09:00", "end": "10:00"},
    ]
    with translation.override("en"):
        text = slots_text(rows)
    assert text.index("Tuesday 09:00") < text.index("Tuesday 14:00") < text.index("Friday")
