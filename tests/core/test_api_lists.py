"""How API lists page (config.pagination): by cursor on lists that grow (matches, messages),
by page number on the others, every list bounded, too-large limits and bad cursors refused
with a problem naming the parameter, and `updated_after` for syncing."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Need
from matching import services
from matching.models import Message
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def _follow(client, link: str | None):
    assert link is not None
    parts = urlsplit(link)
    return client.get(f"{parts.path}?{parts.query}")


def _refused(response, parameter: str, code: str) -> None:
    assert response.status_code == 400, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert [(e["field"], e["location"], e["code"]) for e in body["errors"]] == [
        (parameter, "query", code)
    ]


@pytest.fixture
def helper_with_matches(mcouncil):
    """A helper with one offer and five proposed matches, one per need, oldest first."""
    offer = make.offer_row(council=mcouncil, capacity=10)
    matches = [_propose(mcouncil, offer) for _ in range(5)]
    return offer.helper, offer, matches


def _propose(council, offer):
    need = make.need_row(council=council, at=make.point_at(500, 0))
    return services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)


def test_a_cursor_walk_with_rows_added_between_pages_loses_and_repeats_nothing(
    mcouncil, helper_with_matches
):
    helper, offer, matches = helper_with_matches
    api = client_for(helper)
    first = api.get("/api/v1/matches/?limit=2")
    body = first.json()
    assert set(body) == {"next", "previous", "results"}
    assert body["previous"] is None
    seen = _ids(first)
    newest_first = [m.pk for m in reversed(matches)]
    assert seen == newest_first[:2]
    # New matches arrive while the person pages: they are at the head, already passed.
    added = [_propose(mcouncil, offer) for _ in range(2)]
    page = _follow(api, body["next"])
    seen += _ids(page)
    while page.json()["next"]:
        page = _follow(api, page.json()["next"])
        seen += _ids(page)
    assert seen == newest_first
    # A fresh walk starts with them.
    assert _ids(api.get("/api/v1/matches/?limit=2")) == [added[1].pk, added[0].pk]


def test_previous_goes_back_to_the_same_rows(helper_with_matches):
    helper, _offer, matches = helper_with_matches
    api = client_for(helper)
    first = api.get("/api/v1/matches/?limit=2")
    second = _follow(api, first.json()["next"])
    back = _follow(api, second.json()["previous"])
    assert _ids(back) == _ids(first)
    assert back.json()["next"] is not None
    assert back.json()["previous"] is None
    assert parse_qs(urlsplit(second.json()["next"]).query)["limit"] == ["2"]
    assert len(matches) == 5 and second.json()["next"] is not None


def test_limits_are_bounded_and_too_large_is_refused(helper_with_matches):
    api = client_for(helper_with_matches[0])
    assert len(_ids(api.get("/api/v1/matches/"))) == 5
    assert len(_ids(api.get("/api/v1/matches/?limit=100"))) == 5
    _refused(api.get("/api/v1/matches/?limit=101"), "limit", "max_value")
    _refused(api.get("/api/v1/matches/?limit=0"), "limit", "min_value")
    _refused(api.get("/api/v1/matches/?limit=lots"), "limit", "invalid")
    _refused(api.get("/api/v1/matches/?cursor=not-a-cursor"), "cursor", "invalid")


def test_page_lists_have_a_page_envelope_and_bounded_pages(helper_with_matches):
    helper = helper_with_matches[0]
    api = client_for(helper)
    body = api.get("/api/v1/offers/").json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] == 1
    _refused(api.get("/api/v1/offers/?page_size=101"), "page_size", "max_value")
    _refused(api.get("/api/v1/offers/?page=2"), "page", "page_out_of_range")
    _refused(api.get("/api/v1/offers/?page=0"), "page", "min_value")


def test_rankings_refuse_more_than_their_limit_instead_of_cutting(helper_with_matches):
    _helper, offer, _ = helper_with_matches
    api = client_for(offer.helper)
    assert api.get(f"/api/v1/offers/{offer.pk}/matches/?limit=25").status_code == 200
    _refused(api.get(f"/api/v1/offers/{offer.pk}/matches/?limit=26"), "limit", "max_value")


def test_updated_after_returns_changes_oldest_first_for_syncing(mcouncil):
    owner = make.person(council=mcouncil)
    needs = [make.need_row(council=mcouncil, owner=owner) for _ in range(3)]
    base = timezone.now() - dt.timedelta(hours=1)
    for minutes, need in zip((30, 10, 20), needs, strict=True):
        Need.objects.filter(pk=need.pk).update(updated_at=base + dt.timedelta(minutes=minutes))
    api = client_for(owner)
    since = (base + dt.timedelta(minutes=15)).isoformat()
    synced = api.get("/api/v1/needs/", {"updated_after": since, "limit": 1})
    assert _ids(synced) == [needs[2].pk]
    rest = _follow(api, synced.json()["next"])
    assert _ids(rest) == [needs[0].pk]
    assert rest.json()["next"] is None
    # A change made while someone syncs comes after what they have read.
    Need.objects.filter(pk=needs[1].pk).update(updated_at=timezone.now())
    assert _ids(api.get("/api/v1/needs/", {"updated_after": since})) == [
        needs[2].pk,
        needs[0].pk,
        needs[1].pk,
    ]
    _refused(api.get("/api/v1/needs/?updated_after=yesterday"), "updated_after", "invalid")
    _refused(
        api.get("/api/v1/needs/?updated_after=2026-01-01T00:00:00"), "updated_after", "invalid"
    )
    # An offset of a day and a time past the calendar's end once in UTC are times that are not
    # times: refused as such, on every list that syncs.
    for nonsense in (
        "2026-01-01T00:00:00+16:00",
        "2026-01-01T00:00:00-23:59",
        "0001-01-01T00:00:00+15:00",
        "9999-12-31T23:00:00-15:00",
        "2026-02-30T00:00:00Z",
    ):
        for url in ("/api/v1/needs/", "/api/v1/offers/", "/api/v1/matches/"):
            _refused(api.get(url, {"updated_after": nonsense}), "updated_after", "invalid")
    # The largest offset PostgreSQL stores is read as the same instant.
    ahead = (base + dt.timedelta(minutes=15)).astimezone(dt.timezone(dt.timedelta(hours=15)))
    assert _ids(api.get("/api/v1/needs/", {"updated_after": ahead.isoformat()})) == [
        needs[2].pk,
        needs[0].pk,
        needs[1].pk,
    ]


def test_a_page_numbered_list_refuses_limit_and_cursor_without_updated_after(mcouncil):
    owner = make.person(council=mcouncil)
    make.need_row(council=mcouncil, owner=owner)
    api = client_for(owner)
    for query in ("limit=-1", "limit=5", "cursor=abc"):
        name = query.split("=")[0]
        _refused(api.get(f"/api/v1/needs/?{query}"), name, "needs_updated_after")
    assert api.get("/api/v1/needs/?page_size=5").status_code == 200


@override_settings(KITH_MESSAGE_FLOOD_LIMIT="100/10min")
def test_messages_page_by_cursor_and_new_messages_come_at_the_end(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil, at=make.point_at(800, 0))
    match = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    services.match_accept(user=need.owner, match_id=match.pk)
    for n in range(5):
        services.message_send(user=need.owner, match_id=match.pk, body=f"Message {n}")
    api = client_for(offer.helper)
    url = f"/api/v1/matches/{match.pk}/messages/"
    page = api.get(url, {"limit": 2})
    bodies = [m["body"] for m in page.json()["results"]]
    services.message_send(user=offer.helper, match_id=match.pk, body="A reply")
    while page.json()["next"]:
        page = _follow(api, page.json()["next"])
        bodies += [m["body"] for m in page.json()["results"]]
    assert bodies == [*(f"Message {n}" for n in range(5)), "A reply"]
    assert Message.objects.filter(match=match).count() == 6
    since = Message.objects.get(body="Message 2").created_at.isoformat()
    later = api.get(url, {"updated_after": since}).json()["results"]
    assert [m["body"] for m in later] == ["Message 3", "Message 4", "A reply"]
