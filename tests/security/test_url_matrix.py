"""Authorization matrix: every URL pattern of the project is classified, and each is checked
against the roles that can reach it.

The classification itself is in url_classification.py.

- `test_every_url_pattern_is_classified` walks `get_resolver()` recursively: a URL nobody has
  classified (or a classification whose URL is gone) fails, so each new endpoint must state who
  may use it before it can be merged.
- `test_anonymous_cannot_reach_protected_urls` tries every pattern, with placeholder arguments,
  as someone not signed in, by GET and by POST.
- `test_role_matrix` signs in as each role — citizen owner, another citizen, helper, each staff
  role of the owning council, staff of another council, superuser — and checks the status of
  GET for the routes whose objects it can build (lists, and detail routes of a need, an offer
  and a match belonging to the owner and the helper).
"""

from __future__ import annotations

import pytest
from django.urls import URLResolver, get_resolver

from accounts.models import StaffMembership
from tests.kit import factories as make
from tests.kit import partners as partners_kit
from tests.security.url_classification import (
    ADMIN,
    ADMIN_PREFIX,
    CLASSIFICATION,
    LOGIN,
    PUBLIC,
    STAFF_SAME,
    TOKEN,
    classification,
    concrete,
    project_routes,
)

# --- The tests --------------------------------------------------------------------------------


def test_every_url_pattern_is_classified():
    routes = project_routes()
    unclassified = [r for r in routes if classification(r) is None]
    assert not unclassified, (
        "Classify these URL patterns in tests/security/test_url_matrix.py (who may use them): "
        f"{unclassified}"
    )
    stale = sorted(set(CLASSIFICATION) - set(routes))
    assert not stale, f"These classified URL patterns no longer exist: {stale}"


def _declared_capability(callback) -> str:
    view_class = getattr(callback, "view_class", None)
    return str(
        getattr(callback, "staff_capability", None)
        or getattr(view_class, "required_capability", None)
        or getattr(view_class, "capability", None)
        or ""
    )


def test_staff_routes_declare_the_classified_capability():
    declared = {}

    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern))
            else:
                declared[prefix + str(p.pattern)] = _declared_capability(p.callback)

    walk(get_resolver().url_patterns)
    mismatched = {
        route: (declared[route], access.cap)
        for route, access in CLASSIFICATION.items()
        if route in declared and (access.cap or declared[route]) and declared[route] != access.cap
    }
    assert not mismatched, f"(declared by the view, classified here): {mismatched}"


def _is_login_redirect(response, *, admin: bool = False) -> bool:
    target = "/django-admin/login/" if admin else "/accounts/login/"
    return response.status_code == 302 and response["Location"].startswith(target)


def _refused_to_anonymous(response, *, api: bool) -> bool:
    if api:
        return response.status_code in (401, 403, 405)
    return _is_login_redirect(response) or response.status_code in (403, 405)


@pytest.mark.django_db
@pytest.mark.parametrize("route", project_routes())
def test_anonymous_cannot_reach_protected_urls(client, route):
    access = classification(route)
    assert access is not None, f"unclassified: {route}"
    path = concrete(route)
    api = route.startswith("api/")
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code < 500, (method, path, response.status_code)
        if access.anonymous == LOGIN:
            assert _refused_to_anonymous(response, api=api), (method, path, response.status_code)
        elif access.anonymous == ADMIN:
            assert _is_login_redirect(response, admin=True), (method, path, response.status_code)
        elif access.anonymous in (PUBLIC, TOKEN):
            # Open to anyone; a made-up token or object is "not found" or a clear page.
            assert response.status_code in (200, 301, 302, 400, 401, 403, 404, 405, 410), (
                method,
                path,
                response.status_code,
            )


# --- Role matrix -------------------------------------------------------------------------------


@pytest.fixture
def world(db):
    """Two councils. In the first: a citizen with a need, a helper with an offer, a match
    between them, another citizen, and one staff member per role. A moderator of the second
    council, and a superuser."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from matching.services import match_request

    home = make.council()
    away = make.council(centre=(-2.25, 53.48))
    owner = make.person(council=home)
    need = make.need_row(council=home, owner=owner)
    offer = make.offer_row(council=home)
    match = match_request(citizen=owner, need_id=need.pk, offer_id=offer.pk)
    people = {
        "owner": owner,
        "other_citizen": make.person(council=home),
        "helper": offer.helper,
        "staff_other_council": make.person(council=away, home=make.point_at(origin=(-2.25, 53.48))),
        "superuser": make.person(council=home, is_superuser=True, is_staff=True),
    }
    StaffMembership.objects.create(
        user=people["staff_other_council"], council=away, role="moderator"
    )
    for role in STAFF_SAME:
        people[role] = make.person(council=home)
        StaffMembership.objects.create(user=people[role], council=home, role=role)
    # Staff reach the console, and operators the Django admin, only with an authenticator app
    # (force_login records its code in the session: tests/conftest.py).
    for role in (*STAFF_SAME, "staff_other_council", "superuser"):
        TOTP.activate(people[role], generate_totp_secret())
    # Referrers sign in with their authenticator app too (partners/).
    people["referrer"] = partners_kit.referrer(organisation=partners_kit.organisation(council=home))
    people["other_referrer"] = partners_kit.referrer(
        organisation=partners_kit.organisation(council=home, name="Age Well charity")
    )
    referral = partners_kit.referral(referrer=people["referrer"], phone="07700900777")
    return {"people": people, "need": need, "offer": offer, "match": match, "referral": referral}


def _values(route: str, world) -> dict[str, str]:
    access = classification(route)
    if not access.obj:
        return {}
    pk = str(world[access.obj].pk)
    return {"pk": pk, "need_id": pk, "offer_id": pk, "match_id": pk, "referral_id": pk}


ROLE_ROUTES = sorted(r for r, a in CLASSIFICATION.items() if a.roles) + [ADMIN_PREFIX]


@pytest.mark.parametrize("route", ROLE_ROUTES)
def test_role_matrix(client, world, route):
    """GET `route` as each role (one world per route); every mismatch is reported at once."""
    access = classification(route)
    path = concrete(route, _values(route, world))
    mismatches = []
    for role, expected in access.roles.items():
        expected = expected if isinstance(expected, tuple) else (expected,)
        client.force_login(world["people"][role])
        response = client.get(path)
        if response.status_code not in expected:
            mismatches.append((role, response.status_code, expected, response.get("Location", "")))
        client.logout()
    assert not mismatches, (path, mismatches)
