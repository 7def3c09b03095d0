"""API fuzzing: schemathesis generates requests for every operation in /api/v1/schema/ and
sends them to the WSGI app in-process (no network), signed in by token as a citizen, a
helper and a member of staff (with an authenticator, as the staff API requires).

No answer may ever be a server error. Every answer must match the schema (status code
documented, content type documented, body of the documented shape), apart from the gaps
listed in `KNOWN_GAPS`, each reported to the owner of the code; a failure outside them fails
the test. Examples per operation are bounded (`KITH_FUZZ_EXAMPLES`, default 25) so the three
roles take about a minute together here; CI can raise it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks as sc
from schemathesis.specs.openapi import checks as oc

from tests.kit.tokens import api_token
from tests.kit.world import build_world

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("KITH_FUZZ_EXAMPLES", "25"))
CHECKS = [
    sc.not_a_server_error,
    oc.status_code_conformance,
    oc.content_type_conformance,
    oc.response_schema_conformance,
]


@dataclass(frozen=True)
class Failure:
    operation: str
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.operation} [{self.kind}]\n{self.detail}"


@dataclass(frozen=True)
class Gap:
    """A schema gap that is known and reported: which operations, which check, why."""

    operations: str  # regex over "METHOD /path"
    kind: str
    detail: str  # regex over the failure text
    why: str

    def covers(self, failure: Failure) -> bool:
        return (
            failure.kind == self.kind
            and re.search(self.operations, failure.operation) is not None
            and re.search(self.detail, failure.detail, re.S) is not None
        )


KNOWN_GAPS: list[Gap] = []


def _failures_of(label: str, error: BaseException) -> list[Failure]:
    errors = list(error.exceptions) if isinstance(error, BaseExceptionGroup) else [error]
    text = str(error)
    return [Failure(label, type(e).__name__, f"{e}\n{text}"[:3000]) for e in errors]


@pytest.fixture
def wsgi_keeps_the_test_transaction():
    """The WSGI handler closes "old" database connections around each request, which would
    close the test's transaction; Django's own test client disconnects the same signals."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _fuzz(user) -> tuple[int, list[Failure]]:
    headers = {"Authorization": f"Bearer {api_token(user)}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    failures: list[Failure] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            cache.clear()  # throttles and flood limits count per person; keep them out
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # noqa: BLE001 - schemathesis raises exception groups
            failures += _failures_of(operation.label, error)
    return operations, failures


@pytest.mark.parametrize("role", ["ada", "cal", "moderator"])
def test_fuzz_every_operation(role, wsgi_keeps_the_test_transaction):
    world = build_world()
    operations, failures = _fuzz(getattr(world, role))
    assert operations >= 50
    server_errors = [f for f in failures if f.kind == "ServerError" or "[500]" in f.detail]
    assert not server_errors, "\n\n".join(map(str, server_errors))
    unexplained = [f for f in failures if not any(gap.covers(f) for gap in KNOWN_GAPS)]
    assert not unexplained, "\n\n".join(map(str, unexplained))


def test_the_gap_list_does_not_hide_everything():
    """A server error, or a body off the schema on a marketplace listing, is never a known gap."""
    assert not any(
        gap.covers(Failure("GET /api/v1/needs/{id}/", "ServerError", "[500]")) for gap in KNOWN_GAPS
    )
    assert not any(
        gap.covers(Failure("GET /api/v1/needs/", "JsonSchemaError", "slots start"))
        for gap in KNOWN_GAPS
    )
