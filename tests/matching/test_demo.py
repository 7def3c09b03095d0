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
