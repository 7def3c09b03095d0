"""Erasure holds against the person's own edits from another tab: "your details" and "your
postcode" take the person's write lock and write the locked row, so an edit queued behind
erasure is refused and never puts a name, phone number or home back on the erased row."""

from __future__ import annotations

import pytest

from accounts.models import User
from accounts.services import (
    ACCOUNT_CLOSED_MESSAGE,
    is_erased,
    person_set_home,
    person_update_profile,
)
from core.errors import ApplicationError
from privacy.erasure import person_erase
from tests.kit import factories as make
from tests.kit.factories import CouncilFactory, PostcodeFactory
from tests.kit.races import at_once

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

NEW_DETAILS = {
    "display_name": "Rosa From Another Tab",
    "preferred_languages": ["English"],
    "gender": "",
    "phone": "07700 900456",
}


@pytest.fixture
def person():
    CouncilFactory(name="Tabbed Council")
    PostcodeFactory(postcode="LS2 8AB")
    return make.person(postcode="LS1 1AA", display_name="Rosa Racer", phone="07700 900123")


def _assert_erased(person_id: int) -> None:
    row = User.objects.get(pk=person_id)
    assert is_erased(row) and not row.is_active
    assert (row.display_name, row.phone, row.home_postcode) == ("", "", "")
    assert row.home_location is None


def test_details_saved_from_a_tab_opened_before_erasure_are_refused(person):
    stale = User.objects.get(pk=person.pk)  # the other tab's request loaded the person
    person_erase(person=User.objects.get(pk=person.pk))
    with pytest.raises(ApplicationError) as refused:
        person_update_profile(user=stale, **NEW_DETAILS)
    assert refused.value.message == ACCOUNT_CLOSED_MESSAGE
    _assert_erased(person.pk)


def test_a_postcode_saved_from_a_tab_opened_before_erasure_is_refused(person):
    stale = User.objects.get(pk=person.pk)
    person_erase(person=User.objects.get(pk=person.pk))
    with pytest.raises(ApplicationError) as refused:
        person_set_home(user=stale, postcode="LS2 8AB")
    assert refused.value.message == ACCOUNT_CLOSED_MESSAGE
    _assert_erased(person.pk)


def test_an_edit_writes_the_locked_row_not_the_copy_it_was_given(person):
    stale = User.objects.get(pk=person.pk)
    User.objects.filter(pk=person.pk).update(email="rosa.new@example.org")
    person_update_profile(user=stale, **NEW_DETAILS)
    row = User.objects.get(pk=person.pk)
    assert row.email == "rosa.new@example.org"
    assert (row.display_name, row.phone) == ("Rosa From Another Tab", "07700 900456")
    assert stale.display_name == "Rosa From Another Tab"  # the caller's copy follows


@pytest.mark.parametrize("trial", range(5))
def test_erasure_and_both_edits_at_once_leave_nothing(person, trial):
    stale = User.objects.get(pk=person.pk)
    results = at_once(
        hold=lambda: User.objects.select_for_update().get(pk=person.pk),
        calls=[
            lambda: person_erase(person=User.objects.get(pk=person.pk)),
            lambda: person_update_profile(user=stale, **NEW_DETAILS),
            lambda: person_set_home(user=stale, postcode="LS2 8AB"),
        ],
    )
    erased, *edits = results
    assert isinstance(erased, User), erased
    for outcome in edits:
        assert isinstance(outcome, User | ApplicationError), outcome
    _assert_erased(person.pk)
