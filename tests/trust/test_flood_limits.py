"""Flood limits on messages and reports (abuse limits, ADR 0002): under the limit a person
sends and reports as usual; over it the API answers 400 with a plain message and nothing is
saved; the count is per person, so someone else is unaffected; only the window counts."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from matching import services
from matching.models import Message
from tests.kit import factories as make
from trust.flood import MESSAGE_FLOOD_MESSAGE, REPORT_FLOOD_MESSAGE, parse_limit
from trust.models import Report

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.default_format = "json"  # the API reads JSON bodies only
    client.force_authenticate(user)
    return client


@pytest.fixture
def match():
    council = make.council()
    need = make.need_row(council=council, slots=[(1, (18, 0), (20, 0))])
    offer = make.offer_row(
        council=council, at=make.point_at(1500, 0), slots=[(1, (17, 0), (21, 0))]
    )
    found = services.match_offer_help(helper=offer.helper, need_id=need.pk, offer_id=offer.pk)
    services.match_accept(user=need.owner, match_id=found.pk)
    return found


def _send(user, match, body: str):
    return client_for(user).post(f"/api/v1/matches/{match.pk}/messages/", {"body": body})


@override_settings(KITH_MESSAGE_FLOOD_LIMIT="3/10min")
def test_messages_over_the_limit_are_refused_with_a_plain_message(match):
    citizen, helper = match.need.owner, match.offer.helper
    for n in range(3):
        assert _send(citizen, match, f"Message {n}").status_code == 201
    refused = _send(citizen, match, "One too many")
    assert refused.status_code == 400
    assert refused.json()["detail"] == MESSAGE_FLOOD_MESSAGE
    assert Message.objects.filter(sender=citizen).count() == 3
    assert not Message.objects.filter(body="One too many").exists()
    # The other person in the conversation is not limited by the first one's messages.
    assert _send(helper, match, "Hello back").status_code == 201


@override_settings(KITH_MESSAGE_FLOOD_LIMIT="3/10min")
def test_messages_older_than_the_window_do_not_count(match):
    citizen = match.need.owner
    for n in range(3):
        services.message_send(user=citizen, match_id=match.pk, body=f"Earlier {n}")
    assert _send(citizen, match, "Too soon").status_code == 400
    Message.objects.filter(sender=citizen).update(
        created_at=timezone.now() - dt.timedelta(minutes=11)
    )
    assert _send(citizen, match, "Later on").status_code == 201


@override_settings(KITH_REPORT_FLOOD_LIMIT="2/60min")
def test_reports_over_the_limit_are_refused_for_messages_and_people(match):
    citizen, helper = match.need.owner, match.offer.helper
    sent = [
        services.message_send(user=citizen, match_id=match.pk, body=f"Message {n}")
        for n in range(3)
    ]
    reporter = client_for(helper)
    for message in sent[:2]:
        made = reporter.post(f"/api/v1/messages/{message.pk}/report/", {"reason": "Rude"})
        assert made.status_code == 201
    refused = reporter.post(f"/api/v1/messages/{sent[2].pk}/report/", {"reason": "Rude"})
    assert refused.status_code == 400
    assert refused.json()["detail"] == REPORT_FLOOD_MESSAGE
    # Reports of people and listings count towards the same limit
    # (marketplace.services.report_create).
    person = reporter.post(
        "/api/v1/reports/",
        {"target_type": "person", "target_id": citizen.pk, "reason": "Odd"},
        format="json",
    )
    assert person.status_code == 400
    assert person.json()["detail"] == REPORT_FLOOD_MESSAGE
    assert Report.objects.filter(reporter=helper).count() == 2
    # Someone else can still report.
    answer = services.message_send(user=helper, match_id=match.pk, body="Hello")
    made = client_for(citizen).post(f"/api/v1/messages/{answer.pk}/report/", {"reason": "Rude"})
    assert made.status_code == 201
    person = client_for(citizen).post(
        "/api/v1/reports/",
        {"target_type": "person", "target_id": helper.pk, "reason": "Odd"},
        format="json",
    )
    assert person.status_code == 201
    assert Report.objects.filter(reporter=citizen).count() == 2


def test_the_limits_are_settings_in_a_readable_form():
    assert parse_limit("30/10min") == (30, dt.timedelta(minutes=10))
    assert parse_limit("10/60min") == (10, dt.timedelta(hours=1))
    for bad in ("", "30", "30/0min", "thirty/10min", "30/10s"):
        with pytest.raises(ValueError):
            parse_limit(bad)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(KITH_MESSAGE_FLOOD_LIMIT="2/10min")
def test_simultaneous_messages_at_the_limit_take_turns(match):
    """Two messages sent at the same moment with room for one: exactly one is saved. The main
    thread holds back every insert of a message (a SHARE lock on the table, which reads pass)
    until both requests are in flight, so without the per-person flood lock both would count
    one message, pass, and then both be saved."""
    citizen = match.need.owner
    # The first message goes through the API too, so that nothing is still loading lazily
    # when the two threads start.
    assert _send(citizen, match, "First").status_code == 201
    statuses: list[int] = []
    ready = threading.Barrier(3)

    def send(body: str) -> None:
        try:
            client = client_for(citizen)
            ready.wait(timeout=10)
            statuses.append(_send_with(client, match, body).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(f"At once {n}",)) for n in range(2)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Message._meta.db_table} IN SHARE MODE")
        for thread in threads:
            thread.start()
        ready.wait(timeout=10)
        threading.Event().wait(1.5)  # both requests are now in flight
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201, 400]
    assert Message.objects.filter(sender=citizen).count() == 2


def _send_with(client: APIClient, match, body: str):
    return client.post(f"/api/v1/matches/{match.pk}/messages/", {"body": body})
