"""Welsh mutates a word after "ar" (on), "i" (to) and "o" (of): a visit is "ar ddydd Mawrth",
not "ar Dydd Mawrth", and an offer is "o gyfeillio", not "o cyfeillio". A sentence cannot
mutate the value put into it, so the code that says the value does (`said_after`)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from arrangements.changes import change_ask
from arrangements.models import ScheduleChange
from matching.words import said_after
from tests.arrangements.conftest import make_arrangement
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def test_said_after_mutates_in_welsh_only():
    with translation.override("cy"):
        assert said_after("Dydd Mawrth 8 Rhagfyr am 14:00") == "ddydd Mawrth 8 Rhagfyr am 14:00"
        assert said_after("cyfeillio") == "gyfeillio"
        assert said_after("garddio") == "arddio"
        assert said_after("siopa") == "siopa" and said_after("") == ""
    with translation.override("en-gb"):
        assert said_after("Tuesday 8 December at 14:00") == "Tuesday 8 December at 14:00"


def welsh_page(client, name, *args) -> str:
    client.cookies["kith_language"] = "cy"
    return client.get(reverse(name, args=args)).content.decode()


def test_visits_are_on_a_mutated_day_in_welsh(client, mcouncil):
    arrangement = make_arrangement(mcouncil, category="hot-meals")
    helper = arrangement.match.offer.helper
    visit = arrangement.visits.first()
    client.force_login(helper)
    # The move page first: once a change waits, it leads back to the arrangement.
    move = welsh_page(client, "visit_move", arrangement.pk, visit.pk)
    change_ask(
        user=helper,
        arrangement_id=arrangement.pk,
        kind=ScheduleChange.Kind.MOVE_VISIT,
        visit_id=visit.pk,
        new_starts_at=visit.starts_at + dt.timedelta(days=1),
    )
    for html in (
        welsh_page(client, "arrangement_detail", arrangement.pk),
        welsh_page(client, "visit_skip", arrangement.pk, visit.pk),
        move,
    ):
        assert "ar ddydd" in html
        assert "ar Dydd" not in html and "i Dydd" not in html
    detail = welsh_page(client, "arrangement_detail", arrangement.pk)
    assert "i <strong>ddydd" in detail  # moved "to" a day


def test_closing_an_offer_of_a_kind_of_help_mutates_it_in_welsh(client, mcouncil):
    helper = make.person(council=mcouncil)
    befriending = make.category("befriending")
    offer = make.offer_row(council=mcouncil, helper=helper, cat=befriending)
    client.force_login(helper)
    html = welsh_page(client, "offer_close", offer.pk)
    assert "o gyfeillio" in html.lower() and "o cyfeillio" not in html.lower()
