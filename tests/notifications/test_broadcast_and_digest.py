"""A council admin's message to helpers: preview first, the right helpers only, capped and
audited; and the staff's daily list of people Kith could not reach."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from core.errors import ApplicationError
from core.models import AuditEvent
from notifications import broadcast
from notifications.models import Channel, Notification, Status
from notifications.services import failures_digest_send
from tests.kit import factories as make

pytestmark = pytest.mark.django_db


@pytest.fixture
def helpers(home_council, moderator):
    walkers = [make.person(council=home_council) for _ in range(2)]
    for person in walkers:
        make.open_offer(helper=person, moderator=moderator)
    gardener = make.person(council=home_council)
    make.record_check(actor=moderator, helper=gardener)
    make.open_offer(helper=gardener, moderator=moderator, category_slug="gardening")
    return {"walkers": walkers, "gardener": gardener}


def test_preview_then_send_to_the_helpers_of_one_kind_of_help(
    client, council_admin, helpers, django_capture_on_commit_callbacks
):
    client.force_login(council_admin)
    form = {
        "subject": "Icy paths this week",
        "message": "Please take care on the paths near the park.",
        "category": "dog-walking",
        "radius_km": "5",
    }
    preview = client.post("/staff/broadcast/", {**form, "action": "preview"})
    assert "This will reach 2 helpers" in preview.content.decode()
    assert not Notification.objects.filter(template="broadcast").exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post("/staff/broadcast/", {**form, "action": "send"})
    assert sent.status_code == 302
    told = set(
        Notification.objects.filter(template="broadcast", channel=Channel.KITH).values_list(
            "person_id", flat=True
        )
    )
    assert told == {p.pk for p in helpers["walkers"]}
    assert len([m for m in mail.outbox if m.subject.endswith("Icy paths this week")]) == 2
    event = AuditEvent.objects.get(verb="broadcast.sent")
    assert event.actor_id == council_admin.pk and event.data["recipients"] == 2
    assert "park" not in str(event.data)


def test_broadcasts_are_capped_and_for_council_admins_only(
    council_admin, moderator, helpers, monkeypatch
):
    with pytest.raises(ApplicationError) as refused:
        broadcast.broadcast_plan(actor=moderator, subject="Hi", message="Hello")
    assert refused.value.code == "forbidden"
    monkeypatch.setattr(broadcast, "BROADCAST_MAX_RECIPIENTS", 2)
    with pytest.raises(ApplicationError) as too_many:
        broadcast.broadcast_plan(actor=council_admin, subject="Hi", message="Hello")
    assert "would reach 3 helpers" in too_many.value.message
    for _ in range(broadcast.BROADCASTS_PER_DAY):
        broadcast.broadcast_send(
            actor=council_admin, subject="Hi", message="Hello", category_slug="gardening"
        )
    with pytest.raises(ApplicationError) as limit:
        broadcast.broadcast_send(
            actor=council_admin, subject="Hi", message="Hello", category_slug="gardening"
        )
    assert limit.value.code == "daily_limit"


def test_staff_get_a_daily_list_of_people_kith_could_not_reach(
    client, home_council, safeguarding_lead, citizen, django_capture_on_commit_callbacks
):
    Notification.objects.create(
        person=citizen,
        council=home_council,
        event="match.proposed",
        template="helper_offered",
        channel=Channel.EMAIL,
        dedupe_key="x",
        subject="A helper has offered to help",
        body="…",
        status=Status.PERMANENT_FAILURE,
        finished_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert failures_digest_send(since=timezone.now() - dt.timedelta(days=1)) == 1
    [digest] = [m for m in mail.outbox if m.to == [safeguarding_lead.email]]
    assert "could not reach 1 person" in digest.body
    assert "/staff/people/not-reached/" in digest.body
    client.force_login(safeguarding_lead)
    page = client.get("/staff/people/not-reached/").content.decode()
    assert citizen.public_name in page and "Could not be delivered" in page
