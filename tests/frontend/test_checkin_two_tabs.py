""" "Did the visit happen?" answered in one tab, then sent again from another: the first answer
stands and the page says the second changed nothing, but a helper's worry sent with it is
never dropped: it opens a welfare check for the council, as it would have the first time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Visit, WelfareCheck
from core.models import AuditEvent
from tests.arrangements.conftest import make_arrangement

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(client, mcouncil):
    arrangement = make_arrangement(mcouncil, category="hot-meals")
    visit = arrangement.visits.first()
    start = timezone.now() - dt.timedelta(hours=2)
    Visit.objects.filter(pk=visit.pk).update(starts_at=start, ends_at=start + dt.timedelta(hours=1))
    helper = arrangement.match.offer.helper
    client.force_login(helper)
    url = reverse("visit_check_in", args=[arrangement.pk, visit.pk])
    first = client.post(url, {"happened": "yes", "minutes": "45"})  # tab A
    assert first.status_code == 302
    return arrangement, visit, url


def test_a_worry_sent_from_a_second_tab_opens_a_welfare_check(client, answered):
    arrangement, visit, url = answered
    assert not WelfareCheck.objects.exists()
    second = client.post(url, {"happened": "no", "worried": "on"}, follow=True)  # tab B
    html = second.content.decode()
    assert "Your earlier answer stands" in html
    check = WelfareCheck.objects.get()
    assert (check.person_id, check.reason) == (arrangement.match.need.owner_id, "helper_concern")
    assert AuditEvent.objects.filter(verb="visit.worry_raised").exists()
    visit.refresh_from_db()
    assert (visit.helper_answer, visit.status) == ("yes", "done")


def test_a_second_answer_without_a_worry_is_said_not_to_be_saved(client, answered):
    _arrangement, visit, url = answered
    html = client.post(url, {"happened": "no"}).content.decode()
    assert "Nothing was changed: you had already told us about this visit." in html
    visit.refresh_from_db()
    assert visit.helper_answer == "yes"
    assert not WelfareCheck.objects.exists()
