"""Privacy probe: signed in as one person, walk every API read (routes taken from the OpenAPI
schema, path ids filled with other people's real objects) and every web page the URL
resolver can build, and find none of the other people's exact coordinates, email, phone or
postcode in any body. The owner asking for their own data does find each of them, so the
probe's strings are findable and the check cannot pass vacuously.

A page whose slug names a question takes the names that page accepts: each step of a flow
(the need flow, the offer flow: the steps its `Wizard` saves answers for) and each part of a
listing that can be changed. Every person has a half-finished need and offer in their session
(the offer a meal, so its food question is asked too) while one of them walks the pages."""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern, RoutePattern
from rest_framework.test import APIClient

from core.crypto import decrypt_text
from core.models import AuditEvent
from frontend.views import helping, need_changes, new_offer
from frontend.views.wizard import Wizard
from matching.models import AlertPreference
from matching.rounds import round_run
from privacy.export import person_data_export
from tests.kit.world import CAL_DBS_NUMBER, World, build_world, leaks, secrets_of
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db

PARAM_RE = re.compile(r"\{(\w+)\}")
CONVERTER_RE = re.compile(r"<(?:(\w+):)?(\w+)>")


@pytest.fixture
def world() -> World:
    return build_world()


def _schema_paths(client) -> dict:
    response = client.get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()["paths"]


def _api_ids(path: str, world: World) -> dict[str, list]:
    """Values for each path parameter: real objects, most of them other people's."""
    if path.startswith("/api/v1/needs/"):
        ids = [world.ada_need.pk, world.bea_need.pk, world.completed.need_id]
    elif path.startswith("/api/v1/offers/"):
        ids = [world.cal_offer.pk]
    elif path.startswith("/api/v1/matches/"):
        ids = [world.ada_cal.pk, world.bea_cal.pk, world.completed.pk]
    elif path.startswith("/api/v1/messages/"):
        ids = [world.message.pk]
    elif path.startswith("/api/v1/staff/reports/"):
        ids = [world.report.pk]
    elif path.startswith("/api/v1/staff/rounds/"):
        ids = [world.round_id]
    else:
        ids = [world.ada.pk, world.bea.pk, world.cal.pk]
    tokens = list(AlertPreference.objects.values_list("unsubscribe_token", flat=True))
    return {"id": ids, "pk": ids, "person_id": ids, "slug": ["dog-walking"], "token": tokens}


def _api_urls(path: str, world: World) -> list[str]:
    params = PARAM_RE.findall(path)
    urls = [path]
    values = _api_ids(path, world)
    for name in params:
        assert name in values, f"no values for path parameter {name} in {path}"
        urls = [u.replace("{" + name + "}", str(v)) for u in urls for v in values[name]]
    return urls


QUERIES = {
    "/api/v1/needs/near/": [{}, {"category": "dog-walking", "max_distance_m": "50000"}],
    "/api/v1/offers/near/": [{}, {"category": "dog-walking", "max_distance_m": "50000"}],
    "/api/v1/open/demand/": [{"council": "trust-borough-council"}],
}


def _walk_api(client, world: World, *, protect: list) -> tuple[set[str], list[str]]:
    read = set()
    bodies = []
    for path, operations in _schema_paths(client).items():
        if "get" not in operations or path in ("/api/v1/schema/", "/api/v1/docs/"):
            continue
        for url in _api_urls(path, world):
            for query in QUERIES.get(path, [{}]):
                response = client.get(url, query)
                assert response.status_code < 500, (url, response.status_code)
                body = response.content.decode()
                found = leaks(body, protect)
                assert not found, (url, query, response.status_code, found, body[:500])
                if response.status_code == 200:
                    read.add(path)
                bodies.append(body)
    return read, bodies


def _page_values(world: World) -> dict[str, list]:
    need_ids = [world.ada_need.pk, world.bea_need.pk, world.completed.need_id]
    match_ids = [world.ada_cal.pk, world.bea_cal.pk, world.completed.pk]
    people = [world.ada.pk, world.bea.pk, world.cal.pk]
    return {
        "need_id": need_ids,
        "offer_id": [world.cal_offer.pk],
        "match_id": match_ids,
        # Unknown integer arguments: every kind of object, which covers anything new.
        "int": sorted(
            {*need_ids, *match_ids, *people, world.cal_offer.pk, world.report.pk, world.concern.pk}
        ),
        "kind": ["need", "offer"],
    }


# The parts of a listing its "Change" links lead to, by the name of the page.
CHANGE_PARTS = {
    "need_change": need_changes.CHANGE_FIELDS,
    "offer_change": helping.OFFER_PART_TITLES,
}


def _wizard_of(entry: URLPattern) -> Wizard | None:
    """The flow whose question page `entry` is: a `Wizard` in the view's own module."""
    module = sys.modules.get(getattr(entry.callback, "__module__", ""))
    flows = [w for w in vars(module).values() if isinstance(w, Wizard)] if module else []
    return next((w for w in flows if w.step_view == entry.name), None)


def wizards() -> list[Wizard]:
    """Every flow with a page per question that the URLconf routes to."""
    found = []

    def walk(patterns) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern) and entry.name and _wizard_of(entry):
                found.append(_wizard_of(entry))

    walk(get_resolver().url_patterns)
    return found


def _slug_options(entry: URLPattern, name: str) -> list[str] | None:
    """The names a page's slug accepts: a flow's steps, a listing's changeable parts."""
    if name == "step":
        wizard = _wizard_of(entry)
        assert wizard is not None, f"{entry.name}: a step page with no Wizard in its module"
        return list(wizard.answer_keys)
    if name == "part":
        assert entry.name in CHANGE_PARTS, f"{entry.name}: say in CHANGE_PARTS what it changes"
        return list(CHANGE_PARTS[entry.name])
    return None


def step_paths(wizard: Wizard) -> set[str]:
    return {reverse(wizard.step_view, kwargs={"step": step}) for step in wizard.answer_keys}


def start_drafts(client: Client, person) -> None:
    """A half-finished answer to every flow in `person`'s session: their postcode, and (the
    offer flow asks about food only for meals) a meal."""
    session = client.session
    for wizard in wizards():
        session[wizard.session_key] = {"postcode": person.home_postcode, "meal": True}
    session.save()


def _web_urls(world: World) -> list[str]:
    """Every page the resolver can build with no arguments or simple ones."""
    values = _page_values(world)
    urls: list[str] = []

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            pattern = entry.pattern
            if isinstance(pattern, RoutePattern):
                route = str(pattern)
            elif isinstance(pattern, RegexPattern):
                route = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
                if any(ch in route for ch in "()[]?*+\\"):
                    continue  # regex arguments (Django admin internals, static files)
            else:
                continue
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                full = prefix + route
                candidates = [full]
                for converter, name in CONVERTER_RE.findall(full):
                    token = f"<{converter}:{name}>" if converter else f"<{name}>"
                    slugs = _slug_options(entry, name) if converter == "slug" else None
                    if slugs is not None:
                        options = slugs
                    elif name in values:
                        options = values[name]
                    elif converter == "int":
                        options = values["int"]
                    else:
                        candidates = []  # keys and tokens nobody could guess
                        break
                    candidates = [c.replace(token, str(v)) for c in candidates for v in options]
                urls.extend("/" + c for c in candidates)

    walk(get_resolver().url_patterns, "")
    return sorted(set(urls))


def _walk_pages(client, world: World, *, protect: list, drafts=None) -> tuple[set[str], list[str]]:
    """GET every page; `drafts` (a person) is half-way through every flow on each question
    page (starting a flow, which the walk also does, forgets the answers so far)."""
    shown = set()
    bodies = []
    questions = set().union(*(step_paths(w) for w in wizards()))
    for url in _web_urls(world):
        if url.startswith("/api/") or url in ("/healthz", "/metrics"):
            continue
        if drafts is not None and url in questions:
            start_drafts(client, drafts)
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        body = response.content.decode(errors="replace")
        found = leaks(body, protect)
        assert not found, (url, response.status_code, found)
        if response.status_code == 200:
            shown.add(url)
        bodies.append(body)
    return shown, bodies


def _with_round(world: World) -> World:
    world.round_id = round_run(council=world.council, actor=world.moderator).pk
    return world


@pytest.mark.parametrize("viewer_name", ["ada", "bea", "cal"])
def test_no_api_read_or_page_shows_another_persons_private_details(world, viewer_name):
    world = _with_round(world)
    viewer = getattr(world, viewer_name)
    protect = world.others_than(viewer)

    api = APIClient()
    api.force_authenticate(viewer)
    read, _ = _walk_api(api, world, protect=protect)
    # The walk really read the person-facing endpoints (not just 404s).
    assert {
        "/api/v1/needs/",
        "/api/v1/needs/{id}/",
        "/api/v1/offers/near/",
        "/api/v1/matches/",
        "/api/v1/matches/{id}/",
        "/api/v1/matches/{id}/messages/",
        "/api/v1/me/",
    } <= read

    # Everyone is half-way through recording a need and an offer; the viewer walks theirs.
    for person in (world.ada, world.bea, world.cal):
        owner = Client()
        owner.force_login(person)
        start_drafts(owner, person)
    web = Client()
    web.force_login(viewer)
    shown, bodies = _walk_pages(web, world, protect=protect, drafts=viewer)
    assert len(shown) >= 15
    # Every question page of every flow was shown, the offer flow's own steps among them.
    flows = {w.step_view: step_paths(w) for w in wizards()}
    assert set(flows) == {"need_new_step", "offer_new_step"}, flows
    for view, paths in flows.items():
        assert paths <= shown, (view, sorted(paths - shown))
    assert {"/offers/new/about/", "/offers/new/food/"} <= shown
    # A helper's own offer: every part its "Change" links lead to.
    for offer in viewer.offers.all():
        changes = {
            f"/offers/{offer.pk}/change/{part}/"
            for part in helping.OFFER_PART_TITLES
            # Food is asked only of offers of meals (the page is "not found" for others).
            if part != "food" or offer.category.is_meal
        }
        assert changes <= shown, sorted(changes - shown)
    # Other people do appear on these pages (by display name), just never their details.
    partner = world.cal if viewer != world.cal else world.ada
    assert any(partner.display_name in body for body in bodies)


def test_the_probe_finds_a_persons_details_when_they_ask_for_their_own(world):
    world = _with_round(world)
    for owner in (world.ada, world.bea, world.cal):
        api = APIClient()
        api.force_authenticate(owner)
        web = Client()
        web.force_login(owner)
        bodies = [api.get("/api/v1/me/").content.decode()]
        bodies += [api.get(f"/api/v1/needs/{n.pk}/").content.decode() for n in owner.needs.all()]
        bodies += [api.get(f"/api/v1/offers/{o.pk}/").content.decode() for o in owner.offers.all()]
        bodies += [web.get(url).content.decode() for url in ("/account/", "/account/details/")]
        # Half-way through recording an offer, its "where from" question asks their postcode.
        start_drafts(web, owner)
        place = web.get(reverse(new_offer.OFFER_FLOW.step_view, kwargs={"step": "place"}))
        assert place.status_code == 200
        assert {kind for _, kind, _ in leaks(place.content.decode(), [owner])} >= {"postcode"}
        seen = {kind for _, kind, _ in leaks("\n".join(bodies), [owner])}
        assert seen == set(secrets_of(owner)), (owner.email, seen)


def test_staff_of_the_council_see_exact_details_which_the_probe_recognises(world):
    api = APIClient()
    api.force_authenticate(world.lead)  # who may read people's records
    body = api.get("/api/v1/staff/review/needs/").content.decode()
    body += api.get(f"/api/v1/needs/{world.bea_need.pk}/").content.decode()
    assert {"latitude", "longitude"} <= {kind for _, kind, _ in leaks(body, [world.bea])}


def _every_body(client, world: World) -> list[str]:
    """Every page's body as `client` gets it, streamed ones (CSV exports) too."""
    bodies = []
    for url in _web_urls(world):
        if url.startswith("/api/") or url in ("/healthz", "/metrics"):
            continue
        response = client.get(url)
        assert response.status_code < 500, (url, response.status_code)
        raw = b"".join(response.streaming_content) if response.streaming else response.content
        bodies.append(raw.decode(errors="replace"))
    return bodies


def test_a_whole_dbs_certificate_number_is_never_shown_logged_exported_or_audited(world, caplog):
    """Cal agreed to DBS Update Service checks, so his whole certificate number is kept,
    encrypted. Neither he nor the council's staff ever see it again: no page, no API answer,
    no export, no log line, no audit row."""
    world = _with_round(world)
    stored = HelperCheck.objects.get(pk=world.cal_dbs.pk)
    assert stored.certificate_number_encrypted  # it is kept ...
    assert decrypt_text(stored.certificate_number_encrypted) == CAL_DBS_NUMBER
    bodies = []
    with caplog.at_level(logging.DEBUG):
        for viewer in (world.cal, world.moderator, world.lead, world.admin):
            api = APIClient()
            api.force_authenticate(viewer)
            bodies += _walk_api(api, world, protect=[])[1]
            web = Client()
            web.force_login(viewer)
            bodies += _every_body(web, world)
        bodies.append(json.dumps(person_data_export(user=world.cal), default=str))
    bodies.append(caplog.text)
    bodies += [json.dumps(e.data) for e in AuditEvent.objects.all()]
    assert any("ending 0192" in body for body in bodies)  # ... and its last four are shown
    assert not [
        b for b in bodies if CAL_DBS_NUMBER in b or stored.certificate_number_encrypted in b
    ]


def test_a_whole_dbs_number_typed_into_a_refused_form_is_not_shown_back_or_logged(world, caplog):
    """Staff type a whole certificate number and the form is refused (a date missing, or the
    whole number in the box for its last four, or no consent): the page shown again, the log
    lines of the request and the audit log hold none of it."""
    number = "837465019283"
    helper_email = world.helper.email
    before = HelperCheck.objects.filter(user=world.helper).count()
    web = Client()
    web.force_login(world.moderator)
    refused = []
    with caplog.at_level(logging.DEBUG):
        for typed in (
            # No issue date: refused by the form, with consent and the whole number.
            {"certificate_number": number, "update_service_consent": "on", "issued_on": ""},
            # The whole number where only its last four belong: refused by the service.
            {"certificate_last4": number},
            # The whole number without consent: refused by the service.
            {"certificate_number": number, "certificate_last4": "9283"},
        ):
            response = web.post(
                reverse("staff:checks"),
                {
                    "email": helper_email,
                    "kind": HelperCheck.Kind.DBS_ENHANCED_BARRED,
                    "issued_on": "2026-01-05",
                    "expires_on": "2029-01-05",
                    **typed,
                },
            )
            assert response.status_code == 400, typed
            refused.append(response.content.decode())
    assert HelperCheck.objects.filter(user=world.helper).count() == before
    leaked = [body for body in refused if number in body]
    assert not leaked, "the refused form showed the whole number back"
    assert number not in caplog.text
    assert not [e for e in AuditEvent.objects.all() if number in json.dumps(e.data)]
