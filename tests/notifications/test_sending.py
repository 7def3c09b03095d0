"""Sending through GOV.UK Notify with its real client against the local server: each channel,
delivery receipts, retries on 5xx and never on 4xx, a task run twice sends once, fallback to
another channel after a permanent failure, and quiet hours."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from matching import services as matching
from notifications.models import Channel, ContactPreference, Notification, Status
from notifications.pipeline import notify
from notifications.rules import Notice
from notifications.tasks import send_notification, send_queued
from tests.kit import factories as make
from tests.kit.notify_server import INVALID_MOBILE

pytestmark = pytest.mark.django_db

ADDRESS = "Flat 2\n10 Park Row\nLeeds\nLS1 5HD"


def reachable(person, *, email=True, sms=False, letter=False, mobile="+447700900123", **kw):
    return ContactPreference.objects.create(
        person=person,
        by_email=email,
        by_sms=sms,
        by_letter=letter,
        mobile=mobile,
        mobile_verified_at=timezone.now() if mobile else None,
        postal_address=ADDRESS,
        **kw,
    )


def tell(person, *, template="helper_offered", dedupe="test:1", **kw):
    notice = Notice(
        person=person,
        template=template,
        dedupe=dedupe,
        link="/matches/1/",
        context={"title": "Walk my dog", "category": "dog walking"},
        **kw,
    )
    return notify([notice], event="test.event")


def row(rows, channel):
    """The saved row of `channel` among what `notify` wrote."""
    reference = next(r.reference for r in rows if r.channel == channel)
    return Notification.objects.get(reference=reference)


def test_email_text_and_letter_go_through_notify(
    notify, citizen, helper, moderator, django_capture_on_commit_callbacks
):
    reachable(citizen, sms=True, letter=True)
    need = make.open_need(owner=citizen, moderator=moderator)
    offer = make.open_offer(helper=helper, moderator=moderator)
    with django_capture_on_commit_callbacks(execute=True):
        matching.match_offer_help(helper=helper, need_id=need.pk, offer_id=offer.pk)
    (email,) = notify.of_kind("email")
    (sms,) = notify.of_kind("sms")
    (letter,) = notify.of_kind("letter")
    assert email.to == citizen.email and sms.to == "+447700900123"
    assert letter.personalisation["address_line_4"] == "LS1 5HD"
    assert "https://kith.example.gov.uk/matches/" in email.personalisation["body"]
    assert "Reply YES to accept" in sms.personalisation["body"]
    assert "reply STOP" in sms.personalisation["body"]
    assert "You get this because you asked for help on Kith." in sms.personalisation["body"]
    rows = Notification.objects.filter(person=citizen, template="helper_offered").exclude(
        channel=Channel.KITH
    )
    assert {r.status for r in rows} == {Status.SENDING}  # until Notify's receipt
    assert {r.provider_id for r in rows} == {email.id, sms.id, letter.id}
    assert {str(r.reference) for r in rows} == {email.reference, sms.reference, letter.reference}


def test_a_task_that_runs_twice_sends_once(notify, citizen, django_capture_on_commit_callbacks):
    rows = tell(citizen)  # not committed yet: nothing sent
    email = row(rows, Channel.EMAIL)
    assert send_notification(str(email.reference)) == "sent"
    assert send_notification(str(email.reference)) == "not due"
    assert send_queued() == 0
    assert len(notify.sent) == 1


def test_a_5xx_is_retried_with_a_wait_and_a_4xx_never(notify, citizen, helper):
    notify.fail_next(500)
    email = row(tell(citizen), Channel.EMAIL)
    assert send_notification(str(email.reference)) == "retry"
    email.refresh_from_db()
    assert email.status == Status.QUEUED and email.attempts == 1
    assert email.send_after > timezone.now()
    assert send_queued() == 0  # not due yet
    Notification.objects.filter(pk=email.pk).update(send_after=timezone.now())
    assert send_queued() == 1
    email.refresh_from_db()
    assert email.status == Status.SENDING and email.attempts == 2 and email.provider_id

    reachable(helper, email=False, sms=True, mobile=INVALID_MOBILE)
    sms = row(tell(helper, dedupe="test:2"), Channel.SMS)
    assert send_notification(str(sms.reference)) == "failed"
    sms.refresh_from_db()
    assert sms.status == Status.PERMANENT_FAILURE and sms.attempts == 1
    assert "400" in sms.failure
    Notification.objects.filter(pk=sms.pk).update(send_after=None)
    assert send_queued() == 0  # a 4xx is never tried again
    assert len([s for s in notify.sent if s.kind == "sms"]) == 0


def test_retries_stop_after_the_limit_as_a_technical_failure(notify, citizen):
    notify.fail_next(*[503] * 5)
    email = row(tell(citizen), Channel.EMAIL)
    for _ in range(5):
        Notification.objects.filter(pk=email.pk).update(send_after=None)
        send_notification(str(email.reference))
    email.refresh_from_db()
    assert email.status == Status.TECHNICAL_FAILURE and email.attempts == 5
    assert notify.sent == []


def _receipt(client, payload, token="receipt-token-for-tests"):  # noqa: S107
    return client.post(
        "/notify/receipts/",
        payload,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


def test_receipts_update_the_row_and_a_permanent_failure_falls_back_to_text(
    notify, citizen, client, django_capture_on_commit_callbacks
):
    reachable(citizen, email=True, sms=False)  # a verified mobile, texts not chosen
    with django_capture_on_commit_callbacks(execute=True):
        rows = tell(citizen)
    email = row(rows, Channel.EMAIL)
    assert email.provider_id

    assert (
        _receipt(client, {"id": email.provider_id, "status": "delivered"}, "wrong").status_code
        == 401
    )
    with django_capture_on_commit_callbacks(execute=True):
        answer = _receipt(
            client,
            {
                "id": email.provider_id,
                "reference": str(email.reference),
                "status": "permanent-failure",
            },
        )
    assert answer.status_code == 204
    email.refresh_from_db()
    assert email.status == Status.PERMANENT_FAILURE
    sms = Notification.objects.get(person=citizen, channel=Channel.SMS)
    assert sms.dedupe_key == email.dedupe_key and sms.status == Status.SENDING
    assert notify.of_kind("sms")[0].to == "+447700900123"
    # A late "delivered" for a final row changes nothing.
    _receipt(client, {"id": email.provider_id, "status": "delivered"})
    email.refresh_from_db()
    assert email.status == Status.PERMANENT_FAILURE


def test_receipts_need_a_configured_token(settings, client, db):
    settings.NOTIFY_RECEIPT_TOKEN = ""
    assert _receipt(client, {"id": "x", "status": "delivered"}, "").status_code == 404


def test_quiet_hours_hold_messages_but_not_safety_critical_ones(citizen, settings):
    now = timezone.localtime()
    start = (now - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    end = (now + dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    reachable(citizen, quiet_start=start, quiet_end=end)
    held = row(tell(citizen), Channel.EMAIL)
    assert held.send_after is not None and held.send_after > timezone.now()
    assert send_notification(str(held.reference)) == "not due"
    urgent = row(tell(citizen, dedupe="test:2", safety_critical=True), Channel.EMAIL)
    assert urgent.send_after is None
    assert send_notification(str(urgent.reference)) == "sent"


def test_without_notify_texts_and_letters_are_written_to_the_outbox_folder(
    citizen, settings, tmp_path
):
    settings.KITH_OUTBOX_DIR = str(tmp_path)
    reachable(citizen, email=False, sms=True, letter=True)
    for row in tell(citizen):
        if row.channel != Channel.KITH:
            assert send_notification(str(row.reference)) == "sent"
    files = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert files == ["letter", "sms"]
    assert Notification.objects.filter(status=Status.DELIVERED).count() == 3
