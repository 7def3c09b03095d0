"""How a person chooses to be contacted, on the web pages: channels ("choose all that apply"
keeps every box), a mobile number proved by a texted code, letters' address, quiet hours as
people write them; bad input is refused with a clear message and nothing half-saved. Staff
record the same for someone who is not online, audited."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from core.models import AuditEvent
from notifications.models import ContactPreference, Notification

pytestmark = pytest.mark.django_db


def last_code(person) -> str:
    body = Notification.objects.filter(person=person, template="mobile_code").latest("id").body
    return re.search(r"\b(\d{6})\b", body).group(1)


def save(client, **fields):
    data = {"language": "en", "channels": ["email"], **fields}
    return client.post("/account/contact/", data)


def test_two_channels_a_texted_code_and_quiet_hours_as_people_write_them(client, citizen):
    client.force_login(citizen)
    answer = save(
        client,
        channels=["email", "sms"],
        mobile="07700 900 982",
        quiet_start="9pm",
        quiet_end="8am",
    )
    assert answer.status_code == 302 and answer["Location"] == "/account/contact/mobile/"
    pref = ContactPreference.objects.get(person=citizen)
    assert (pref.by_email, pref.by_sms, pref.mobile) == (True, True, "+447700900982")
    assert (pref.quiet_start, pref.quiet_end) == (dt.time(21), dt.time(8))
    assert not pref.sms_ready  # not until the code comes back

    wrong = client.post("/account/contact/mobile/", {"code": "000000"})
    assert "That code is not right" in wrong.content.decode()
    done = client.post("/account/contact/mobile/", {"code": last_code(citizen)})
    assert done.status_code == 302
    pref.refresh_from_db()
    assert pref.sms_ready
    page = client.get("/account/contact/").content.decode()
    assert page.count("checked") >= 2  # both boxes stay ticked


def test_a_code_tried_too_often_stops_working(client, citizen):
    client.force_login(citizen)
    save(client, channels=["sms"], mobile="07700900982")
    code = last_code(citizen)
    for _ in range(5):
        client.post("/account/contact/mobile/", {"code": "111111" if code != "111111" else "2"})
    answer = client.post("/account/contact/mobile/", {"code": code})
    assert "tried too often" in answer.content.decode()
    assert not ContactPreference.objects.get(person=citizen).sms_ready
    again = client.post("/account/contact/mobile/", {"action": "resend"}, follow=True)
    assert "less than a minute ago" in again.content.decode()


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"channels": ["sms"], "mobile": "hello"}, "Enter a UK mobile number"),
        ({"channels": ["sms"], "mobile": "0113 496 0000"}, "Enter a UK mobile number"),
        ({"channels": ["sms"]}, "Give the mobile number"),
        ({"channels": ["letter"]}, "Give the postal address"),
        ({"channels": ["letter"], "postal_address": "Leeds"}, "3 to 7 lines"),
        ({"quiet_start": "9pm"}, "Give both times, or neither"),
        ({"quiet_start": "soon", "quiet_end": "8am"}, "Enter a time"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(client, citizen, fields, message):
    client.force_login(citizen)
    answer = save(client, **{"channels": ["email", "letter"], **fields})
    assert answer.status_code == 200
    assert message in answer.content.decode()
    assert not ContactPreference.objects.filter(person=citizen).exists()


def test_staff_record_choices_for_someone_not_online(client, council_admin, citizen):
    client.force_login(council_admin)
    # Opening the page is a read of the person's contact details: audited.
    assert client.get(f"/staff/people/{citizen.pk}/contact/").status_code == 200
    viewed = AuditEvent.objects.get(verb="contact.viewed")
    assert (viewed.actor_id, viewed.target_id) == (council_admin.pk, citizen.pk)
    answer = client.post(
        f"/staff/people/{citizen.pk}/contact/",
        {
            "channels": ["letter", "sms"],
            "mobile": "07700900982",
            "postal_address": "2 Park Row\nLeeds\nLS1 5HD",
            "language": "cy",
        },
    )
    assert answer.status_code == 302
    pref = ContactPreference.objects.get(person=citizen)
    assert (pref.by_letter, pref.by_sms, pref.by_email, pref.language) == (True, True, False, "cy")
    assert pref.set_by == council_admin
    event = AuditEvent.objects.get(verb="contact.preferences_set")
    assert event.actor_id == council_admin.pk and event.target_id == citizen.pk
    # What changed is named, its values are not.
    assert event.data["changed"] == ["mobile", "postal_address", "language"]
    assert "07700900982" not in str(event.data)
    # The person reads the texted code out on the phone.
    confirmed = client.post(f"/staff/people/{citizen.pk}/contact/", {"code": last_code(citizen)})
    assert confirmed.status_code == 302
    pref.refresh_from_db()
    assert pref.sms_ready


def test_codes_are_capped_and_never_sent_to_a_number_in_use(client, citizen, helper):
    from notifications.services import MOBILE_CODES_PER_DAY

    ContactPreference.objects.create(
        person=helper, mobile="+447700900982", mobile_verified_at=dt.datetime.now(dt.UTC)
    )
    client.force_login(citizen)
    taken = save(client, channels=["sms"], mobile="07700900982")
    assert "already in use on another Kith account" in taken.content.decode()
    assert not Notification.objects.filter(template="mobile_code").exists()

    for n in range(MOBILE_CODES_PER_DAY + 1):
        save(client, channels=["sms"], mobile=f"0770090{n:04d}")
    sent = Notification.objects.filter(person=citizen, template="mobile_code")
    assert sent.count() == MOBILE_CODES_PER_DAY  # a new number each time, and still capped
    last = save(client, channels=["sms"], mobile="07700901111")
    assert "the most it sends in a day" in last.content.decode()


def test_staff_see_what_was_sent_but_never_a_code(client, council_admin, citizen):
    client.force_login(citizen)
    save(client, channels=["email", "sms"], mobile="07700900982")
    code = last_code(citizen)
    client.force_login(council_admin)
    page = client.get(f"/staff/people/{citizen.pk}/").content.decode()
    assert "+447700900982 (not confirmed yet)" in page
    assert "Your Kith code" in page and code not in page


def test_every_problem_is_said_at_once(client, citizen):
    client.force_login(citizen)
    html = save(client, channels=["sms", "letter"], mobile="", postal_address="").content.decode()
    assert "Give the mobile number text messages should go to." in html
    assert "Give the postal address letters should go to." in html
    html = save(
        client, channels=["sms", "letter"], mobile="12345", postal_address="Just one line"
    ).content.decode()
    assert "Enter a UK mobile number" in html and "Write the address on 3 to 7 lines" in html
    assert not ContactPreference.objects.filter(person=citizen).exists()


def test_every_problem_is_named_by_the_api_too(citizen):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(citizen)
    answer = api.put(
        "/api/v1/me/contact/",
        {"by_email": False, "by_sms": True, "by_letter": True},
        format="json",
    )
    assert answer.status_code == 400
    assert [p["code"] for p in answer.json()["problems"]] == [
        "address_required",
        "mobile_required",
    ]


def test_email_only_with_a_number_kept_does_not_ask_for_a_code(client, citizen):
    client.force_login(citizen)
    answer = save(client, channels=["email"], mobile="07700 900 982")
    assert answer["Location"] != "/account/contact/mobile/"
    pref = ContactPreference.objects.get(person=citizen)
    assert (pref.by_email, pref.by_sms) == (True, False)


def test_choosing_no_way_to_be_contacted_says_what_that_means(client, citizen):
    client.force_login(citizen)
    answer = save(client, channels=[])
    assert answer.status_code == 302
    page = client.get(answer["Location"]).content.decode()
    assert "You chose no email, text or letter, so Kith will not send you messages" in page
    pref = ContactPreference.objects.get(person=citizen)
    assert not (pref.by_email or pref.by_sms or pref.by_letter)


def test_news_written_in_welsh_is_marked_welsh_on_an_english_page(client, citizen):
    from notifications.pipeline import notify
    from notifications.rules import Notice

    client.force_login(citizen)
    save(client, language="cy")
    notice = Notice(
        person=citizen,
        template="helper_offered",
        dedupe="test:lang",
        link="/matches/1/",
        context={"title": "Walk my dog", "category": "dog walking"},
    )
    notify([notice], event="test.event")
    item = Notification.objects.filter(person=citizen, channel="kith").latest("id")
    assert item.language == "cy"
    client.cookies["kith_language"] = "en"  # pages in English, messages in Welsh
    html = client.get("/whats-new/").content.decode()
    item_in_welsh = '<li class="govuk-!-margin-bottom-3" lang="cy">'
    assert html.count(item_in_welsh) == 1 and '<html lang="en-GB"' in html
    Notification.objects.filter(pk=item.pk).update(language="en")
    html = client.get("/whats-new/").content.decode()
    assert item_in_welsh not in html and '<li class="govuk-!-margin-bottom-3">' in html


def test_a_number_kept_without_texts_chosen_is_not_texted(client, citizen):
    client.force_login(citizen)
    save(client, channels=["email"], mobile="07700 900 982")
    assert not Notification.objects.filter(person=citizen, template="mobile_code").exists()
    save(client, channels=["email", "sms"], mobile="07700 900 982")
    assert Notification.objects.filter(person=citizen, template="mobile_code").count() == 1
