"""Staff pages of ongoing help: welfare checks after a missed visit (phone the person, log the
call, or pass it to the safeguarding lead) and "still need help?" follow-ups nobody answered;
and the council's settings for ongoing help. Staff sign in with their second factor
(`client.force_login` records it, tests/conftest.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from arrangements.models import Arrangement, StillNeeded, WelfareCall, WelfareCheck
from arrangements.policy import ongoing_policy
from arrangements.welfare import welfare_open
from core.models import AuditEvent
from marketplace.models import Need
from notifications.models import ContactPreference
from tests.arrangements.conftest import make_arrangement
from tests.kit import factories as make
from trust.models import SafeguardingConcern

pytestmark = pytest.mark.django_db


@pytest.fixture
def arrangement(home_council):
    return make_arrangement(home_council)


@pytest.fixture
def check(arrangement):
    person = arrangement.match.need.owner
    person.display_name = "Edna Person"
    person.phone = "01632 960001"
    person.save()
    ContactPreference.objects.create(
        person=person, mobile="+447700900123", postal_address="1 High Street\nTown"
    )
    return welfare_open(
        arrangement=arrangement,
        visit=arrangement.visits.first(),
        reason=WelfareCheck.Reason.CITIZEN_SAID_NO,
        now=timezone.now(),
    )


def _url(check):
    return reverse("staff:welfare_check", kwargs={"check_id": check.pk})


def test_lead_sees_open_checks_and_the_page_for_the_call(client, safeguarding_lead, check):
    client.force_login(safeguarding_lead)
    listing = client.get(reverse("staff:welfare_checks")).content.decode()
    assert "Edna Person" in listing
    assert "The person said the visit did not happen" in listing
    assert check.arrangement.match.need.category.name in listing
    assert "?status=escalated" in listing and "?status=closed" in listing

    page = client.get(_url(check))
    assert page.status_code == 200
    body = page.content.decode()
    for shown in ("01632 960001", "+447700900123", "1 High Street", check.person.email):
        assert shown in body
    assert check.arrangement.match.offer.helper.public_name in body
    assert check.visit.starts_at.astimezone(timezone.get_current_timezone()).strftime("%Y") in body
    assert "Log the call" in body and "Pass to the safeguarding lead" in body
    for value in ("reached_fine", "reached_needs", "not_reached"):
        assert f'name="result" type="radio" value="{value}"' in body
    assert 'name="note"' in body

    home = client.get(reverse("staff:home")).content.decode()
    assert "1 open check" in home and reverse("staff:still_needed") in home


def test_moderator_is_refused(client, moderator, check):
    client.force_login(moderator)
    for url in (reverse("staff:welfare_checks"), _url(check), reverse("staff:still_needed")):
        assert client.get(url).status_code == 403
    assert client.post(_url(check), {"result": "reached_fine"}).status_code == 403
    assert not WelfareCall.objects.exists()
    assert "Welfare checks" not in client.get(reverse("staff:home")).content.decode()


def test_staff_of_another_council_get_404(client, away_admin, check):
    client.force_login(away_admin)
    assert client.get(_url(check)).status_code == 404
    assert client.post(_url(check), {"result": "reached_fine"}).status_code == 404
    assert client.post(_url(check), {"action": "escalate"}).status_code == 404
    assert "Edna Person" not in client.get(reverse("staff:welfare_checks")).content.decode()
    check.refresh_from_db()
    assert check.status == WelfareCheck.Status.OPEN and not WelfareCall.objects.exists()


def test_reached_and_fine_closes_the_check(client, safeguarding_lead, check):
    client.force_login(safeguarding_lead)
    response = client.post(_url(check), {"result": "reached_fine", "note": ""})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == WelfareCheck.Status.CLOSED
    assert check.outcome == WelfareCheck.Outcome.FINE
    [call] = WelfareCall.objects.all()
    assert call.staff == safeguarding_lead
    assert AuditEvent.objects.filter(verb="welfare.call_logged", target_id=check.pk).exists()
    page = client.get(_url(check)).content.decode()
    assert "Reached, and they are fine" in page and "Log the call" not in page
    assert (
        "Edna Person"
        in client.get(reverse("staff:welfare_checks") + "?status=closed").content.decode()
    )


def test_reached_and_needs_something_closes_with_the_note(client, council_admin, check):
    client.force_login(council_admin)
    response = client.post(
        _url(check), {"result": "reached_needs", "note": "Needs a lift to the GP on Friday"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert (check.status, check.outcome) == ("closed", "reached_needs")
    assert "Needs a lift to the GP on Friday" in client.get(_url(check)).content.decode()


def test_not_reached_keeps_it_open_and_lists_the_call(client, safeguarding_lead, check):
    client.force_login(safeguarding_lead)
    response = client.post(_url(check), {"result": "not_reached", "note": "No answer at 10:05"})
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == WelfareCheck.Status.OPEN
    page = client.get(_url(check)).content.decode()
    assert "No answer at 10:05" in page and "Not reached" in page and "Sam Lead" in page
    assert "Log the call" in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"note": "Rang twice"}, "Choose what happened when you called."),
        ({"result": "reached_needs", "note": "  "}, "Say what the person needs."),
        ({"result": "something_else"}, "Choose what happened when you called."),
    ],
)
def test_bad_input_is_explained_and_saves_nothing(client, safeguarding_lead, check, data, message):
    client.force_login(safeguarding_lead)
    response = client.post(_url(check), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and message in body
    assert not WelfareCall.objects.exists()
    check.refresh_from_db()
    assert check.status == WelfareCheck.Status.OPEN
    assert not AuditEvent.objects.filter(verb="welfare.call_logged").exists()


def test_escalating_raises_an_urgent_concern_and_links_to_it(client, safeguarding_lead, check):
    client.force_login(safeguarding_lead)
    response = client.post(
        _url(check), {"action": "escalate", "escalate-note": "Three calls, no answer"}
    )
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == WelfareCheck.Status.ESCALATED
    concern = SafeguardingConcern.objects.get(pk=check.concern_id)
    assert concern.about == check.person and concern.priority == "urgent"
    assert concern.notes.get().body == "Three calls, no answer"
    page = client.get(_url(check)).content.decode()
    assert reverse("staff:concern", kwargs={"pk": concern.pk}) in page
    assert "Pass to the safeguarding lead</button>" not in page
    # Closed now: a second escalation or a call is refused, and nothing more is saved.
    again = client.post(_url(check), {"action": "escalate"})
    assert again.status_code == 400 and "This welfare check is closed." in again.content.decode()
    late = client.post(_url(check), {"result": "reached_fine"})
    assert late.status_code == 400
    assert SafeguardingConcern.objects.count() == 1 and not WelfareCall.objects.exists()


# --- "Still need help?" ----------------------------------------------------------------------
def _waiting(*, need, arrangement=None, reason=StillNeeded.Reason.PERIODIC) -> StillNeeded:
    now = timezone.now()
    return StillNeeded.objects.create(
        council_id=need.council_id,
        need=need,
        arrangement=arrangement,
        reason=reason,
        asked_at=now - dt.timedelta(days=14),
        reminded_at=now - dt.timedelta(days=7),
        for_staff_at=now,
    )


def test_still_needed_lists_and_keeps_a_need(client, safeguarding_lead, arrangement):
    need = arrangement.match.need
    row = _waiting(need=need, arrangement=arrangement)
    client.force_login(safeguarding_lead)
    page = client.get(reverse("staff:still_needed")).content.decode()
    assert need.owner.public_name in page and need.category.name in page
    assert "nor the reminder" in page
    assert 'value="keep_open"' in page and 'value="close"' in page
    home = client.get(reverse("staff:home")).content.decode()
    assert "1 follow-up waiting" in home

    response = client.post(
        reverse("staff:still_needed"), {"row": row.pk, "resolution": "keep_open"}
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.resolution == "keep_open" and row.resolved_by == safeguarding_lead
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.RUNNING
    assert (
        "Nothing is waiting for you." in client.get(reverse("staff:still_needed")).content.decode()
    )


def test_still_needed_close_ends_the_help(client, council_admin, arrangement, home_council):
    row = _waiting(need=arrangement.match.need, arrangement=arrangement)
    client.force_login(council_admin)
    response = client.post(reverse("staff:still_needed"), {"row": row.pk, "resolution": "close"})
    assert response.status_code == 302
    arrangement.refresh_from_db()
    assert arrangement.status == Arrangement.Status.ENDED
    assert arrangement.end_reason == Arrangement.EndReason.NO_LONGER_NEEDED
    assert AuditEvent.objects.filter(verb="need.still_needed_resolved").exists()


def test_still_needed_nobody_helping_close_and_bad_input(
    client, council_admin, away_admin, arrangement
):
    need = arrangement.match.need
    # An open need of another person, whose time ran out with nobody helping.
    other = make.need_row(council=arrangement.council)
    Need.objects.filter(pk=other.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    row = _waiting(need=other, reason=StillNeeded.Reason.NOBODY_HELPING)
    client.force_login(away_admin)
    stranger = client.post(reverse("staff:still_needed"), {"row": row.pk, "resolution": "close"})
    assert stranger.status_code == 404

    client.force_login(council_admin)
    page = client.get(reverse("staff:still_needed")).content.decode()
    assert "Its time ran out and nobody could help" in page
    bad = client.post(reverse("staff:still_needed"), {"row": row.pk, "resolution": "maybe"})
    assert bad.status_code == 400 and "Choose what to do with this request." in bad.content.decode()
    row.refresh_from_db()
    assert row.resolved_at is None
    assert (
        client.post(
            reverse("staff:still_needed"), {"row": row.pk, "resolution": "close"}
        ).status_code
        == 302
    )
    other.refresh_from_db()
    assert other.status == Need.Status.CLOSED and other.closed_reason == "expired"
    assert need.pk != other.pk


# --- Council settings ------------------------------------------------------------------------
def test_ongoing_settings_are_saved_audited_and_checked(client, council_admin, home_council):
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings")).content.decode()
    assert "Check-in wait (hours)" in page and "Ask &#x27;still need help?&#x27; every" in page
    url = reverse("staff:ongoing_settings")
    bad = client.post(url, {"checkin_wait_hours": "200", "still_needed_weeks": "0"})
    assert bad.status_code == 400
    assert "at most 168 hours" in bad.content.decode()
    assert "every 1 week or more" in bad.content.decode()
    home_council.refresh_from_db()
    assert "ongoing" not in (home_council.settings or {})

    assert (
        client.post(url, {"checkin_wait_hours": "48", "still_needed_weeks": "6"}).status_code == 302
    )
    home_council.refresh_from_db()
    policy = ongoing_policy(home_council)
    assert policy.checkin_wait == dt.timedelta(hours=48)
    assert policy.still_needed_every == dt.timedelta(weeks=6)
    event = AuditEvent.objects.get(verb="council.ongoing_policy_changed")
    assert event.data == {
        "before": {"checkin_wait_hours": 24, "still_needed_weeks": 4},
        "after": {"checkin_wait_hours": 48, "still_needed_weeks": 6},
        "checklist_changed": False,
    }


def test_the_council_writes_its_own_first_meeting_checklist(client, council_admin, home_council):
    from arrangements.policy import DEFAULT_FIRST_MEETING_CHECKLIST, first_meeting_checklist_of
    from tests.arrangements.conftest import make_arrangement

    client.force_login(council_admin)
    url = reverse("staff:ongoing_settings")
    base = {"checkin_wait_hours": "24", "still_needed_weeks": "4"}
    too_many = "\n".join(f"Point {n}" for n in range(11))
    bad = client.post(url, {**base, "first_meeting_checklist": too_many})
    assert bad.status_code == 400 and "10 points or fewer" in bad.content.decode()
    home_council.refresh_from_db()
    assert first_meeting_checklist_of(home_council) == DEFAULT_FIRST_MEETING_CHECKLIST
    ours = "Meet at the library first.\n\nCall the duty line on arrival."
    assert client.post(url, {**base, "first_meeting_checklist": ours}).status_code == 302
    home_council.refresh_from_db()
    assert first_meeting_checklist_of(home_council) == (
        "Meet at the library first.",
        "Call the duty line on arrival.",
    )
    assert AuditEvent.objects.filter(
        verb="council.ongoing_policy_changed", data__checklist_changed=True
    ).exists()
    # Both people see the council's words before the first meeting.
    arrangement = make_arrangement(home_council)  # befriending: a first meeting
    client.force_login(arrangement.match.need.owner)
    page = client.get(reverse("arrangement_detail", args=[arrangement.pk])).content.decode()
    assert "Meet at the library first." in page and DEFAULT_FIRST_MEETING_CHECKLIST[2] not in page


def test_ongoing_settings_are_for_council_admins(client, safeguarding_lead):
    client.force_login(safeguarding_lead)
    response = client.post(
        reverse("staff:ongoing_settings"), {"checkin_wait_hours": "48", "still_needed_weeks": "6"}
    )
    assert response.status_code == 403


def test_the_person_page_shows_who_ended_help_and_why(client, safeguarding_lead, arrangement):
    from arrangements.services import arrangement_end

    citizen = arrangement.match.need.owner
    arrangement_end(
        user=citizen,
        arrangement_id=arrangement.pk,
        reason="no_longer_needed",
        note="My daughter is staying now",
    )
    client.force_login(safeguarding_lead)
    page = client.get(reverse("staff:person", args=[citizen.pk])).content.decode()
    assert "Ongoing help" in page
    assert "help is no longer needed" in page and "My daughter is staying now" in page
    # The helper's own page shows it too, with the words the helper never sees elsewhere.
    helper_page = client.get(reverse("staff:person", args=[arrangement.match.offer.helper.pk]))
    assert "My daughter is staying now" in helper_page.content.decode()


def test_the_council_writes_its_checklist_in_welsh_too(client, council_admin, home_council):
    from arrangements.policy import DEFAULT_FIRST_MEETING_CHECKLIST
    from tests.arrangements.conftest import make_arrangement

    client.force_login(council_admin)
    url = reverse("staff:ongoing_settings")
    base = {"checkin_wait_hours": "24", "still_needed_weeks": "4"}
    english = "Meet at the library first."
    welsh = "Cwrdd yn y llyfrgell yn gyntaf."
    arrangement = make_arrangement(home_council)  # befriending: a first meeting
    owner = arrangement.match.need.owner
    page_url = reverse("arrangement_detail", args=[arrangement.pk])

    def page(language: str) -> str:
        client.force_login(owner)
        client.cookies["kith_language"] = language
        return client.get(page_url).content.decode()

    # Kith's own checklist: in Welsh on Welsh pages.
    assert DEFAULT_FIRST_MEETING_CHECKLIST[0] not in page("cy")
    assert DEFAULT_FIRST_MEETING_CHECKLIST[0] in page("en-gb")

    # The council's own English, no Welsh yet: the English shows on Welsh pages too.
    client.force_login(council_admin)
    client.cookies["kith_language"] = "en-gb"
    assert client.post(url, {**base, "first_meeting_checklist": english}).status_code == 302
    assert english in page("cy")

    # Its Welsh as well: each page in its own language; the staff form shows both as written,
    # whatever the language of the staff member's page.
    client.force_login(council_admin)
    client.cookies["kith_language"] = "cy"
    answer = client.post(
        url, {**base, "first_meeting_checklist": english, "first_meeting_checklist_cy": welsh}
    )
    assert answer.status_code == 302
    form = client.get(reverse("staff:settings")).content.decode()
    assert english in form and welsh in form
    assert welsh in page("cy") and english not in page("cy")
    assert english in page("en-gb") and welsh not in page("en-gb")
