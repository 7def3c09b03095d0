"""matching 0008: messages staff sent for a person before `Message.sent_for_by` carried the
mark as a first line; the migration moves it to the column, and back when reversed."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.audit import audit_record
from matching.models import Match, Message
from tests.kit import factories as make

BEFORE = ("matching", "0007_message_sent_for_by_validate_index")
AFTER = ("matching", "0008_message_sent_for_by_from_prefix")


def _migrate_to_latest() -> None:
    """Every app at its newest migration again: going back to BEFORE also unapplied the
    migrations that came after it, in this app and in others."""
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def _migrate(target) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([target])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_prefixed_messages_move_to_the_column_and_back(mcouncil):
    need = make.need_row(council=mcouncil)
    offer = make.offer_row(council=mcouncil)
    need.owner.display_name = "Margaret Citizen"
    need.owner.save(update_fields=["display_name"])
    match = Match.objects.create(
        council=mcouncil,
        need=need,
        offer=offer,
        proposed_by="helper",
        status="accepted",
        accepted_at=timezone.now(),
    )
    staff = make.staff(council=mcouncil, lives_here=True, with_home=False)

    def sent(body, *, audited: bool, sender=need.owner, sent_for_by=None) -> Message:
        message = Message.objects.create(
            match=match, sender=sender, body=body, sent_for_by=sent_for_by
        )
        if audited:
            audit_record(actor=staff, verb="assisted.message_sent", target=message)
        return message

    # Before 0006: the mark was the first line (the name as it was then).
    old = sent("Sent by council staff for Maggie:\nMonday at ten.", audited=True)
    # The same words typed by the person themselves: no staff event, so left alone.
    typed = sent("Sent by council staff for Maggie:\nA joke.", audited=False)
    plain = sent("See you then.", audited=False, sender=offer.helper)
    new = sent("Tuesday instead?", audited=True, sent_for_by=staff)
    bodies = {m.pk: m.body for m in (old, typed, plain, new)}

    def state():
        return {
            m.pk: (m.body, m.sent_for_by_id)
            for m in Message.objects.filter(pk__in=bodies).order_by("pk")
        }

    try:
        _migrate(BEFORE)  # back: every message with sent_for_by gets the first line
        assert state() == {
            old.pk: (bodies[old.pk], None),
            typed.pk: (bodies[typed.pk], None),
            plain.pk: (bodies[plain.pk], None),
            new.pk: ("Sent by council staff for Margaret Citizen:\nTuesday instead?", staff.pk),
        }
        _migrate(AFTER)
        after = {
            old.pk: ("Monday at ten.", staff.pk),
            typed.pk: (bodies[typed.pk], None),
            plain.pk: (bodies[plain.pk], None),
            new.pk: ("Tuesday instead?", staff.pk),
        }
        assert state() == after
        _migrate(BEFORE)
        _migrate(AFTER)
        assert state() == after  # round trip and re-run: the same
    finally:
        _migrate_to_latest()
