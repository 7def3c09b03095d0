"""Council staff see what only staff may see — anywhere in the API and on the web pages — only
with two-factor authentication.

The test walks the URLconf (the helpers of the URL authorization matrix), so an endpoint added
later is covered without anyone listing it here. One member of staff (a council admin, who
holds every capability) reads every GET endpoint of /api/v1/ three times:

1. as staff *without* an authenticator app,
2. as the same person with no staff role at all (an ordinary citizen of the council),
3. as staff *with* an authenticator app.

The council holds things only its staff may see, each carrying a marker word: a need waiting
for review and a rejected need of a person who has nothing public (whose name is a marker
too), an offer waiting for review and a rejected one, an open report, a match that is not
public (its need is matched) with a message, and an open need of someone who blocked the
member of staff. The person also has a draft need, which is theirs alone: no member of staff
reads it, with or without two-factor authentication. Then:

- without two-factor authentication no answer carries any marker, nothing is audited, and
  each endpoint answers exactly what the ordinary citizen gets (the same status and body) or
  the staff tools' 403;
- with it, every endpoint answers 200 (the draft's own path 404) and every marker but the
  draft's is there — so the paths really reach the objects and the first check cannot pass by
  looking in the wrong place.

The web pages outside the staff console are walked the same way (the console has its own
two-factor gate): without an authenticator app no page shows a marker.
"""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import StaffMembership, User
from accounts.permissions import STAFF_MFA_MESSAGE
from accounts.second_factor import has_authenticator, mark_second_factor
from accounts.token_models import PersonalAccessToken
from accounts.tokens import token_digest
from arrangements import services as arrangement_services
from arrangements.models import Arrangement
from core.models import AuditEvent
from directory import feed as oruk_feed
from marketplace import services as market_services
from marketplace.models import Need, Offer
from matching import services as matching_services
from matching.models import StillHelping
from matching.rounds import round_run
from notifications.models import Notification
from safeguarding import reports as safeguarding_reports
from tests.kit import factories as make
from tests.kit import partners as partners_kit
from tests.kit.tokens import api_token
from tests.security.url_classification import concrete
from trust.models import Block

pytestmark = pytest.mark.django_db

MARKERS = {
    "person": "Quillon Marchbanks",
    "pending_need": "Pendlewick shopping trip",
    "draft_need": "Draftmoor form filling",
    "rejected_need": "Rejectavale garden tidy",
    "pending_offer": "Offerwyn weekly chats",
    "rejected_offer": "Refuselby lifts to town",
    "report": "Reportingham worried about this listing",
    "matched_need": "Matchcombe hot dinners",
    "message": "Messagebury see you Thursday",
    "blocked_need": "Blockhurst company on walks",
}

# The staff console has its own two-factor gate (tests/staff_console); allauth's pages, the Django
# admin and the operations endpoints show no council data.
WEB_SKIPPED_PREFIXES = ("api/", "staff/", "accounts/", "django-admin/", "healthz", "metrics")


# --- Walking the URLconf --------------------------------------------------------------------
def _routes(patterns=None, prefix: str = ""):
    """(route, view callback) for every URL pattern of the project."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from _routes(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


def _answers_get(callback) -> bool:
    view_class = getattr(callback, "view_class", None)
    if view_class is None:  # a function view (web pages): try it
        return True
    return hasattr(view_class, "get") and "get" in view_class.http_method_names


def api_get_routes() -> list[str]:
    return sorted(
        route for route, cb in _routes() if route.startswith("api/v1/") and _answers_get(cb)
    )


def web_routes() -> list[str]:
    return sorted({route for route, _ in _routes() if not route.startswith(WEB_SKIPPED_PREFIXES)})


# Which objects fill a route's parameters, by the word the route starts with (after "api/v1/"
# and "staff/"). Each value is a list: the route is read once per object.
PARAMETER_OBJECTS = {
    "needs": ("pk", "needs"),
    "offers": ("pk", "offers"),
    "matches": ("pk", "matches"),
    "messages": ("pk", "messages"),
    "rounds": ("pk", "rounds"),
    "reports": ("pk", "reports"),
    "blocks": ("person_id", "people"),
    "categories": ("slug", "categories"),
    "alerts": ("token", "tokens"),
}
# Web pages name their parameters.
WEB_PARAMETERS = {
    "need_id": "needs",
    "offer_id": "offers",
    "match_id": "matches",
    "message_id": "messages",
    "person_id": "people",
    "step": "slugs",
    "part": "slugs",
    "notification_id": "notifications",
    "arrangement_id": "arrangements",
    "visit_id": "visits",
    "change_id": "changes",
    "question_id": "still_helping",  # "do you still want to help?": its helper's only
    "referral_id": "referrals",
    "token_id": "access_tokens",  # a person's API token: its own person's only
    "code": "languages",  # the English | Cymraeg switch
    "service_id": "oruk_services",  # Kith's Open Referral UK feed: one service per council
}


def _parameters(route: str) -> list[str]:
    return re.findall(r"<(?:\w+:)?(\w+)>", route)


# Query strings a route needs to answer at all.
QUERIES = {
    "api/v1/open/demand/": "?council={council}",
    "api/v1/open/cells/": "?council={council}",
    # Staff who may read a conversation say why.
    "api/v1/matches/<int:pk>/messages/": "?reason=Checking+a+report+about+this+match",
}


def api_paths(route: str, values: dict[str, list[str]]) -> list[str]:
    params = _parameters(route)
    if not params:
        query = QUERIES.get(route, "").format(council=values["council"][0])
        return [concrete(route) + query]
    words = [w for w in route.removeprefix("api/v1/").split("/") if w and w != "staff"]
    name, key = PARAMETER_OBJECTS.get(words[0], (None, None))
    assert params == [name], (
        f"{route}: say in PARAMETER_OBJECTS which staff-only objects fill its parameters"
    )
    return [concrete(route, {name: v}) + QUERIES.get(route, "") for v in values[key]]


def web_paths(route: str, values: dict[str, list[str]]) -> list[str]:
    params = _parameters(route)
    missing = [p for p in params if p not in WEB_PARAMETERS]
    assert not missing, f"{route}: say in WEB_PARAMETERS which objects fill {missing}"
    paths = [{}]
    for p in params:
        paths = [{**d, p: v} for d in paths for v in values[WEB_PARAMETERS[p]]]
    return [concrete(route, d) for d in paths]


# --- The council ------------------------------------------------------------------------------
@pytest.fixture
def world(db):
    council = make.council()
    moderator = make.person(council=council)
    StaffMembership.objects.create(
        user=moderator, council=council, role=StaffMembership.Role.COUNCIL_ADMIN
    )
    TOTP.activate(moderator, generate_totp_secret())
    staff = make.person(council=council, display_name="Sam Staffer")
    StaffMembership.objects.create(
        user=staff, council=council, role=StaffMembership.Role.COUNCIL_ADMIN
    )

    # A person with nothing public: three needs only staff may see.
    person = make.person(
        council=council, home=make.point_at(400, 0), display_name=MARKERS["person"]
    )
    pending_need = make.need_row(council=council, owner=person, status=Need.Status.DRAFT)
    market_services.need_submit(actor=person, need=pending_need)
    draft_need = make.need_row(council=council, owner=person, status=Need.Status.DRAFT)
    rejected_need = make.need_row(council=council, owner=person, status=Need.Status.DRAFT)
    market_services.need_submit(actor=person, need=rejected_need)
    for need, marker in (
        (pending_need, "pending_need"),
        (draft_need, "draft_need"),
        (rejected_need, "rejected_need"),
    ):
        Need.objects.filter(pk=need.pk).update(title=MARKERS[marker])
    market_services.moderation_reject(
        actor=moderator, kind="need", listing_id=rejected_need.pk, reason="Not for us."
    )

    pending_offer = make.offer_row(
        council=council, at=make.point_at(0, 500), status=Offer.Status.PENDING_REVIEW
    )
    rejected_offer = make.offer_row(
        council=council, at=make.point_at(0, 600), status=Offer.Status.PENDING_REVIEW
    )
    for offer, marker in ((pending_offer, "pending_offer"), (rejected_offer, "rejected_offer")):
        Offer.objects.filter(pk=offer.pk).update(title=MARKERS[marker])
    market_services.moderation_reject(
        actor=moderator, kind="offer", listing_id=rejected_offer.pk, reason="Not for us."
    )

    # A public need, which the person reports (reports are for staff only).
    public_need = make.need_row(council=council, at=make.point_at(-300, 0))
    report = safeguarding_reports.report_create(
        reporter=person, target_type="need", target_id=public_need.pk, reason=MARKERS["report"]
    )

    # A match nobody else may see (its need is matched, so no longer listed), with a message.
    matched_need = make.need_row(council=council, at=make.point_at(0, -700))
    Need.objects.filter(pk=matched_need.pk).update(title=MARKERS["matched_need"])
    offer = make.offer_row(council=council, at=make.point_at(200, -700))
    match = matching_services.match_request(
        citizen=matched_need.owner, need_id=matched_need.pk, offer_id=offer.pk
    )
    matching_services.match_accept(user=offer.helper, match_id=match.pk)
    message = matching_services.message_send(
        user=matched_need.owner, match_id=match.pk, body=MARKERS["message"]
    )
    matched_need.refresh_from_db()
    assert matched_need.status == Need.Status.MATCHED
    # Its arrangement, a visit and a change asked of the helper: the two people's only.
    arrangement = Arrangement.objects.get(match=match)
    visit = arrangement.visits.order_by("starts_at").first()
    change = arrangement_services.change_ask(
        user=matched_need.owner,
        arrangement_id=arrangement.pk,
        kind="change_time",
        new_weekday=1,
        new_start=dt.time(15),
        new_end=dt.time(16),
    )

    # The member of staff's own match, as a citizen: theirs with or without two-factor.
    own_need = make.need_row(council=council, owner=staff, at=make.point_at(600, -300))
    own_offer = make.offer_row(council=council, at=make.point_at(700, -300))
    own_match = matching_services.match_request(
        citizen=staff, need_id=own_need.pk, offer_id=own_offer.pk
    )

    # An open need of someone who blocked the member of staff.
    blocked_need = make.need_row(council=council, at=make.point_at(-600, 300))
    Need.objects.filter(pk=blocked_need.pk).update(title=MARKERS["blocked_need"])
    Block.objects.create(blocker=blocked_need.owner, blocked=staff)

    rnd = round_run(council=council)
    values = {
        "needs": [str(n.pk) for n in (pending_need, draft_need, rejected_need, blocked_need)],
        "offers": [str(pending_offer.pk), str(rejected_offer.pk)],
        "matches": [str(match.pk)],
        "messages": [str(message.pk)],
        "arrangements": [str(arrangement.pk)],
        "visits": [str(visit.pk)],
        "changes": [str(change.pk)],
        "still_helping": [
            str(
                StillHelping.objects.create(
                    council=council, helper=offer.helper, asked_at=timezone.now()
                ).pk
            )
        ],
        # A partner organisation's referral (partners/): its referrer's page only.
        "referrals": [
            str(
                partners_kit.referral(
                    referrer=partners_kit.referrer(
                        organisation=partners_kit.organisation(council=council)
                    ),
                    phone="07700900888",
                ).pk
            )
        ],
        "rounds": [str(rnd.pk)],
        "reports": [str(report.pk)],
        "people": [str(person.pk)],
        "categories": ["befriending"],
        "tokens": ["no-such-token"],
        "access_tokens": [
            str(PersonalAccessToken.objects.get(digest=token_digest(api_token(person))).pk)
        ],
        "slugs": ["details"],
        "languages": ["cy"],
        "oruk_services": [oruk_feed.service_id(council)],
        "council": [council.slug],
        # What Kith told the person (their rejected listings): theirs only.
        "notifications": [
            str(pk)
            for pk in Notification.objects.filter(person=person, channel="kith").values_list(
                "pk", flat=True
            )
        ],
    }
    assert values["notifications"]
    return {
        "council": council,
        "staff": staff,
        "values": values,
        "draft_need": draft_need,
        "person": person,
        "match": match,
        "own_match": own_match,
    }


def _fresh(user: User) -> User:
    """The user as a new request sees them (no cached staff membership), signed in with every
    factor their account has: with an authenticator app, its code was entered in this session
    (`accounts.second_factor`; tests/security/test_staff_second_factor.py tests sessions that
    did not)."""
    fresh = User.objects.get(pk=user.pk)
    mark_second_factor(fresh, used=has_authenticator(fresh))
    return fresh


def _markers_in(body: bytes) -> set[str]:
    text = body.decode("utf-8", "replace")
    return {key for key, marker in MARKERS.items() if marker in text}


def _read_api(user: User, paths: list[str]) -> dict[str, tuple[int, bytes]]:
    client = APIClient()
    client.force_authenticate(_fresh(user))
    return {path: _answer(client.get(path)) for path in paths}


_PER_RESPONSE = re.compile(rb'(nonce|csrfmiddlewaretoken" value)="[^"]*"')


def _answer(response) -> tuple[int, bytes]:
    """Status and body, without what differs on every response (CSP nonces, CSRF tokens)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response.status_code, _PER_RESPONSE.sub(rb'\1=""', body)


def _is_staff_refusal(answer: tuple[int, bytes]) -> bool:
    status, body = answer
    return status == 403 and json.loads(body).get("detail") == STAFF_MFA_MESSAGE


def _as_citizen(staff: User):
    """Take away the staff role (and give it back)."""
    membership = StaffMembership.objects.get(user=staff)
    role, council = membership.role, membership.council
    membership.delete()
    return lambda: StaffMembership.objects.create(user=staff, council=council, role=role)


# "me/" is the person's own account, and "me/export/" all their own data: both name their own
# staff role, with or without MFA.
OWN_ACCOUNT = {"/api/v1/me/", "/api/v1/me/export/"}
# A made-up token: nobody's alerts, so "not found" whoever asks.
NOT_STAFF_OBJECTS = {"/api/v1/alerts/unsubscribe/no-such-token/"}
# Lists for everyone that hold the person's own things: never the staff tools' 403 (staff
# without two-factor authentication get what they would get as a citizen).
FOR_EVERYONE = {"/api/v1/matches/", "/api/v1/needs/", "/api/v1/offers/"}


def test_every_api_read_hides_staff_only_things_without_two_factor(world):
    staff = world["staff"]
    paths = [p for route in api_get_routes() for p in api_paths(route, world["values"])]
    assert len(paths) > 25, paths  # the walk found the API

    audits_before = AuditEvent.objects.filter(actor=staff).count()
    without = _read_api(staff, paths)
    assert AuditEvent.objects.filter(actor=staff).count() == audits_before, "a read was audited"

    restore = _as_citizen(staff)
    citizen = _read_api(staff, paths)
    restore()

    TOTP.activate(_fresh(staff), generate_totp_secret())
    with_mfa = _read_api(staff, paths)

    leaks = {p: _markers_in(body) for p, (_, body) in without.items() if _markers_in(body)}
    assert not leaks, f"staff without two-factor authentication saw: {leaks}"

    not_as_citizen = {
        path: (without[path][0], citizen[path][0], without[path][1][:200])
        for path in paths
        if path not in OWN_ACCOUNT
        and without[path] != citizen[path]
        and not _is_staff_refusal(without[path])
    }
    assert not not_as_citizen, (
        "without two-factor authentication, answer as to any citizen or refuse with the staff "
        f"tools' message: {not_as_citizen}"
    )
    refused_lists = {p for p in FOR_EVERYONE if _is_staff_refusal(without[p])}
    assert not refused_lists, f"lists for everyone refused without two-factor: {refused_lists}"
    # Their own match is in their list without two-factor authentication, the council's is not.
    listed = [m["id"] for m in json.loads(without["/api/v1/matches/"][1])["results"]]
    assert listed == [world["own_match"].pk], listed
    listed = {m["id"] for m in json.loads(with_mfa["/api/v1/matches/"][1])["results"]}
    assert {world["own_match"].pk, world["match"].pk} <= listed, listed
    me = json.loads(without["/api/v1/me/"][1])
    assert me["staff_role"] == StaffMembership.Role.COUNCIL_ADMIN

    refused = {
        path: status for path, (status, _) in with_mfa.items() if status != 200
    }.keys() - NOT_STAFF_OBJECTS
    draft_path = f"/api/v1/needs/{world['draft_need'].pk}/"
    assert refused == {draft_path}, {p: with_mfa[p][0] for p in refused}
    assert with_mfa[draft_path][0] == 404
    seen = set().union(*(_markers_in(body) for _, body in with_mfa.values()))
    expected = set(MARKERS) - {"draft_need"}
    assert seen == expected, f"with two-factor authentication: {seen ^ expected}"


def test_staff_only_endpoints_answer_the_staff_tools_message(world):
    """Where an endpoint is for staff only, staff without an authenticator app are told why."""
    staff = world["staff"]
    paths = [
        p
        for route in api_get_routes()
        if route.startswith("api/v1/staff/")
        for p in api_paths(route, world["values"])
    ]
    assert paths
    answers = _read_api(staff, paths)
    assert all(_is_staff_refusal(a) for a in answers.values()), {
        p: a[0] for p, a in answers.items()
    }


def test_a_need_only_staff_may_see_is_not_found_without_two_factor(world):
    """The brief's case: /api/v1/needs/<id>/ of a pending need of their own council."""
    staff = world["staff"]
    pending, *_ = world["values"]["needs"]
    offer = world["values"]["offers"][0]
    client = APIClient()
    client.force_authenticate(_fresh(staff))
    assert client.get(f"/api/v1/needs/{pending}/").status_code == 404
    assert client.get(f"/api/v1/offers/{offer}/").status_code == 404
    TOTP.activate(_fresh(staff), generate_totp_secret())
    client.force_authenticate(_fresh(staff))
    need = client.get(f"/api/v1/needs/{pending}/")
    assert need.status_code == 200
    assert need.json()["status"] == Need.Status.PENDING_REVIEW
    assert "location" in need.json()  # the staff view, with the exact place (audited)
    assert AuditEvent.objects.filter(actor=staff, verb="need.viewed").count() == 1


def test_an_open_need_shows_only_its_public_fields_without_two_factor(world):
    council, staff = world["council"], world["staff"]
    need = make.need_row(council=council, at=make.point_at(100, 100))
    client = APIClient()
    client.force_authenticate(_fresh(staff))
    body = client.get(f"/api/v1/needs/{need.pk}/").json()
    assert "location" not in body and "postcode" not in body and "status" not in body
    assert not AuditEvent.objects.filter(actor=staff, verb="need.viewed").exists()


def test_reporting_or_blocking_any_person_of_the_council_needs_two_factor(world):
    """Staff may report or block any person of their council; without an authenticator app,
    only people whose listings they can see (the person here has nothing public)."""
    staff, person = world["staff"], world["person"]
    client = APIClient()
    client.force_authenticate(_fresh(staff))
    report = {"target_type": "person", "target_id": person.pk, "reason": "Please look."}
    assert client.post("/api/v1/reports/", report, format="json").status_code == 404
    block = client.post("/api/v1/blocks/", {"person_id": person.pk}, format="json")
    assert block.status_code == 404
    assert MARKERS["person"] not in block.content.decode()
    TOTP.activate(_fresh(staff), generate_totp_secret())
    client.force_authenticate(_fresh(staff))
    assert client.post("/api/v1/reports/", report, format="json").status_code == 201


def test_changing_someone_elses_need_needs_two_factor(world):
    """Staff keep needs they recorded for a person up to date: a staff action (403)."""
    council, staff = world["council"], world["staff"]
    need = make.need_row(council=council, at=make.point_at(100, 100))
    Need.objects.filter(pk=need.pk).update(recorded_by=staff)
    client = APIClient()
    client.force_authenticate(_fresh(staff))
    change = {"version": need.version, "title": "Changed by staff"}
    for method, path, data in (
        ("patch", f"/api/v1/needs/{need.pk}/", change),
        ("post", f"/api/v1/needs/{need.pk}/submit/", {}),
        ("post", f"/api/v1/needs/{need.pk}/withdraw/", {}),
    ):
        response = getattr(client, method)(path, data, format="json")
        assert _is_staff_refusal(_answer(response)), (path, response.status_code)
    need.refresh_from_db()
    assert need.title != "Changed by staff" and need.status == Need.Status.OPEN
    TOTP.activate(_fresh(staff), generate_totp_secret())
    client.force_authenticate(_fresh(staff))
    response = client.patch(f"/api/v1/needs/{need.pk}/", change, format="json")
    assert response.status_code == 200, response.content


def test_a_staff_member_keeps_their_own_need_without_two_factor(world):
    council, staff = world["council"], world["staff"]
    own = make.need_row(council=council, owner=staff, status=Need.Status.DRAFT)
    client = APIClient()
    client.force_authenticate(_fresh(staff))
    assert client.get(f"/api/v1/needs/{own.pk}/").json()["status"] == Need.Status.DRAFT
    response = client.patch(
        f"/api/v1/needs/{own.pk}/", {"version": own.version, "title": "Mine"}, format="json"
    )
    assert response.status_code == 200, response.content


def test_web_pages_hide_staff_only_things_without_two_factor(world):
    """Outside the staff console, a member of staff without an authenticator app sees no
    listing, report, person or conversation only staff may see (e.g. the helper's page of a
    need waiting for review); with one, the same pages show their council's needs."""
    staff = world["staff"]
    paths = [p for route in web_routes() for p in web_paths(route, world["values"])]
    client = Client()
    client.force_login(_fresh(staff))
    leaks = {}
    for path in paths:
        status, body = _answer(client.get(path))
        assert status < 500, path
        if _markers_in(body):
            leaks[path] = _markers_in(body)
    assert not leaks, f"staff without two-factor authentication saw: {leaks}"
    pending = world["values"]["needs"][0]
    assert client.get(f"/helping/needs/{pending}/").status_code == 404

    TOTP.activate(_fresh(staff), generate_totp_secret())
    client.force_login(_fresh(staff))
    page = client.get(f"/helping/needs/{pending}/")
    assert page.status_code == 200
    assert MARKERS["pending_need"] in page.content.decode()
