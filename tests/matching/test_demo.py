"""seed_demo adds matches in every state, through the real services, the same every run."""

import pytest
from django.core.management import call_command

from matching.models import Feedback, Match, Message


def _snapshot():
    return sorted(
        Match.objects.values_list("need__title", "offer__helper__email", "status", "proposed_by")
    )


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
    first = _snapshot()
    call_command("seed_demo", verbosity=0)
    assert _snapshot() == first


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
