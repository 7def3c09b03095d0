"""The oversight dashboard's "do you still want to help?" figures, from live data: the
questions asked of the council's idle helpers in the last 90 days, by their answer now (yes,
no with the offers it paused, waiting). Asked through the real daily job and answered through
the real service; another council's questions and older ones do not count. In English and
Welsh."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from insights.oversight import STILL_HELPING_DAYS, StillHelpingFigures, still_helping_figures
from matching.models import StillHelping
from matching.still_helping import still_helping_answer
from matching.tasks import still_helping
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

WEEK = dt.timedelta(weeks=1)


def _ask(at: dt.datetime) -> int:
    return still_helping.delay(now=at.isoformat()).get()["asked"]


def _offer(council, **kwargs):
    return make.offer_row(council=council, at=make.point_at(0, 0), **kwargs)


@pytest.fixture
def answered(home_council):
    """Four helpers of the home council asked now, one of them with two offers: one says yes,
    one says no (pausing both offers of theirs), two have not answered."""
    now = timezone.now()
    yes, no, quiet, silent = (_offer(home_council) for _ in range(4))
    _offer(home_council, helper=no.helper, cat=make.category("shopping"))
    assert _ask(now + 6 * WEEK + dt.timedelta(hours=1)) == 4
    rows = {row.helper_id: row for row in StillHelping.objects.all()}
    still_helping_answer(user=yes.helper, row_id=rows[yes.helper_id].pk, keep=True)
    still_helping_answer(user=no.helper, row_id=rows[no.helper_id].pk, keep=False)
    return now + 6 * WEEK + dt.timedelta(hours=2)


def test_asked_kept_paused_and_waiting(answered, home_council, away_council):
    # Another council's helper, asked and unanswered, counts only for that council.
    away = make.offer_row(council=away_council, at=make.point_at(0, 0, origin=make.AWAY))
    StillHelping.objects.create(council=away_council, helper=away.helper, asked_at=answered)
    assert still_helping_figures(council=home_council, now=answered) == StillHelpingFigures(
        asked=4, kept=1, paused=1, offers_paused=2, waiting=2
    )
    assert still_helping_figures(council=away_council, now=answered) == StillHelpingFigures(
        asked=1, waiting=1
    )
    # Questions older than 90 days are no longer counted, answered or not.
    later = answered + dt.timedelta(days=STILL_HELPING_DAYS)
    assert still_helping_figures(council=home_council, now=later) == StillHelpingFigures()


def test_a_council_with_no_questions_shows_noughts(home_council):
    assert still_helping_figures(council=home_council) == StillHelpingFigures()


def test_the_dashboard_shows_them_for_the_admins_own_council_in_both_languages(
    client, council_admin, away_admin, home_council
):
    now = timezone.now()
    yes, no, _waiting = (_offer(home_council) for _ in range(3))
    for offer in (yes, no, _waiting):  # asked now, so within the dashboard's 90 days
        StillHelping.objects.create(council=home_council, helper=offer.helper, asked_at=now)
    rows = {row.helper_id: row for row in StillHelping.objects.all()}
    still_helping_answer(user=yes.helper, row_id=rows[yes.helper_id].pk, keep=True)
    still_helping_answer(user=no.helper, row_id=rows[no.helper_id].pk, keep=False)

    client.force_login(council_admin)
    html = client.get(reverse("staff:oversight")).content.decode()
    section = html.split('id="still-helping"')[1].split("</dl>")[0]

    def value(label: str, text: str = section) -> str:
        return text.split(label)[1].split('value">')[1].split("</dd>")[0].strip()

    assert value("Helpers asked in the last 90 days") == "3"
    assert value("Said yes: offers kept open") == "1"
    assert value("Said no: offers paused") == "1 (1 offer paused)"
    assert value("Waiting for an answer") == "1"

    # Another council's admin sees none of them.
    client.force_login(away_admin)
    other = client.get(reverse("staff:oversight")).content.decode()
    other = other.split('id="still-helping"')[1].split("</dl>")[0]
    assert value("Helpers asked in the last 90 days", other) == "0"
    assert value("Waiting for an answer", other) == "0"

    client.force_login(council_admin)
    client.get("/language/cy/?next=/")
    try:
        html = client.get(reverse("staff:oversight")).content.decode()
    finally:  # the language chosen must not outlive this test
        client.get("/language/en-gb/?next=/")
        translation.activate(settings.LANGUAGE_CODE)
    assert '<html lang="cy"' in html
    section = html.split('id="still-helping"')[1].split("</dl>")[0]
    assert "Helpwyr y gofynnwyd iddynt yn ystod y 90 diwrnod diwethaf" in section
    assert value("Helpwyr y gofynnwyd iddynt yn ystod y 90 diwrnod diwethaf", section) == "3"
    assert "Yn aros am ateb" in section
