"""Check-ins after each visit, run through the real beat task: the helper's yes and no,
silence, the citizen's no, two unconfirmed visits in a row, and a worried helper; then the
welfare check's queue, calls and escalation."""

from __future__ import annotations

import datetime as dt

import pytest

from arrangements import services, welfare
from arrangements.models import Visit, WelfareCall, WelfareCheck
from arrangements.policy import DEFAULT_CHECKIN_WAIT_HOURS
from arrangements.tasks import checkins
from core.errors import ApplicationError, NotFound
from core.models import AuditEvent
from tests.kit import factories as make
from trust.models import SafeguardingConcern

from .conftest import after

pytestmark = pytest.mark.django_db

WAIT = dt.timedelta(hours=DEFAULT_CHECKIN_WAIT_HOURS)


def run(at: dt.datetime) -> dict:
    """The beat job, through Celery's own call path, at the instant `at`."""
    return checkins.delay(now=at.isoformat()).get()


def visits(arrangement) -> list[Visit]:
    return list(arrangement.visits.order_by("starts_at"))


def people(arrangement):
    return arrangement.match.need.owner, arrangement.match.offer.helper


def test_helper_yes_confirms_with_time_spent(arrangement):
    citizen, helper = people(arrangement)
    first = visits(arrangement)[0]
    assert run(first.starts_at)["asked_helper"] == 0  # not over yet
    assert run(after(first))["asked_helper"] == 1
    first.refresh_from_db()
    assert first.checkin == "asked_helper"
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        minutes=45,
        note="Ate well",
        now=after(first, 10),
    )
    first.refresh_from_db()
    assert (first.status, first.checkin, first.minutes_spent, first.note) == (
        "done",
        "confirmed",
        45,
        "Ate well",
    )
    # Nothing more is asked about it, however long nobody says anything else.
    counts = run(after(first) + 3 * WAIT)
    assert (counts["asked_citizen"], counts["unconfirmed"]) == (0, 0)
    first.refresh_from_db()
    assert (first.status, first.checkin, first.citizen_asked_at) == ("done", "confirmed", None)
    assert not WelfareCheck.objects.exists()


def test_minutes_default_to_the_planned_length_and_bad_minutes_are_refused(arrangement):
    _, helper = people(arrangement)
    first = visits(arrangement)[0]
    with pytest.raises(ApplicationError, match="not happened yet"):
        services.visit_check_in(
            user=helper,
            arrangement_id=arrangement.pk,
            visit_id=first.pk,
            happened=True,
            now=first.starts_at - dt.timedelta(hours=1),
        )
    with pytest.raises(ApplicationError, match="between 1 and 720"):
        services.visit_check_in(
            user=helper,
            arrangement_id=arrangement.pk,
            visit_id=first.pk,
            happened=True,
            minutes=0,
            now=after(first),
        )
    first.refresh_from_db()
    assert first.status == "planned" and first.helper_answer == ""
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        now=after(first),
    )
    first.refresh_from_db()
    assert first.minutes_spent == 60


def test_helper_no_asks_the_citizen_whose_no_opens_a_welfare_check(arrangement):
    citizen, helper = people(arrangement)
    first = visits(arrangement)[0]
    run(after(first))
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=False,
        now=after(first, 30),
    )
    first.refresh_from_db()
    assert (first.status, first.checkin) == ("missed", "asked_citizen")
    assert AuditEvent.objects.filter(verb="visit.answered", target_id=arrangement.pk).exists()
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=False,
        now=after(first, 60),
    )
    check = WelfareCheck.objects.get()
    assert (check.person_id, check.reason, check.status, check.visit_id) == (
        citizen.pk,
        "citizen_said_no",
        "open",
        first.pk,
    )
    assert AuditEvent.objects.filter(verb="welfare.opened", target_id=check.pk).exists()


def test_helper_no_and_citizen_fine_opens_nothing(arrangement):
    citizen, helper = people(arrangement)
    first = visits(arrangement)[0]
    run(after(first))
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=False,
        now=after(first, 30),
    )
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        now=after(first, 60),
    )
    first.refresh_from_db()
    assert (first.status, first.checkin) == ("missed", "confirmed")
    assert not WelfareCheck.objects.exists()


def test_silence_asks_the_citizen_then_marks_unconfirmed(arrangement):
    citizen, _ = people(arrangement)
    first = visits(arrangement)[0]
    run(after(first))
    assert run(after(first) + WAIT - dt.timedelta(minutes=1))["asked_citizen"] == 0
    assert run(after(first) + WAIT)["asked_citizen"] == 1
    first.refresh_from_db()
    assert first.checkin == "asked_citizen" and first.status == "planned"
    # The citizen's yes confirms the visit.
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        now=after(first) + WAIT + dt.timedelta(hours=1),
    )
    first.refresh_from_db()
    assert (first.status, first.minutes_spent) == ("done", 60)


def test_two_unconfirmed_visits_in_a_row_open_a_welfare_check(arrangement):
    first, second, third = visits(arrangement)[:3]
    for visit in (first, second):
        run(after(visit))
        run(after(visit) + WAIT)
        assert run(after(visit) + 2 * WAIT)["unconfirmed"] >= 1
        visit.refresh_from_db()
        assert (visit.status, visit.checkin) == ("missed", "unconfirmed")
        if visit == first:
            assert not WelfareCheck.objects.exists()  # one alone is not yet a worry
    check = WelfareCheck.objects.get()
    assert (check.reason, check.visit_id) == ("two_unconfirmed", second.pk)
    # A third silence does not open a second check for the same person.
    run(after(third))
    run(after(third) + WAIT)
    run(after(third) + 2 * WAIT)
    assert WelfareCheck.objects.count() == 1


def test_a_skipped_visit_between_two_unconfirmed_still_counts_them_in_a_row(arrangement):
    citizen, _ = people(arrangement)
    first, second, third = visits(arrangement)[:3]
    services.visit_skip(
        user=citizen, arrangement_id=arrangement.pk, visit_id=second.pk, reason="Away"
    )
    for visit in (first, third):
        run(after(visit))
        run(after(visit) + WAIT)
        run(after(visit) + 2 * WAIT)
    assert WelfareCheck.objects.get().reason == "two_unconfirmed"


def test_a_worried_helper_opens_a_welfare_check_at_once(arrangement):
    _, helper = people(arrangement)
    first = visits(arrangement)[0]
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        minutes=30,
        note="She seemed confused and had not eaten",
        worried=True,
        now=after(first),
    )
    check = WelfareCheck.objects.get()
    assert check.reason == "helper_concern"
    first.refresh_from_db()
    assert first.status == "done"


def test_only_the_two_people_answer(arrangement, mcouncil):
    first = visits(arrangement)[0]
    stranger = make.person(council=mcouncil)
    with pytest.raises(NotFound):
        services.visit_check_in(
            user=stranger,
            arrangement_id=arrangement.pk,
            visit_id=first.pk,
            happened=False,
            now=after(first),
        )
    first.refresh_from_db()
    assert first.status == "planned"


# --- The welfare-check queue ------------------------------------------------------------------
@pytest.fixture
def open_check(arrangement):
    citizen, helper = people(arrangement)
    first = visits(arrangement)[0]
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=False,
        now=after(first),
    )
    return WelfareCheck.objects.get()


def _staff(council, role):
    return make.staff(council=council, role=role)


def test_staff_queue_shows_their_councils_checks_only(open_check, mcouncil):
    lead = _staff(mcouncil, "safeguarding_lead")
    assert list(welfare.welfare_checks_for_staff(actor=lead)) == [open_check]
    other = make.staff(council=make.other_council(), role="safeguarding_lead")
    with pytest.raises(NotFound):
        welfare.welfare_check_for_staff(actor=other, check_id=open_check.pk)
    moderator = _staff(mcouncil, "moderator")
    with pytest.raises((NotFound, ApplicationError)):
        welfare.welfare_checks_for_staff(actor=moderator)


def test_not_reached_keeps_it_open_then_reached_closes_it(open_check, mcouncil):
    lead = _staff(mcouncil, "safeguarding_lead")
    welfare.welfare_call_record(actor=lead, check_id=open_check.pk, result="not_reached")
    open_check.refresh_from_db()
    assert open_check.status == "open"
    with pytest.raises(ApplicationError, match="what the person needs"):
        welfare.welfare_call_record(actor=lead, check_id=open_check.pk, result="reached_needs")
    assert WelfareCall.objects.count() == 1
    welfare.welfare_call_record(
        actor=lead, check_id=open_check.pk, result="reached_needs", note="Needs shopping"
    )
    open_check.refresh_from_db()
    assert (open_check.status, open_check.outcome, open_check.closed_by_id) == (
        "closed",
        "reached_needs",
        lead.pk,
    )
    assert list(
        AuditEvent.objects.filter(target_type="welfare_check", target_id=open_check.pk)
        .order_by("id")
        .values_list("verb", flat=True)
    ) == ["welfare.opened", "welfare.call_logged", "welfare.call_logged"]
    with pytest.raises(ApplicationError, match="closed"):
        welfare.welfare_call_record(actor=lead, check_id=open_check.pk, result="reached_fine")


def test_escalation_raises_an_urgent_safeguarding_concern(open_check, mcouncil):
    lead = _staff(mcouncil, "safeguarding_lead")
    welfare.welfare_call_record(actor=lead, check_id=open_check.pk, result="not_reached")
    welfare.welfare_escalate(actor=lead, check_id=open_check.pk, note="No answer twice")
    open_check.refresh_from_db()
    concern = SafeguardingConcern.objects.get(pk=open_check.concern_id)
    assert (concern.about_id, concern.priority) == (open_check.person_id, "urgent")
    assert (open_check.status, open_check.outcome) == ("escalated", "escalated")
    assert AuditEvent.objects.filter(verb="welfare.escalated").exists()


def test_opening_a_check_to_call_is_audited_and_shows_the_helpers_notes(arrangement, mcouncil):
    citizen, helper = people(arrangement)
    first, second = visits(arrangement)[:2]
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        note="Quiet today",
        now=after(first),
    )
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=second.pk,
        happened=False,
        now=after(second),
    )
    check = WelfareCheck.objects.get()
    lead = _staff(mcouncil, "safeguarding_lead")
    for visit in (first, second):  # both in the past, so the page lists them
        Visit.objects.filter(pk=visit.pk).update(
            starts_at=visit.starts_at - dt.timedelta(weeks=52),
            ends_at=visit.ends_at - dt.timedelta(weeks=52),
        )
    seen, recent = welfare.welfare_check_view(actor=lead, check_id=check.pk)
    assert seen == check and "Quiet today" in [v.note for v in recent]
    assert AuditEvent.objects.filter(verb="welfare.viewed", actor=lead, target_id=check.pk).exists()


def test_escalating_after_reaching_them_says_staff_are_worried(open_check, mcouncil):
    lead = _staff(mcouncil, "safeguarding_lead")
    welfare.welfare_escalate(actor=lead, check_id=open_check.pk)
    open_check.refresh_from_db()
    summary = SafeguardingConcern.objects.get(pk=open_check.concern_id).summary
    assert "worried" in summary and "could not be reached" not in summary


def test_each_person_answers_once_and_a_later_yes_does_not_undo_a_citizens_no(arrangement):
    citizen, helper = people(arrangement)
    first = visits(arrangement)[0]
    services.visit_check_in(
        user=citizen,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=False,
        now=after(first),
    )
    with pytest.raises(ApplicationError, match="already told us"):
        services.visit_check_in(
            user=citizen,
            arrangement_id=arrangement.pk,
            visit_id=first.pk,
            happened=True,
            now=after(first, 10),
        )
    services.visit_check_in(
        user=helper,
        arrangement_id=arrangement.pk,
        visit_id=first.pk,
        happened=True,
        minutes=40,
        now=after(first, 20),
    )
    first.refresh_from_db()
    assert first.status == "missed"
    assert WelfareCheck.objects.get().status == "open"
