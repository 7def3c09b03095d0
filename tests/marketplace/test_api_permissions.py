"""Permission matrix: every marketplace endpoint × every kind of caller → expected status.

Roles: anonymous, the owner of the listings, another citizen, a helper, a moderator of the
same council, a moderator of another council, and a council admin of the same council.
"Not yours" and "not there" are both 404, so nobody learns that a hidden record exists.
"""

import pytest
from django.db import transaction
from rest_framework.test import APIClient

from marketplace import api_urls
from tests.kit.world import OWNER_LAT, OWNER_LON, build_world

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "owner", "other", "helper", "staff", "away_staff", "admin"]

NEED = {
    "category": "dog-walking",
    "title": "Walk my dog",
    "description": "A friendly dog.",
    "location": {"lat": OWNER_LAT, "lon": OWNER_LON},
}
OFFER = {**NEED, "radius_m": 2000}

# (name, method, url template, body, expected statuses in ROLES order)
MATRIX = [
    ("categories", "get", "categories/", None, [401, 200, 200, 200, 200, 200, 200]),
    ("my needs", "get", "needs/", None, [401, 200, 200, 200, 200, 200, 200]),
    ("create need", "post", "needs/", NEED, [401, 201, 201, 201, 201, 201, 201]),
    ("open need", "get", "needs/{open_need}/", None, [401, 200, 200, 200, 200, 200, 200]),
    ("pending need", "get", "needs/{pending_need}/", None, [401, 200, 404, 404, 200, 404, 200]),
    ("draft need", "get", "needs/{draft_need}/", None, [401, 200, 404, 404, 404, 404, 404]),
    (
        "edit need",
        "patch",
        "needs/{open_need}/",
        {"version": 1, "urgency": "soon"},
        [401, 200, 404, 404, 404, 404, 404],
    ),
    (
        "edit hidden need",
        "patch",
        "needs/{pending_need}/",
        {"version": 1, "urgency": "soon"},
        [401, 200, 404, 404, 404, 404, 404],
    ),
    ("submit need", "post", "needs/{draft_need}/submit/", {}, [401, 200, 404, 404, 404, 404, 404]),
    (
        "withdraw need",
        "post",
        "needs/{open_need}/withdraw/",
        {},
        [401, 200, 404, 404, 404, 404, 404],
    ),
    ("needs near", "get", "needs/near/", None, [401, 200, 200, 200, 200, 200, 200]),
    ("my offers", "get", "offers/", None, [401, 200, 200, 200, 200, 200, 200]),
    ("create offer", "post", "offers/", OFFER, [401, 201, 201, 201, 201, 201, 201]),
    ("open offer", "get", "offers/{open_offer}/", None, [401, 200, 200, 200, 200, 200, 200]),
    (
        "pending offer",
        "get",
        "offers/{pending_offer}/",
        None,
        [401, 200, 404, 404, 200, 404, 200],
    ),
    (
        "edit offer",
        "patch",
        "offers/{open_offer}/",
        {"version": 1, "capacity": 2},
        [401, 200, 404, 404, 404, 404, 404],
    ),
    ("pause offer", "post", "offers/{open_offer}/pause/", {}, [401, 200, 404, 404, 404, 404, 404]),
    (
        "resume offer",
        "post",
        "offers/{paused_offer}/resume/",
        {},
        [401, 200, 404, 404, 404, 404, 404],
    ),
    ("close offer", "post", "offers/{open_offer}/close/", {}, [401, 200, 404, 404, 404, 404, 404]),
    ("offers near", "get", "offers/near/", None, [401, 200, 200, 200, 200, 200, 200]),
    (
        "report need",
        "post",
        "reports/",
        {"target_type": "need", "target_id": "{open_need}", "reason": "Odd"},
        [401, 400, 201, 201, 201, 201, 201],
    ),
    (
        "report hidden need",
        "post",
        "reports/",
        {"target_type": "need", "target_id": "{pending_need}", "reason": "Odd"},
        [401, 400, 404, 404, 201, 404, 201],
    ),
    ("my blocks", "get", "blocks/", None, [401, 200, 200, 200, 200, 200, 200]),
    (
        "block owner",
        "post",
        "blocks/",
        {"person_id": "{owner_id}"},
        [401, 404, 201, 201, 201, 201, 201],
    ),
    ("unblock", "delete", "blocks/{owner_id}/", None, [401, 404, 404, 404, 404, 404, 404]),
    (
        "record on behalf",
        "post",
        "staff/needs/",
        {**NEED, "owner_id": "{owner_id}", "consent_given": True},
        [401, 404, 404, 404, 201, 400, 201],
    ),
    ("need queue", "get", "staff/review/needs/", None, [401, 404, 404, 404, 200, 200, 200]),
    ("offer queue", "get", "staff/review/offers/", None, [401, 404, 404, 404, 200, 200, 200]),
    (
        "approve need",
        "post",
        "staff/needs/{pending_need}/approve/",
        {},
        [401, 404, 404, 404, 200, 404, 200],
    ),
    (
        "reject need",
        "post",
        "staff/needs/{pending_need}/reject/",
        {"reason": "Too vague"},
        [401, 404, 404, 404, 200, 404, 200],
    ),
    (
        "approve offer",
        "post",
        "staff/offers/{pending_offer}/approve/",
        {},
        [401, 404, 404, 404, 200, 404, 200],
    ),
    (
        "reject offer",
        "post",
        "staff/offers/{pending_offer}/reject/",
        {"reason": "Too vague"},
        [401, 404, 404, 404, 200, 404, 200],
    ),
    ("reports", "get", "staff/reports/", None, [401, 404, 404, 404, 200, 200, 200]),
    (
        "decide report",
        "post",
        "staff/reports/{report}/decide/",
        {"upheld": False},
        [401, 404, 404, 404, 200, 404, 200],
    ),
    ("staff categories", "get", "staff/categories/", None, [401, 404, 404, 404, 404, 404, 200]),
    (
        "switch category",
        "post",
        "staff/categories/gardening/",
        {"enabled": False},
        [401, 404, 404, 404, 404, 404, 200],
    ),
]


def _ids(world) -> dict:
    return {
        "open_need": world.open_need.pk,
        "pending_need": world.pending_need.pk,
        "draft_need": world.draft_need.pk,
        "open_offer": world.open_offer.pk,
        "pending_offer": world.pending_offer.pk,
        "paused_offer": world.paused_offer.pk,
        "report": world.report_about_owner.pk,
        "owner_id": world.owner.pk,
    }


def _resolve(value, ids):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, dict):
        return {k: _resolve(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(
    "method, url, body, statuses", [row[1:] for row in MATRIX], ids=[row[0] for row in MATRIX]
)
def test_permission_matrix(method, url, body, statuses):
    """One world per endpoint; each role's request runs in a savepoint that is rolled back,
    so every role meets the same starting state."""
    world = build_world()
    ids = _ids(world)
    path = "/api/v1/" + url.format(**ids)
    kwargs = {"format": "json"}
    if body is not None:
        kwargs["data"] = _resolve(body, ids)
    got = {}
    for role in ROLES:
        with transaction.atomic():
            client = APIClient()
            user = world.role(role)
            if user is not None:
                client.force_authenticate(user)
            got[role] = getattr(client, method)(path, **kwargs).status_code
            transaction.set_rollback(True)
    assert got == dict(zip(ROLES, statuses, strict=True))


def test_matrix_covers_every_marketplace_route():
    covered = set()
    for _name, _method, url, _body, _statuses in MATRIX:
        covered.add(url)
    routes = {str(p.pattern) for p in api_urls.urlpatterns}
    templated = {
        r.replace("<int:pk>", "{}").replace("<int:person_id>", "{}").replace("<slug:slug>", "{}")
        for r in routes
    }
    normalised = set()
    for url in covered:
        for key in _ids_keys():
            url = url.replace("{" + key + "}", "{}")
        normalised.add(url.replace("gardening", "{}"))
    assert templated <= normalised, templated - normalised


def _ids_keys():
    return [
        "open_need",
        "pending_need",
        "draft_need",
        "open_offer",
        "pending_offer",
        "paused_offer",
        "report",
        "owner_id",
    ]
