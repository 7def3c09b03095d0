"""Staff-typed reasons about a person (a suspension's reason, a reinstatement note, why a
check was revoked) in "download my data" and erasure: withheld from the download like
safeguarding concern notes, with the dates the person knows; kept when the person is erased,
like concerns, naming them only by id."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from accounts.models import StaffMembership
from accounts.services import erased_email
from core.models import AuditEvent
from privacy.erasure import person_erase
from privacy.export import person_data_export
from safeguarding import checks as safeguarding_checks
from safeguarding import suspension as safeguarding_suspension
from tests.kit import factories as make
from trust import concerns as trust_concerns
from trust.models import HelperCheck, Suspension

pytestmark = pytest.mark.django_db

Role = StaffMembership.Role
SUSPEND_WORDS = "Quokkaberry took money from Mrs Example"
REINSTATE_WORDS = "Wombatplum no further action"
REVOKE_WORDS = "Zebrafinch certificate was someone else's"
CONCERN_NOTE = "Kestrelnote neighbour reported shouting"


@pytest.fixture
def world():
    council = make.CouncilFactory(name="Kindly Council", contact_email="help@kindly.example")
    lead = make.staff(council=council, role=Role.SAFEGUARDING_LEAD, lon=-1.54, lat=53.79)
    admin = make.staff(council=council, role=Role.COUNCIL_ADMIN, lon=-1.56, lat=53.81)
    person = make.person(council=council, display_name="Pat Person")
    check = HelperCheck.objects.create(
        user=person,
        council=council,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=10),
        expires_on=None,
        recorded_by=admin,
    )
    safeguarding_checks.helper_check_revoke(actor=admin, check_id=check.pk, reason=REVOKE_WORDS)
    trust_concerns.concern_raise(
        actor=lead, about_id=person.pk, summary="Worry", priority="high", note=CONCERN_NOTE
    )
    safeguarding_suspension.person_suspend(actor=lead, person_id=person.pk, reason=SUSPEND_WORDS)
    safeguarding_suspension.person_reinstate(actor=lead, person_id=person.pk, note=REINSTATE_WORDS)
    safeguarding_suspension.person_suspend(
        actor=lead, person_id=person.pk, reason=SUSPEND_WORDS + " 2"
    )
    person.refresh_from_db()
    return {"council": council, "lead": lead, "admin": admin, "person": person, "check": check}


def test_the_download_has_the_dates_but_withholds_what_staff_typed(world):
    person = world["person"]
    export = person_data_export(user=person)
    text = json.dumps(export, default=str)
    # Withheld, as concern notes are: none of the staff-typed words.
    for marker in ("Quokkaberry", "Wombatplum", "Zebrafinch", "Kestrelnote"):
        assert marker not in text, marker
    # The facts the person knows are there.
    first, second = export["suspensions"]
    assert first["council"] == "Kindly Council"
    assert first["suspended_at"] and first["reinstated_at"]
    assert second["suspended_at"] and second["reinstated_at"] is None
    assert set(first) == {"council", "suspended_at", "reinstated_at"}
    (check,) = export["checks"]
    assert check["revoked_at"] is not None and "revoked_reason" not in check
    assert export["account"]["suspended_at"] == person.suspended_at.isoformat()


def test_erasure_keeps_the_reasons_naming_the_person_only_by_id(world):
    person = world["person"]
    person_erase(person=person, actor=world["admin"])  # a council admin: not held
    person.refresh_from_db()
    assert person.email == erased_email(person.pk) and person.display_name == ""
    # The council's safeguarding and vetting record stays, as concerns and notes do.
    reasons = list(
        Suspension.objects.filter(person_id=person.pk)
        .order_by("suspended_at", "id")
        .values_list("reason", "reinstatement_note")
    )
    assert reasons == [(SUSPEND_WORDS, REINSTATE_WORDS), (SUSPEND_WORDS + " 2", "")]
    assert HelperCheck.objects.get(pk=world["check"].pk).revoked_reason == REVOKE_WORDS
    # And still none of the words in the audit log, the erasure row included.
    rows = [str(d) for d in AuditEvent.objects.values_list("data", flat=True)]
    assert AuditEvent.objects.filter(verb="person.erased", target_id=person.pk).exists()
    for marker in ("Quokkaberry", "Wombatplum", "Zebrafinch"):
        assert not any(marker in row for row in rows), marker
