"""seed_demo adds matches in every state, and ongoing help with weeks of history, through the
real services, the same every run."""

import pytest
from django.core.management import call_command
from django.utils import timezone

from arrangements.models import Arrangement, StillNeeded, Visit, WelfareCheck
from matching.models import Feedback, Match, Message


def _snapshot():
    return sorted(
        Match.objects.values_list("need__title", "offer__helper__email", "status", "proposed_by")
    )


def _ongoing_snapshot():
    return (
        sorted(
            Arrangement.objects.values_list(
                "match__need__title", "match__need__owner__email", "status", "end_reason"
            )
        ),
        sorted(Visit.objects.values_list("arrangement__match__need__title", "status", "checkin")),
        sorted(WelfareCheck.objects.values_list("person__email", "reason", "status")),
    )


def _assert_ongoing_help_has_a_history():
    now = timezone.now()
    running = Arrangement.objects.filter(status="running", frequency="weekly")
    with_history = running.filter(
        visits__status="done", visits__minutes_spent__isnull=False, visits__starts_at__lt=now
    ).distinct()
    slugs = set(with_history.values_list("match__need__category__slug", flat=True))
    assert {"hot-meals", "befriending"} <= slugs
    assert with_history.count() >= 4
    for arrangement in with_history:
        # Visits still to come stay planned, weeks ahead.
        assert arrangement.visits.filter(status="planned", starts_at__gt=now).exists()
    done = Visit.objects.filter(status="done")
    assert not done.filter(minutes_spent__isnull=True).exists()
    assert done.exclude(note="").exists()
    assert not done.filter(starts_at__gt=now).exists()
    assert Visit.objects.filter(status="skipped").exclude(skip_reason="").exists()
    said_no = Visit.objects.get(citizen_answer="no")
    assert said_no.status == "missed"
    assert Visit.objects.filter(status="missed", checkin="unconfirmed").count() >= 2
    # A citizen's "no", and two visits in a row nobody confirmed, each opened a check.
    open_checks = WelfareCheck.objects.filter(status="open")
    assert set(open_checks.values_list("reason", flat=True)) == {
        "citizen_said_no",
        "two_unconfirmed",
    }
    assert open_checks.get(reason="citizen_said_no").visit == said_no
    ended = Arrangement.objects.exclude(end_note="").get(status="ended")
    assert ended.end_reason == "done"
    assert ended.visits.filter(status="done").exists()
    assert not ended.visits.filter(status="planned", starts_at__gt=now).exists()
    assert StillNeeded.objects.filter(
        for_staff_at__isnull=False, answered_at__isnull=True, resolved_at__isnull=True
    ).exists()


@pytest.mark.django_db
@pytest.mark.slow
def test_seed_demo_shows_the_whole_match_lifecycle_and_is_idempotent():
    call_command("seed_demo", verbosity=0)
    statuses = set(Match.objects.values_list("status", flat=True))
    assert statuses == {
        "proposed",
        "accepted",
        "active",
        "completed",
        "declined",
        "cancelled",
        "expired",
    }
    assert set(Match.objects.values_list("proposed_by", flat=True)) >= {
        "helper",
        "citizen",
        "staff",
    }
    assert Message.objects.exists()
    assert Feedback.objects.count() == 2
    assert Match.objects.filter(need__owner__email="citizen@kith.example").exists()
    _assert_ongoing_help_has_a_history()
    first, ongoing = _snapshot(), _ongoing_snapshot()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first
    assert _ongoing_snapshot() == ongoing
    assert WelfareCheck.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.slow
def test_demo_needs_find_helpers_as_they_would_in_a_real_borough():
    """The quick start shows ranking at work: every open need of the demo citizen has several
    helpers to choose from, and most open needs in the demo borough have at least one (some,
    such as personal care, rightly have none nearby)."""
    from marketplace.models import Need
    from matching.candidates import ranked_offers_for_need

    call_command("seed_demo", verbosity=0)
    open_needs = list(Need.objects.filter(status="open").select_related("category", "owner"))
    ranked = {need.pk: len(ranked_offers_for_need(need=need)) for need in open_needs}
    citizens = [n.pk for n in open_needs if n.owner.email == "citizen@kith.example"]
    assert citizens
    assert min(ranked[pk] for pk in citizens) >= 3
    with_helpers = sum(1 for count in ranked.values() if count)
    assert with_helpers >= 0.75 * len(open_needs)
