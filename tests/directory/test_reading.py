"""Reading a council's Open Referral UK directory: from its API through Kith's real HTTP
client (a local ORUK server, tests/directory/oruk_server.py) or from an uploaded file; only
active services, organisations' details and never named contacts; a failed read keeps what
was read before and says why; the address must be public HTTPS."""

from __future__ import annotations

import json

import pytest

from core.errors import ApplicationError
from core.models import AuditEvent
from directory import oruk, services
from directory.models import DirectorySource, OtherService
from tests.directory.oruk_server import FIXTURE, OrukServer, fixture_services
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def private_hosts(settings):
    settings.KITH_DIRECTORY_ALLOW_PRIVATE_HOSTS = True


def test_read_from_an_api_follows_pages_and_keeps_active_services(
    council_admin, home_council, private_hosts
):
    with OrukServer() as server:
        services.directory_address_set(actor=council_admin, url=server.url)
        assert services.directory_refresh(council_id=home_council.pk) == 4
    # Three pages of two, then each service in full.
    assert sum(r.startswith("/api/services?") for r in server.requests) == 3
    stored = {s.name: s for s in OtherService.objects.filter(council=home_council)}
    assert set(stored) == {
        "Chapeltown lunch club",
        "Friendly phone calls",
        "Headingley library home delivery",
        "Harrogate walking group",
    }
    lunch = stored["Chapeltown lunch club"]
    assert lunch.organisation == "Chapeltown Community Trust"
    assert lunch.place == "Chapeltown Community Centre, 1 Reginald Terrace, Leeds, LS7 3EZ"
    assert (round(lunch.point.x, 4), round(lunch.point.y, 4)) == (-1.55, 53.809)
    assert lunch.terms == ["meals"]
    assert stored["Headingley library home delivery"].phone == "0113 496 0003"
    assert stored["Friendly phone calls"].point is None
    # The named contact of the lunch club is nowhere.
    assert not OtherService.objects.filter(description__contains="Ann Example").exists()
    source = DirectorySource.objects.get(council=home_council)
    assert (source.state, source.services_read) == ("read", 4)
    read = AuditEvent.objects.get(verb="directory.read")
    assert read.data["left_out"] == {"not active": 1}


def test_a_second_read_replaces_the_first(council_admin, home_council, private_hosts):
    with OrukServer() as server:
        services.directory_address_set(actor=council_admin, url=server.url)
        services.directory_refresh(council_id=home_council.pk)
        first_id = OtherService.objects.get(name="Friendly phone calls").pk
        server.services = [s for s in fixture_services() if s["name"] != "Harrogate walking group"]
        server.services[1]["name"] = "Friendly phone calls (weekly)"
        assert services.directory_refresh(council_id=home_council.pk) == 3
    names = set(OtherService.objects.values_list("name", flat=True))
    assert "Harrogate walking group" not in names
    assert OtherService.objects.get(pk=first_id).name == "Friendly phone calls (weekly)"


def test_a_failed_read_keeps_the_services_read_before_and_says_why(
    council_admin, home_council, private_hosts
):
    with OrukServer() as server:
        services.directory_address_set(actor=council_admin, url=server.url)
        services.directory_refresh(council_id=home_council.pk)
        server.broken = True
        assert services.directory_refresh(council_id=home_council.pk) is None
    source = DirectorySource.objects.get(council=home_council)
    assert source.state == "failed"
    assert "HTTPError" in source.problem and "try again tonight" in source.problem
    assert OtherService.objects.filter(council=home_council).count() == 4
    # The server is gone altogether: the same.
    assert services.directory_refresh(council_id=home_council.pk) is None
    assert "ConnectionError" in DirectorySource.objects.get(council=home_council).problem


def test_an_uploaded_file_is_read_and_nonsense_refused_with_nothing_changed(
    council_admin, home_council
):
    assert services.directory_upload(actor=council_admin, content=FIXTURE.read_bytes()) == 4
    for content in (b"not json", json.dumps({"hello": "world"}).encode(), b"\xff\xfe"):
        with pytest.raises(ApplicationError):
            services.directory_upload(actor=council_admin, content=content)
    assert OtherService.objects.filter(council=home_council).count() == 4
    one = json.dumps(fixture_services()[1]).encode()
    assert services.directory_upload(actor=council_admin, content=one) == 1


def test_only_a_council_admin_of_the_council_sets_its_directory(moderator, home_council):
    with pytest.raises(ApplicationError):
        services.directory_upload(actor=moderator, content=FIXTURE.read_bytes())
    assert not OtherService.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "http://directory.example.org/api/",  # not HTTPS
        "https://127.0.0.1/api/",
        "https://10.1.2.3/api/",
        "https://[::1]/api/",
        "https://169.254.169.254/latest/",
        "ftp://example.org/",
        "https://",
    ],
)
def test_the_address_must_be_public_https(url):
    with pytest.raises(ApplicationError):
        oruk.check_address(url)


def test_entries_that_are_not_services_are_left_out():
    reading = oruk.read_document(
        [
            {"id": "a", "name": "Fine", "status": "active", "url": "javascript:alert(1)"},
            {"id": "", "name": "No id"},
            {"name": "No id at all"},
            "a string",
            {"id": 7, "name": "Numbered", "email": "not an email"},
            {
                "id": "b",
                "name": "Off the map",
                "service_at_locations": [{"location": {"latitude": 123, "longitude": 0}}],
            },
        ]
    )
    assert [s.name for s in reading.services] == ["Fine", "Numbered", "Off the map"]
    fine, numbered, off = reading.services
    assert fine.url == "" and numbered.email == "" and numbered.source_id == "7"
    assert off.latitude is None
    assert reading.left_out == {"no id or name": 2, "not a service": 1}


def test_a_directory_in_another_council_is_its_own(council_admin, home_council):
    services.directory_upload(actor=council_admin, content=FIXTURE.read_bytes())
    other = make.other_council()
    assert not OtherService.objects.filter(council=other).exists()
