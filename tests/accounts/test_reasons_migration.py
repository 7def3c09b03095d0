"""accounts 0004: reasons staff typed before they had a home on the record are copied from
the audit rows that held them (which stay as they were: the log is append-only) onto the
revoked check and into `Suspension` rows; reversing removes what it made."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from accounts.models import StaffMembership
from core.models import AuditEvent
from tests.kit import factories as make
from trust.models import HelperCheck, SafeguardingConcern, Suspension

BEFORE = ("accounts", "0003_reasons_on_records")
AFTER = ("accounts", "0004_reasons_from_audit_rows")


def _migrate_to_latest() -> None:
    """Every app at its newest migration again: going back to BEFORE also unapplied the
    migrations that came after it, in this app and in others."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(target) -> None:
    MigrationExecutor(connection).migrate([target])


def _event(*, actor, verb, council, target_type, target_id, data):
    """An audit row as Kith wrote it before 0003, with the words in its data."""
    AuditEvent.objects.create(
        actor_id=actor.pk,
        council=council,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        data=data,
    )


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_old_audit_texts_are_copied_onto_the_records():
    council = make.CouncilFactory()
    lead = make.staff(council=council, role=StaffMembership.Role.SAFEGUARDING_LEAD)
    person = make.person(council=council)
    never = make.person(council=council)
    check = HelperCheck.objects.create(
        user=person,
        council=council,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=5),
        revoked_at=timezone.now(),
    )
    concern = SafeguardingConcern.objects.create(
        council=council, about=person, raised_by=lead, summary="Worry"
    )
    try:
        _migrate(BEFORE)
        common = {"actor": lead, "council": council}
        _event(
            verb="helper_check.revoked",
            target_type="helpercheck",
            target_id=check.pk,
            data={"person_id": person.pk, "reason": "Old revoke words"},
            **common,
        )
        for verb, data in (
            ("person.suspended", {"reason": "First words", "concern_id": concern.pk}),
            ("person.reinstated", {"note": "Back words", "suspended_at": "x"}),
            ("person.suspended", {"reason": "Second words", "concern_id": None}),
        ):
            _event(verb=verb, target_type="person", target_id=person.pk, data=data, **common)
        audit_before = list(AuditEvent.objects.order_by("id").values_list("id", "data"))

        _migrate(AFTER)
        # Only the columns that existed then (trust 0004 added more to helper checks).
        check.refresh_from_db(fields=["revoked_reason"])
        assert check.revoked_reason == "Old revoke words"
        rows = list(
            Suspension.objects.filter(person=person)
            .order_by("suspended_at", "id")
            .values_list("reason", "reinstatement_note", "concern_id", "suspended_by_id")
        )
        assert rows == [
            ("First words", "Back words", concern.pk, lead.pk),
            ("Second words", "", None, lead.pk),
        ]
        # Only the columns that existed then: later migrations (trust 0003) are unapplied.
        second = Suspension.objects.only("reinstated_at").get(reason="Second words")
        assert second.reinstated_at is None
        assert not Suspension.objects.filter(person=never).exists()
        # The audit rows are untouched (append-only).
        assert list(AuditEvent.objects.order_by("id").values_list("id", "data")) == audit_before

        _migrate(BEFORE)
        assert not Suspension.objects.exists()
        check.refresh_from_db(fields=["revoked_reason"])
        assert check.revoked_reason == ""
    finally:
        _migrate_to_latest()
