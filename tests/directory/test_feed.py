"""Kith's Open Referral UK feed (`/oruk/`): valid against the UK profile's definitions (our
schema file), one service per active council, open to any web page, cached, and about no
person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource

from directory import feed
from marketplace.models import Category, CouncilCategory
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

SCHEMA = json.loads(Path(__file__).with_name("oruk_uk_profile.schema.json").read_text())


def _validator(definition: str) -> Draft202012Validator:
    registry = Registry().with_resource("urn:oruk", Resource.from_contents(SCHEMA))
    return Draft202012Validator(
        {"$ref": f"urn:oruk#/$defs/{definition}"},
        registry=registry,
        format_checker=FormatChecker(),
    )


def _valid(definition: str, document) -> None:
    errors = sorted(_validator(definition).iter_errors(document), key=str)
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def test_the_schema_refuses_what_the_profile_refuses():
    """The schema file is not a rubber stamp: a service without its url, with a status the
    profile does not know, or with a non-UUID id fails."""
    good = {
        "id": "0b8c3a52-3c1e-4d0e-9a57-1f6f3f0a0001",
        "name": "A service",
        "status": "active",
        "url": "https://example.org/",
    }
    _valid("service_list", good)
    for bad in (
        {k: v for k, v in good.items() if k != "url"},
        {**good, "status": "open"},
        {**good, "id": "42"},
        {**good, "phones": []},
    ):
        assert list(_validator("service_list").iter_errors(bad))


def test_the_feed_is_valid_and_lists_each_active_council_once(client):
    leeds = make.council(
        name="Leeds City Council", code="E08000035", contact_email="help@leeds.example.gov.uk"
    )
    make.other_council()
    closed = make.council(name="Closed Council", code="E09999999", is_active=False)
    root = client.get("/oruk/")
    assert root.status_code == 200
    _valid("api_root", root.json())
    page = client.get("/oruk/services")
    _valid("page", page.json())
    ids = [s["id"] for s in page.json()["contents"]]
    assert feed.service_id(leeds) in ids and feed.service_id(closed) not in ids
    assert len(ids) == len(set(ids)) == 2
    full = client.get(f"/oruk/services/{feed.service_id(leeds)}")
    assert full.status_code == 200
    _valid("service", full.json())
    body = full.json()
    assert body["organization"]["name"] == "Leeds City Council"
    assert body["email"] == "help@leeds.example.gov.uk"
    assert {lang["code"] for lang in body["languages"]} == {"en", "cy"}
    # Ids do not change from one answer to the next.
    assert client.get(f"/oruk/services/{feed.service_id(leeds)}").json() == body


def test_kinds_of_help_are_taxonomy_terms_and_follow_the_councils_switches(client):
    council = make.council(code="E08000035")
    make.category("befriending")
    shopping = make.category("shopping")
    CouncilCategory.objects.create(council=council, category=shopping, enabled=False)
    body = client.get(f"/oruk/services/{feed.service_id(council)}").json()
    terms = {a["taxonomy_term"]["term"] for a in body["attributes"]}
    assert Category.objects.get(slug="befriending").name in terms
    assert shopping.name not in terms
    one = body["attributes"][0]["taxonomy_term_id"]
    listed = client.get("/oruk/services", {"taxonomy_term_id": one}).json()["contents"]
    assert [s["id"] for s in listed] == [feed.service_id(council)]


def test_open_to_any_page_cached_and_conditional(client):
    council = make.council()
    url = f"/oruk/services/{feed.service_id(council)}"
    first = client.get(url)
    assert first["Access-Control-Allow-Origin"] == "*"
    assert "max-age=3600" in first["Cache-Control"] and "public" in first["Cache-Control"]
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_pages_and_nonsense(client):
    for code in ("E00000001", "E00000002", "E00000003"):
        make.council(code=code, slug=code.lower(), name=f"Council {code}")
    second = client.get("/oruk/services", {"page": 2, "per_page": 2}).json()
    assert (second["page_number"], second["size"], second["total_items"]) == (2, 1, 3)
    assert second["last_page"] and not second["first_page"] and second["total_pages"] == 2
    for bad in ({"page": "0"}, {"page": "x"}, {"per_page": "-1"}, {"per_page": "101"}):
        answer = client.get("/oruk/services", bad)
        assert answer.status_code == 400
        assert answer.json()["detail"]
    missing = client.get("/oruk/services/0b8c3a52-3c1e-4d0e-9a57-1f6f3f0a0001")
    assert missing.status_code == 404 and missing["Access-Control-Allow-Origin"] == "*"
    assert client.post("/oruk/services").status_code == 405


def test_the_feed_says_nothing_about_people(client):
    council = make.council()
    need = make.need_row(council=council)
    make.offer_row(council=council)
    text = client.get(f"/oruk/services/{feed.service_id(council)}").content.decode()
    text += client.get("/oruk/services").content.decode()
    assert need.owner.email not in text and need.title not in text
    assert "latitude" not in text and "POINT" not in text
