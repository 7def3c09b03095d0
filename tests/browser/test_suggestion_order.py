"""The lists of suggestions in Chromium: each says how it is ordered, and a suggestion ranked
below one further away says what counted against it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from accounts.models import StaffMembership
from marketplace.models import Category, Need
from marketplace.services import moderation_approve, offer_create
from matching.scoring import ordering_sentence
from tests.kit import factories as make
from tests.kit.browser import sign_in
from trust.checks import helper_check_record
from trust.models import HelperCheck

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_suggestions_say_how_they_are_ordered_and_what_counted_against(
    live_server, new_context, pages, need_and_helper
):
    need, people = need_and_helper
    # Margaret asks for a helper who speaks Polish. Sam (about 1 to 2 km away) does not; Ola,
    # further away, does.
    Need.objects.filter(pk=need.pk).update(languages=["Polish"])
    moderator = StaffMembership.objects.get(role=StaffMembership.Role.MODERATOR).user
    make.PostcodeFactory(postcode="LS7 7AA", location=Point(-1.550, 53.820, srid=4326))
    ola = make.resident(postcode="LS7 7AA", name="Ola", email="ola@example.org")
    helper_check_record(
        actor=moderator,
        helper_id=ola.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    offer = offer_create(
        helper=ola,
        category=Category.objects.get(slug="befriending"),
        description="Chętnie porozmawiam.",
        radius_m=5000,
        languages=["Polish"],
    )
    moderation_approve(actor=moderator, kind="offer", listing_id=offer.pk)
    base = live_server.url

    # The citizen's list of helpers.
    p = new_context().new_page()
    sign_in(p, base, "margaret@example.org")
    p.goto(base + f"/needs/{need.pk}/")
    pages.check(p, "helpers suggested with what counted against")
    assert p.get_by_text(ordering_sentence("need")).is_visible()
    helpers = p.locator("ol.govuk-list > li")
    assert helpers.count() == 2
    first, second = helpers.nth(0).inner_text(), helpers.nth(1).inner_text()
    assert first.startswith("1. Ola") and "speaks Polish" in first
    # Sam is nearer but second, and his sentence says why.
    assert second.startswith("2. Sam") and "About 1 to 2 km away" in second
    assert "but does not speak Polish" in second

    # The helper's list of needs.
    h = new_context().new_page()
    sign_in(h, base, "sam@example.org")
    h.goto(base + "/helping/needs-near-me/")
    pages.check(h, "needs suggested with what counted against")
    assert h.get_by_text(ordering_sentence("offer")).is_visible()
    item = h.get_by_role("listitem").filter(has_text="A chat on Tuesday afternoons")
    assert "but no shared language (they speak Polish)" in item.inner_text()
