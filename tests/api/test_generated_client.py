"""A client generated from the published schema works as it is.

The test fetches `/api/v1/schema/` from a running Kith (`live_server`), generates a Python
client from it with openapi-python-client into a temporary directory, imports the generated
package, and walks a journey through it over real HTTP, with no edits to the generated code:

a person who signed up without a home and uses only the API reads their account, is told
that distance filters need a home, sets one (`PATCH /me/`), records a need; a moderator with a
staff token approves it; a neighbour finds it within 2 km; the owner reads it back (their own
view, with its version), changes it, and is refused with 409 when they change it again from
the copy they read before.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.tokens import token_for
from tests.kit import factories as make

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PACKAGE = "kith_generated_client"
GENERATOR = Path(sys.executable).parent / "openapi-python-client"
HOME, NEIGHBOUR = "LS1 1AA", "LS2 7HY"


@pytest.fixture
def generated(live_server, tmp_path):
    """The generated client's package, imported from a fresh directory; forgotten after."""
    schema = httpx.get(
        f"{live_server.url}/api/v1/schema/?format=json", headers={"Accept-Language": "en"}
    )
    assert schema.status_code == 200
    (tmp_path / "openapi.json").write_bytes(schema.content)
    (tmp_path / "config.yaml").write_text(f"package_name_override: {PACKAGE}\npost_hooks: []\n")
    made = subprocess.run(  # noqa: S603 - the generator installed with Kith's test packages
        [
            str(GENERATOR),
            "generate",
            "--path",
            str(tmp_path / "openapi.json"),
            "--config",
            str(tmp_path / "config.yaml"),
            "--meta",
            "none",
            "--output-path",
            str(tmp_path / PACKAGE),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def api(package, name: str):
    """One operation module of the generated client: `api(kc, "needs.needs_create")`."""
    return importlib.import_module(f"{PACKAGE}.api.{name}")


def model(package, name: str):
    return getattr(importlib.import_module(f"{PACKAGE}.models"), name)


def test_a_generated_client_walks_the_journey(generated, live_server):
    council = make.council()
    make.PostcodeFactory(postcode=HOME, location=make.point_at(0, 0))
    make.PostcodeFactory(postcode=NEIGHBOUR, location=make.point_at(800, 300))
    moderator = make.staff(council=council)
    newcomer = make.UserFactory()  # signed up, no home yet
    neighbour = make.resident(postcode=NEIGHBOUR, name="Nia Neighbour")

    def client_of(user):
        return generated.AuthenticatedClient(
            base_url=live_server.url,
            token=token_for(user),
            raise_on_unexpected_status=True,
            headers={"Accept-Language": "en"},
        )

    me_client, staff_client, neighbour_client = map(client_of, (newcomer, moderator, neighbour))
    Problem = model(generated, "Problem")

    # Without a home, distance filters are refused with the service's own code.
    me = api(generated, "me.me_retrieve").sync(client=me_client)
    assert me.home_postcode == ""
    refused = api(generated, "needs.needs_near_list").sync(client=me_client, max_distance_m=2000)
    assert isinstance(refused, Problem)
    assert (refused.status, refused.code) == (400, "home_missing")

    # A home through the API: the council comes with it.
    me = api(generated, "me.me_partial_update").sync(
        client=me_client,
        body=model(generated, "MeUpdateInputRequest")(
            home_postcode=HOME, preferred_languages=["English", "Polish"]
        ),
    )
    assert (me.home_postcode, me.council) == (HOME, council.slug)
    assert me.preferred_languages == ["English", "Polish"]

    # A need, with weekly times (a nested body, sent as JSON).
    categories = api(generated, "categories.categories_list").sync(client=me_client)
    category = next(c for c in categories if c.enabled and not c.is_meal)
    Slot = model(generated, "SlotRequest")
    need = api(generated, "needs.needs_create").sync(
        client=me_client,
        body=model(generated, "NeedCreateInputRequest")(
            category=category.slug,
            title="A weekly chat",
            description="Someone to talk to on Tuesday afternoons.",
            slots=[Slot(weekday=1, start="14:00", end="16:00")],
        ),
    )
    assert isinstance(need, model(generated, "NeedOwnerOutput"))
    assert need.status == "pending_review"

    # A moderator with a staff token approves it.
    decision = api(generated, "staff.staff_needs_approve_create").sync(
        client=staff_client, id=need.id
    )
    assert not isinstance(decision, Problem)

    # The neighbour finds it within 2 km, with a distance band and no exact place.
    near = api(generated, "needs.needs_near_list").sync(
        client=neighbour_client, max_distance_m=2000
    )
    found = [n for n in near.results if n.id == need.id]
    assert len(found) == 1
    assert isinstance(found[0].distance_band, str)
    seen = api(generated, "needs.needs_retrieve").sync(client=neighbour_client, id=need.id)
    assert isinstance(seen, model(generated, "NeedPublicOutput"))

    # The owner reads their own view back, changes it, then is refused a stale change.
    mine = api(generated, "needs.needs_retrieve").sync(client=me_client, id=need.id)
    assert isinstance(mine, model(generated, "NeedOwnerOutput"))
    assert mine.status == "open"
    Update = model(generated, "NeedUpdateInputRequest")
    changed = api(generated, "needs.needs_partial_update").sync(
        client=me_client, id=need.id, body=Update(version=mine.version, title="A chat and tea")
    )
    assert changed.title == "A chat and tea"
    assert changed.version > mine.version
    stale = api(generated, "needs.needs_partial_update").sync_detailed(
        client=me_client, id=need.id, body=Update(version=mine.version, title="Only a chat")
    )
    assert stale.status_code == 409
    assert isinstance(stale.parsed, Problem)
    assert stale.parsed.code == "stale_version"
