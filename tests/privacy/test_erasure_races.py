"""Erasure against a write already in flight from another device, on real threads with their
own database connections.

Creating a need or an offer and sending a message take a row lock on the person
(`privacy.erasure.person_lock_for_writing`) and `person_erase` takes the same lock first, so
whichever comes first, an erased person never has a live listing or a readable message: a
write that wins commits and is then closed and redacted by erasure; a write that loses is
refused with a plain message. Two erasures at once erase once, and an erasure racing the
helper's accept never leaves an accepted match with someone who has left.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.contrib.gis.geos import Point
from django.db import connection, transaction

from accounts.models import User
from accounts.services import ACCOUNT_CLOSED_MESSAGE, erased_email
from core.errors import ApplicationError
from core.models import AuditEvent
from marketplace.models import Need, Offer
from matching import eligibility
from matching import services as matching
from matching.models import Match, Message
from privacy.erasure import ERASED_TEXT, person_erase
from tests.kit import factories as make
from tests.kit.races import at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world():
    council = make.CouncilFactory(name="Racing Council")
    moderator = make.staff(council=council)
    person = make.person(council=council, lon=-1.551, lat=53.801, display_name="Rosa Racer")
    helper = make.person(council=council, lon=-1.56, lat=53.81)
    make.check(user=helper, council=council)
    make.check(user=person, council=council)
    need = make.open_need(owner=person, moderator=moderator, lon=-1.551, lat=53.801)
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_request(citizen=person, need_id=need.pk, offer_id=offer.pk)
    matching.match_accept(user=helper, match_id=match.pk)
    return {"person": person, "helper": helper, "match": match}


def _create_need(person: User):
    return make.need(owner=person, lon=-1.551, lat=53.801, title="Walks from the other tab")


def _create_offer(person: User):
    return make.offer(helper=person, lon=-1.551, lat=53.801, title="Offer from the other tab")


def _send_message(person: User, match: Match):
    return matching.message_send(user=person, match_id=match.pk, body="Sent from my phone")


def _lock_waiters() -> int:
    with connection.cursor() as cursor:
        # The statistics views are read once per transaction unless the snapshot is cleared.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _wait_for_waiters(n: int) -> None:
    deadline = time.monotonic() + 10
    while _lock_waiters() < n:
        assert time.monotonic() < deadline, f"expected {n} transactions waiting on a lock"
        time.sleep(0.02)


def _race(*, person_id: int, first, second) -> dict[str, tuple[str, object]]:
    """Hold the person's row; start `first` and wait until it queues on a lock, then start
    `second` and wait likewise; let go. Row-lock waiters are served in arrival order."""
    outcomes: dict[str, tuple[str, object]] = {}

    def run(name: str, call) -> None:
        try:
            outcomes[name] = ("done", call())
        except ApplicationError as exc:
            outcomes[name] = ("refused", exc)
        except Exception as exc:  # noqa: BLE001 — reported by the assertion below
            outcomes[name] = ("error", exc)
        finally:
            connection.close()

    threads = []
    with transaction.atomic():
        User.objects.select_for_update().get(pk=person_id)
        for waiting, (name, call) in enumerate((first, second), start=1):
            thread = threading.Thread(target=run, args=(name, call))
            thread.start()
            threads.append(thread)
            _wait_for_waiters(waiting)
    for thread in threads:
        thread.join(timeout=30)
    assert set(outcomes) == {first[0], second[0]}, outcomes
    assert not [o for o in outcomes.values() if o[0] == "error"], outcomes
    return outcomes


def _assert_nothing_live(person: User) -> None:
    person = User.objects.get(pk=person.pk)
    assert not person.is_active
    assert not Need.objects.filter(owner=person).exclude(status=Need.Status.CLOSED).exists()
    assert not Offer.objects.filter(helper=person).exclude(status=Offer.Status.CLOSED).exists()
    assert set(Need.objects.filter(owner=person).values_list("description", flat=True)) <= {
        ERASED_TEXT
    }
    assert set(Offer.objects.filter(helper=person).values_list("description", flat=True)) <= {
        ERASED_TEXT
    }
    assert set(Message.objects.filter(sender=person).values_list("body", flat=True)) <= {
        ERASED_TEXT
    }


WRITES = {
    "need": lambda w: _create_need(w["person"]),
    "offer": lambda w: _create_offer(w["person"]),
    "message": lambda w: _send_message(w["person"], w["match"]),
}


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_a_write_queued_behind_erasure_is_refused(world, kind):
    person = world["person"]  # loaded before erasure, as an in-flight request holds it
    before = (
        Need.objects.count(),
        Offer.objects.count(),
        Message.objects.exclude(body=ERASED_TEXT).count(),
    )
    outcomes = _race(
        person_id=person.pk,
        first=("erase", lambda: person_erase(person=User.objects.get(pk=person.pk))),
        second=(kind, lambda: WRITES[kind](world)),
    )
    assert outcomes["erase"][0] == "done"
    state, error = outcomes[kind]
    assert state == "refused", outcomes
    assert error.code == "account_closed"
    assert error.message == ACCOUNT_CLOSED_MESSAGE
    # Nothing new was saved: the erasure's own work is all that changed.
    assert Need.objects.count() <= before[0]
    assert Offer.objects.count() == before[1]
    assert Message.objects.exclude(body=ERASED_TEXT).count() <= before[2]
    _assert_nothing_live(person)


@pytest.mark.parametrize("kind", sorted(WRITES))
def test_a_write_that_commits_first_is_closed_and_redacted_by_erasure(world, kind):
    person = world["person"]
    outcomes = _race(
        person_id=person.pk,
        first=(kind, lambda: WRITES[kind](world)),
        second=("erase", lambda: person_erase(person=User.objects.get(pk=person.pk))),
    )
    state, created = outcomes[kind]
    assert state == "done", outcomes
    assert outcomes["erase"][0] == "done"
    model = type(created)
    created = model.objects.get(pk=created.pk)  # the write landed, then erasure reached it
    if kind == "message":
        assert created.body == ERASED_TEXT
    else:
        assert created.status == model.Status.CLOSED
        assert created.description == ERASED_TEXT
    _assert_nothing_live(person)


def test_writes_with_an_account_loaded_before_erasure_are_refused(world):
    """A request that signed in before erasure finished still holds the old `User` object."""
    stale = User.objects.get(pk=world["person"].pk)
    person_erase(person=User.objects.get(pk=stale.pk))
    for kind, write in WRITES.items():
        with pytest.raises(ApplicationError) as refused:
            write({**world, "person": stale})
        # The message is refused either way: the erased person's match has ended too.
        assert refused.value.code in {"account_closed", "messages_closed"}, kind
    _assert_nothing_live(stale)


def test_writes_for_a_deactivated_account_are_refused(world):
    person = world["person"]
    User.objects.filter(pk=person.pk).update(is_active=False)
    with pytest.raises(ApplicationError) as refused:
        make.offer(helper=person, point=Point(-1.551, 53.801, srid=4326))
    assert refused.value.message == ACCOUNT_CLOSED_MESSAGE


# --- Erasure at the same moment as something else, on real threads ------------------------
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_erasures_at_once_erase_once():
    council = make.CouncilFactory(name="Race Council")
    person = make.person(council=council, email="twice@example.org")
    results = at_once(
        hold=lambda: User.objects.select_for_update().get(pk=person.pk),
        calls=[lambda: person_erase(person=person), lambda: person_erase(person=person)],
    )
    assert all(isinstance(r, User) for r in results), results
    assert AuditEvent.objects.filter(verb="person.erased", target_id=person.pk).count() == 1
    assert User.objects.get(pk=person.pk).email == erased_email(person.pk)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_erasure_racing_the_helpers_accept_leaves_the_match_ended():
    council = make.CouncilFactory(name="Race Council")
    moderator = make.staff(council=council)
    person = make.person(council=council, lon=-1.55, lat=53.80)
    helper = make.person(council=council, lon=-1.56, lat=53.81)
    make.check(user=helper, council=council)
    need = make.open_need(owner=person, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    match = matching.match_request(citizen=person, need_id=need.pk, offer_id=offer.pk)
    results = at_once(
        hold=lambda: Need.objects.select_for_update().get(pk=need.pk),
        calls=[
            lambda: matching.match_accept(user=helper, match_id=match.pk),
            lambda: person_erase(person=person),
        ],
    )
    accepted, erased = results
    assert isinstance(erased, User), erased
    # Either the accept came first (and erasure then ended the match) or it was refused
    # clearly; never an accepted match with someone who has left.
    if isinstance(accepted, Exception):
        assert isinstance(accepted, ApplicationError)
        assert accepted.code == "invalid_transition", accepted
    match.refresh_from_db()
    need.refresh_from_db()
    assert match.status == Match.Status.CANCELLED
    assert need.status == Need.Status.CLOSED and need.title == ERASED_TEXT
    assert eligibility.holding_count(offer=offer) == 0
