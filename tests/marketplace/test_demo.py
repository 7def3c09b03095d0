"""Demo listings: enough of them, spread well, private, deterministic and idempotent."""

import time
from collections import Counter

import pytest

from accounts.models import User
from core.contact_details import public_text_problem
from demo import listings as demo
from demo import people as accounts_demo
from marketplace.models import Need, NeedSlot, Offer, OfferSlot
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db


def _snapshot():
    needs = sorted(
        (
            n.owner.email or n.owner.display_name,  # a referred person has no email
            n.title,
            n.status,
            n.closed_reason,
            n.category.slug,
            n.urgency,
            n.postcode,
            tuple((s.weekday, s.start, s.end) for s in n.slots.all()),
        )
        for n in Need.objects.select_related("owner", "category").prefetch_related("slots")
    )
    offers = sorted(
        (
            o.helper.email,
            o.category.slug,
            o.status,
            o.radius_m,
            tuple((s.weekday, s.start, s.end) for s in o.slots.all()),
        )
        for o in Offer.objects.select_related("helper", "category").prefetch_related("slots")
    )
    checks = sorted(HelperCheck.objects.values_list("user__email", "kind", "issued_on"))
    return needs, offers, checks


@pytest.fixture
def demo_council(db):
    council = accounts_demo.seed_council()
    demo.seed_postcodes(council=council)
    accounts_demo.seed_accounts(council=council)
    return council


def test_seed_listings_makes_a_realistic_mix(demo_council):
    started = time.monotonic()
    summary = demo.seed_listings(council=demo_council)
    assert time.monotonic() - started < 10
    assert summary.startswith("Demo listings: 180 needs")
    assert Need.objects.filter(council=demo_council).count() >= 150
    assert Offer.objects.filter(council=demo_council).count() >= 100
    statuses = Counter(Need.objects.values_list("status", flat=True))
    assert statuses["open"] >= 100 and statuses["pending_review"] > 0 and statuses["draft"] > 0
    assert Offer.objects.filter(status="pending_review").exists()
    assert len(set(Need.objects.values_list("category__slug", flat=True))) == 10
    assert set(Need.objects.values_list("urgency", flat=True)) == {"routine", "soon", "urgent"}
    assert NeedSlot.objects.exists() and OfferSlot.objects.exists()
    assert Need.objects.filter(timing="one_off").exists()
    # Everything is inside the demo council, at a demo postcode, with an approximate location.
    postcodes = set(demo.demo_postcodes())
    for listing in [*Need.objects.all(), *Offer.objects.all()]:
        assert demo_council.boundary.contains(listing.location)
        assert listing.postcode in postcodes
        assert not listing.approx_location.equals_exact(listing.location, 1e-6)
        assert public_text_problem(f"{listing.title} {listing.description}") is None
    # The fixed demo accounts have listings too.
    assert Need.objects.filter(owner__email="citizen@kith.example").exists()
    assert Offer.objects.filter(helper__email="helper@kith.example").exists()
    assert User.objects.filter(email="helper-007@demo.kith.example").exists()
    assert Offer.objects.filter(helper__email__endswith="@demo.kith.example").count() > 150


def test_regulated_categories_have_checked_helpers(demo_council):
    demo.seed_listings(council=demo_council)
    for offer in Offer.objects.filter(category__required_level=2).select_related("helper"):
        kinds = set(offer.helper.checks.values_list("kind", flat=True))
        assert HelperCheck.Kind.DBS_ENHANCED_BARRED in kinds
    assert Offer.objects.filter(category__required_level=2, status="open").count() >= 5


def test_seed_listings_is_deterministic_and_idempotent(demo_council):
    demo.seed_listings(council=demo_council)
    first = _snapshot()
    demo.seed_listings(council=demo_council)
    second = _snapshot()
    assert first == second
    assert Need.objects.count() == demo.DEMO_NEED_COUNT
    assert Offer.objects.count() == demo.DEMO_OFFER_COUNT


def test_seed_demo_command_runs_twice_with_the_same_listings(capsys):
    from django.core.management import call_command

    call_command("seed_demo")
    first = _snapshot()
    call_command("seed_demo")
    second = _snapshot()
    assert first == second
    out = capsys.readouterr().out
    assert "Demo listings: 180 needs" in out
    # A person who is not online: only a mobile phone, reached by text, never email.
    assert "Demo person not online: Edna (phone only)" in out
    edna = User.objects.get(display_name="Edna (phone only)")
    assert edna.email is None and not edna.has_usable_password()
    assert edna.contact_preference.sms_ready and not edna.contact_preference.by_email
