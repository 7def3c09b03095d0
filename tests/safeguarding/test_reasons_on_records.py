"""What staff type when revoking a check, suspending or reinstating a person is kept on the
check or the `Suspension`, never in the append-only audit log (which records only that a
reason was given and its length), and the staff pages read it from the record."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from safeguarding import checks as safeguarding_checks
from safeguarding import suspension as safeguarding_suspension
from tests.kit import factories as make
from tests.kit.factories import Role
from trust import concerns as trust_concerns
from trust.models import HelperCheck, Suspension

pytestmark = pytest.mark.django_db

REVOKE_WORDS = "Zebrafinch certificate belonged to his brother"
SUSPEND_WORDS = "Quokkaberry asked Mrs Example for her bank card"
REINSTATE_WORDS = "Wombatplum police found no offence"


def no_typed_words_in_audit_rows() -> None:
    rows = [str(data) for data in AuditEvent.objects.values_list("data", flat=True)]
    for marker in ("Zebrafinch", "Quokkaberry", "Wombatplum"):
        assert not any(marker in row for row in rows), marker


def revoke_suspend_reinstate(*, moderator, safeguarding_lead, person):
    check = make.record_check(actor=moderator, helper=person)
    safeguarding_checks.helper_check_revoke(actor=moderator, check_id=check.pk, reason=REVOKE_WORDS)
    safeguarding_suspension.person_suspend(
        actor=safeguarding_lead, person_id=person.pk, reason=SUSPEND_WORDS
    )
    safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=person.pk, note=REINSTATE_WORDS
    )
    return check


def test_the_words_are_on_the_records_and_the_audit_rows_only_say_one_was_given(
    moderator, safeguarding_lead, helper
):
    check = revoke_suspend_reinstate(
        moderator=moderator, safeguarding_lead=safeguarding_lead, person=helper
    )
    check.refresh_from_db()
    assert check.revoked_reason == REVOKE_WORDS
    suspension = Suspension.objects.get(person=helper)
    assert suspension.reason == SUSPEND_WORDS
    assert suspension.reinstatement_note == REINSTATE_WORDS
    assert suspension.suspended_by == safeguarding_lead
    assert suspension.reinstated_by == safeguarding_lead
    assert suspension.council_id == helper.council_id
    assert suspension.reinstated_at >= suspension.suspended_at

    no_typed_words_in_audit_rows()
    revoked = AuditEvent.objects.get(verb="helper_check.revoked")
    assert revoked.data == {
        "person_id": helper.pk,
        "reason_given": True,
        "reason_length": len(REVOKE_WORDS),
    }
    suspended = AuditEvent.objects.get(verb="person.suspended")
    assert (suspended.data["reason_given"], suspended.data["reason_length"]) == (
        True,
        len(SUSPEND_WORDS),
    )
    reinstated = AuditEvent.objects.get(verb="person.reinstated")
    assert (reinstated.data["note_given"], reinstated.data["note_length"]) == (
        True,
        len(REINSTATE_WORDS),
    )


def test_each_suspension_keeps_its_own_reason(safeguarding_lead, citizen):
    for n in (1, 2):
        safeguarding_suspension.person_suspend(
            actor=safeguarding_lead, person_id=citizen.pk, reason=f"Reason {n}"
        )
        safeguarding_suspension.person_reinstate(
            actor=safeguarding_lead, person_id=citizen.pk, note=f"Note {n}"
        )
    safeguarding_suspension.person_suspend(
        actor=safeguarding_lead, person_id=citizen.pk, reason="Reason 3"
    )
    rows = list(
        Suspension.objects.filter(person=citizen)
        .order_by("suspended_at", "id")
        .values_list("reason", "reinstatement_note", "reinstated_at")
    )
    assert [(r, n) for r, n, _ in rows] == [
        ("Reason 1", "Note 1"),
        ("Reason 2", "Note 2"),
        ("Reason 3", ""),
    ]
    assert rows[-1][2] is None  # the one in force
    # The database allows only one suspension in force per person.
    with pytest.raises(IntegrityError), transaction.atomic():
        Suspension.objects.create(
            person=citizen, council=citizen.council, reason="x", suspended_at=timezone.now()
        )


def test_reinstating_someone_suspended_before_suspensions_had_rows(safeguarding_lead, citizen):
    citizen.suspended_at = timezone.now()
    citizen.save(update_fields=["suspended_at"])
    safeguarding_suspension.person_reinstate(
        actor=safeguarding_lead, person_id=citizen.pk, note=REINSTATE_WORDS
    )
    suspension = Suspension.objects.get(person=citizen)
    assert suspension.reinstatement_note == REINSTATE_WORDS
    assert suspension.reason == "" and suspension.reinstated_by == safeguarding_lead
    no_typed_words_in_audit_rows()


def test_the_person_page_shows_the_words_from_the_records(
    client, moderator, safeguarding_lead, helper
):
    revoke_suspend_reinstate(
        moderator=moderator, safeguarding_lead=safeguarding_lead, person=helper
    )
    client.force_login(safeguarding_lead)
    page = client.get(reverse("staff:person", args=[helper.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    for words in (REVOKE_WORDS, SUSPEND_WORDS, REINSTATE_WORDS):
        assert words in body
    assert "Suspensions" in body


def test_the_words_are_shown_only_to_staff_of_the_council_with_two_factor(
    client, moderator, safeguarding_lead, away_admin, helper, home_council
):
    revoke_suspend_reinstate(
        moderator=moderator, safeguarding_lead=safeguarding_lead, person=helper
    )
    url = reverse("staff:person", args=[helper.pk])

    def shown(user) -> tuple[int, bool]:
        client.force_login(user)
        response = client.get(url)
        body = response.content.decode()
        client.logout()
        return response.status_code, any(
            w in body for w in (REVOKE_WORDS, SUSPEND_WORDS, REINSTATE_WORDS)
        )

    # Another council's admin: not found, nothing shown.
    assert shown(away_admin) == (404, False)
    # Staff of the council without an authenticator app: sent to set one up first.
    no_mfa = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, mfa=False, lives_here=True)
    status, leaked = shown(no_mfa)
    assert status == 302 and not leaked
    # A moderator cannot read people's records at all.
    assert shown(moderator) == (403, False)
    # The person themself is not staff.
    assert shown(helper) == (403, False)
    # A council admin of the council with two-factor sees them.
    admin = make.staff(council=home_council, role=Role.COUNCIL_ADMIN, lives_here=True)
    assert shown(admin) == (200, True)


def test_the_concern_page_shows_the_reason_of_a_suspension_made_from_it(
    client, safeguarding_lead, citizen
):
    concern = trust_concerns.concern_raise(
        actor=safeguarding_lead, about_id=citizen.pk, summary="Worry", priority="high"
    )
    safeguarding_suspension.person_suspend(
        actor=safeguarding_lead, person_id=citizen.pk, reason=SUSPEND_WORDS, concern_id=concern.pk
    )
    assert Suspension.objects.get(person=citizen).concern == concern
    client.force_login(safeguarding_lead)
    body = client.get(reverse("staff:concern", args=[concern.pk])).content.decode()
    assert SUSPEND_WORDS in body
    no_typed_words_in_audit_rows()


def test_revoking_through_the_page_keeps_the_reason_on_the_check(client, moderator, helper):
    check = make.record_check(actor=moderator, helper=helper)
    client.force_login(moderator)
    response = client.post(reverse("staff:check_revoke", args=[check.pk]), {"reason": REVOKE_WORDS})
    assert response.status_code == 302
    check = HelperCheck.objects.get(pk=check.pk)
    assert check.revoked_reason == REVOKE_WORDS
    no_typed_words_in_audit_rows()
