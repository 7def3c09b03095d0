"""Other help nearby: a person whose need no helper can reach, and staff on that need, see the
council directory's services near them — same kind of help first, then nearest, then those
covering the whole area — and nothing when a helper can reach the need."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils.timezone import now

from accounts.services import web_profile_set_role
from directory import services
from directory.selectors import other_help_for_need
from marketplace.models import Need
from tests.directory.oruk_server import FIXTURE
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def _directory(council_admin):
    services.directory_upload(actor=council_admin, content=FIXTURE.read_bytes())


def test_same_kind_first_then_nearest_then_the_whole_area(council_admin, home_council):
    _directory(council_admin)
    # A befriending need near the lunch club (about 1 km north of the centre).
    need = make.need_row(council=home_council, at=make.point_at(0, 0))
    names = [h.service.name for h in other_help_for_need(need=need)]
    # Harrogate is 21 km away: not suggested. Befriending first (it covers the whole area).
    assert names == [
        "Friendly phone calls",
        "Chapeltown lunch club",
        "Headingley library home delivery",
    ]
    found = other_help_for_need(need=need)
    assert found[0].distance == "" and found[1].distance  # in words, a band
    assert "km" in found[1].distance or "mile" in found[1].distance


def test_the_person_sees_other_help_only_when_no_helper_can_reach(
    client, council_admin, home_council
):
    _directory(council_admin)
    need = make.need_row(council=home_council, at=make.point_at(0, 0))
    web_profile_set_role(user=need.owner, role="need", onboarded=True)
    client.force_login(need.owner)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Other help nearby" in page and "Chapeltown lunch club" in page
    assert 'href="https://lunchclub.example.org/"' in page
    assert "Harrogate walking group" not in page
    client.cookies["kith_language"] = "cy"
    assert "Help arall gerllaw" in client.get(f"/needs/{need.pk}/").content.decode()
    client.cookies["kith_language"] = "en-gb"
    make.offer_row(council=home_council, at=make.point_at(200, 0), radius_m=3000)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "Other help nearby" not in page


def test_without_a_directory_nothing_changes(client, home_council):
    need = make.need_row(council=home_council)
    web_profile_set_role(user=need.owner, role="need", onboarded=True)
    client.force_login(need.owner)
    page = client.get(f"/needs/{need.pk}/").content.decode()
    assert "We have not found a helper near you yet." in page
    assert "Other help nearby" not in page


def test_staff_on_an_assisted_need_see_it_too(client, council_admin, home_council):
    _directory(council_admin)
    assistant = make.staff(council=home_council, role="safeguarding_lead")
    person = make.person(council=home_council, email="")
    need = make.need_row(council=home_council, owner=person, at=make.point_at(0, 0))
    Need.objects.filter(pk=need.pk).update(recorded_by=assistant, consent_recorded_at=now())
    client.force_login(assistant)
    answer = client.get(reverse("staff:assisted_need_detail", args=[need.pk]))
    assert answer.status_code == 200
    assert "Chapeltown lunch club" in answer.content.decode()
