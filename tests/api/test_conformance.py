"""Response conformance: every operation of the published schema, called as each kind of
client, answers only what the schema says (a documented status code, a documented content
type and a body of the documented shape), and never a server error.

The callers: a person with a home and a person without one (distances are null for them), each
with a personal access token; nobody (no token); a member of staff with a token of the `staff`
scope (their second factor, as the staff endpoints require); and the same member of staff in a
web session that used their second factor. Schemathesis generates the requests from
`/api/v1/schema/` and sends them to the WSGI application in-process; every other request puts
the ids of real objects in its path and, for a read, leaves out the query, so that answers
with real bodies are checked, not only refusals. Examples per operation are few
(`KITH_CONFORMANCE_EXAMPLES`, default 3) so that the five runs take about a minute and a half
together; CI can raise it.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import checks as sc
from schemathesis.specs.openapi import checks as oc

from tests.api.tokens import token_headers
from tests.kit import factories as make
from tests.kit.world import build_world

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KITH_CONFORMANCE_EXAMPLES", "3"))
CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_schema_conformance,
]
# How many operations each caller must see succeed at least once: a run in which everything
# is refused checks little. (Staff reach the staff operations too.)
MIN_SUCCEEDED = {
    "person_with_home": 20,
    "person_without_home": 10,
    "staff_token": 25,
    "staff_session": 25,
}
# A fixed CSRF secret: the staff session sends it as its cookie and its header, as a browser's
# script would.
CSRF_SECRET = "k" * 32


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """The WSGI handler closes "old" database connections around each request, which would
    close the test's transaction; Django's own test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@dataclass(frozen=True)
class Caller:
    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)


def with_token(user) -> Caller:
    return Caller(headers=token_headers(user))


def in_session(user) -> Caller:
    """A web session in which the person used both factors (tests/conftest.py's force_login),
    with the CSRF cookie and header a page's script sends."""
    client = Client()
    client.force_login(user)
    return Caller(
        headers={"X-CSRFToken": CSRF_SECRET},
        cookies={
            settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
            settings.CSRF_COOKIE_NAME: CSRF_SECRET,
        },
    )


CALLERS: dict[str, Callable[..., Caller]] = {
    "person_with_home": lambda world: with_token(world.ada),
    "person_without_home": lambda world: with_token(make.UserFactory()),
    "anonymous": lambda world: Caller(),
    "staff_token": lambda world: with_token(world.moderator),
    "staff_session": lambda world: in_session(world.moderator),
}
# Last, in this order: they may end the caller's token, then their account.
LAST = ("DELETE /api/v1/me/tokens/{token_id}/", "POST /api/v1/me/erase/")


def real_ids(world) -> dict[str, list]:
    """Ids of the world's objects, by the path segment before the parameter: generated ids
    would almost always be "not found", and the answers worth checking are the others."""
    needs = [world.ada_need, world.bea_need, world.open_need, world.pending_need, world.draft_need]
    offers = [world.cal_offer, world.open_offer, world.pending_offer, world.paused_offer]
    return {
        "needs": [n.pk for n in needs],
        "offers": [o.pk for o in offers],
        "matches": [m.pk for m in (world.ada_cal, world.bea_cal, world.completed)],
        "messages": [world.message.pk],
        "reports": [world.report.pk, world.report_about_owner.pk],
        "blocks": [world.bea.pk],
        "categories": ["dog-walking"],
    }


def _fill(case, ids: dict[str, list], turn: int) -> None:
    """Put real ids in the case's path, by the segment before each parameter."""
    segments = case.operation.path.strip("/").split("/")
    for before, segment in zip(segments, segments[1:], strict=False):
        name = segment.strip("{}")
        if segment.startswith("{") and ids.get(before):
            case.path_parameters[name] = ids[before][turn % len(ids[before])]


@dataclass
class Run:
    operations: int = 0
    found: list[str] = field(default_factory=list)
    statuses: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))

    def answered(self, low: int, high: int) -> set[str]:
        """The operations that gave at least one answer with a status in [low, high)."""
        return {
            label for label, codes in self.statuses.items() if any(low <= c < high for c in codes)
        }


def _check(operation, caller: Caller, ids: dict[str, list], seen: Run) -> None:
    turns = iter(range(10**6))

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        cache.clear()  # throttles and flood limits count per person; keep them out
        turn = next(turns)
        if turn % 2 == 0:
            _fill(case, ids, turn // 2)
            if case.operation.method.upper() == "GET":
                case.query = {}  # the plain read, which answers with real bodies
        case.cookies = {**(case.cookies or {}), **caller.cookies}
        response = case.call(headers=caller.headers)
        seen.statuses[operation.label].add(response.status_code)
        case.validate_response(response, checks=CHECKS)

    try:
        run()
    except KeyboardInterrupt:
        raise
    except BaseException as error:  # noqa: BLE001 - schemathesis raises exception groups
        seen.found.append(f"{operation.label}\n{error}"[:3000])


def mismatches(caller: Caller, ids: dict[str, list]) -> Run:
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    seen = Run(operations=len(operations))
    for operation in sorted(operations, key=_last_ones_last):
        _check(operation, caller, ids, seen)
    return seen


def _last_ones_last(operation) -> int:
    return LAST.index(operation.label) + 1 if operation.label in LAST else 0


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_answer_matches_the_schema(caller, wsgi_keeps_the_test_transaction):
    world = build_world()
    run = mismatches(CALLERS[caller](world), real_ids(world))
    assert run.operations >= 56
    assert not run.found, f"{len(run.found)} mismatches:\n\n" + "\n\n".join(run.found)
    # The answers checked include real bodies, not only refusals.
    succeeded = run.answered(200, 300)
    if caller == "anonymous":
        # Only the open data (and an alert's own unsubscribe link) answer without a sign-in.
        assert succeeded
        assert all("/open/" in label or "/alerts/unsubscribe/" in label for label in succeeded)
        assert "GET /api/v1/needs/" in run.answered(401, 402)
    else:
        assert {"GET /api/v1/me/", "GET /api/v1/needs/{id}/", "GET /api/v1/matches/"} <= succeeded
        assert len(succeeded) >= MIN_SUCCEEDED[caller], sorted(succeeded)
