"""No dead ends in the need journey: each answer is checked on the page that asks for it (a
postcode outside the council's area, contact details in the words, a date already past), a need
the council turned down can be changed and sent again, and a need's postcode can be changed."""

import datetime as dt

import pytest
from django.contrib.gis.geos import Point
from django.urls import reverse
from django.utils import timezone

from core.contact_details import ADDRESS_MESSAGE, CONTACT_DETAILS_MESSAGE
from core.models import AuditEvent
from marketplace.models import Need
from marketplace.selectors import review_queue_needs
from marketplace.services import moderation_reject, need_create
from places.geo import NOT_AVAILABLE_MESSAGE, approximate_point
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

REASON = "Please say which afternoons suit you."


def step_url(name: str) -> str:
    return reverse("need_new_step", args=[name])


def start(client, befriending) -> None:
    client.get(reverse("need_new"))
    client.post(step_url("category"), {"category": befriending.pk})


def refused_on_the_page(response, field: str) -> str:
    """The page asked again, with its error summary linking to `field`."""
    assert response.status_code == 200, response.get("Location")
    html = response.content.decode()
    assert "<title>Error: " in html
    assert f'href="#id_{field}"' in html
    return html


# --- Each answer checked where it is given -------------------------------------------------------
def test_a_postcode_outside_the_councils_area_is_refused_on_the_postcode_page(
    client, citizen, befriending
):
    client.force_login(citizen)
    start(client, befriending)
    html = refused_on_the_page(client.post(step_url("place"), {"postcode": "BT1 1AA"}), "postcode")
    assert NOT_AVAILABLE_MESSAGE in html
    html = refused_on_the_page(client.post(step_url("place"), {"postcode": "LS9 9ZZ"}), "postcode")
    assert "We could not find the postcode LS9 9ZZ." in html
    assert "pin on the map" not in html
    assert "postcode" not in client.session["need_draft"]
    response = client.post(step_url("place"), {"postcode": "ls3 3dd"})
    assert response.status_code == 302
    assert client.session["need_draft"]["postcode"] == "LS3 3DD"


@pytest.mark.parametrize(
    ("title", "description", "field"),
    [
        ("A weekly chat", "Ring me on 0113 496 0000 any afternoon.", "description"),
        ("A chat – margaret@example.org", "Tea and a chat.", "title"),
        ("A weekly chat", "Write to me: margaret at gmail dot com", "description"),
    ],
)
def test_contact_details_are_refused_on_the_page_where_they_are_typed(
    client, citizen, befriending, title, description, field
):
    client.force_login(citizen)
    start(client, befriending)
    response = client.post(step_url("details"), {"title": title, "description": description})
    html = refused_on_the_page(response, field)
    assert CONTACT_DETAILS_MESSAGE in html
    assert "title" not in client.session["need_draft"]


def test_an_address_is_refused_on_the_page_where_it_is_typed(client, citizen, befriending):
    client.force_login(citizen)
    start(client, befriending)
    response = client.post(
        step_url("details"),
        {"title": "Hedge at 12 High Street", "description": "The blue door, LS3 3DD."},
    )
    html = refused_on_the_page(response, "title")
    assert ADDRESS_MESSAGE in html and 'href="#id_description"' in html
    assert "title" not in client.session["need_draft"]


def test_contact_details_are_refused_in_welsh_to_a_welsh_speaker(client, citizen, befriending):
    client.force_login(citizen)
    client.cookies["kith_language"] = "cy"
    start(client, befriending)
    response = client.post(
        step_url("details"), {"title": "Sgwrs", "description": "Ffoniwch 0113 496 0000."}
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'href="#id_description"' in html
    assert "Tynnwch rifau ffôn a chyfeiriadau e-bost allan." in html
    assert "Please take out phone numbers" not in html


def test_a_helper_changing_their_offers_words_is_told_of_contact_details_on_that_page(
    client, helper, befriending, moderator
):
    client.force_login(helper)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    url = reverse("offer_change", args=[offer.pk, "about"])
    answers = {"description": "Text me on 07700 900123.", "version": offer.version}
    html = refused_on_the_page(client.post(url, answers), "description")
    assert CONTACT_DETAILS_MESSAGE in html
    offer.refresh_from_db()
    assert "07700" not in offer.description


OVERLAPPING = {
    "slots-TOTAL_FORMS": "2",
    "slots-INITIAL_FORMS": "0",
    "slots-0-weekday": "1",
    "slots-0-start": "14:00",
    "slots-0-end": "16:00",
    "slots-1-weekday": "1",
    "slots-1-start": "3pm",
    "slots-1-end": "5pm",
}


@pytest.mark.parametrize("flow", ["need", "offer"])
def test_overlapping_weekly_times_are_refused_on_the_times_page(
    client, citizen, helper, befriending, flow
):
    if flow == "need":
        client.force_login(citizen)
        start(client, befriending)
        client.post(step_url("details"), {"title": "A chat", "description": "Tea and a chat."})
        client.post(step_url("timing"), {"timing": "weekly"})
        url = step_url("times")
    else:
        client.force_login(helper)
        client.get(reverse("offer_new"))
        client.post(reverse("offer_new_step", args=["category"]), {"category": befriending.pk})
        url = reverse("offer_new_step", args=["times"])
    response = client.post(url, OVERLAPPING)
    html = response.content.decode()
    assert response.status_code == 200 and "govuk-error-summary" in html
    assert "overlap. Join them into one time or change one of them." in html
    assert '<a href="#id_slots-0-weekday">' in html  # the summary leads to the rows
    apart = OVERLAPPING | {"slots-1-start": "4pm", "slots-1-end": "6pm"}
    assert client.post(url, apart).status_code == 302


def date_answer(day: dt.date, start="10:00", end="12:00") -> dict:
    return {"day": day.day, "month": day.month, "year": day.year, "start": start, "end": end}


def test_a_date_already_past_is_refused_on_the_date_page(client, citizen, befriending):
    client.force_login(citizen)
    start(client, befriending)
    client.post(step_url("timing"), {"timing": "one_off"})
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    html = refused_on_the_page(client.post(step_url("date"), date_answer(yesterday)), "day")
    assert "The time needed has already passed." in html
    assert "starts_at" not in client.session["need_draft"]
    soon = timezone.localdate() + dt.timedelta(days=2)
    assert client.post(step_url("date"), date_answer(soon)).status_code == 302


def test_a_wrong_date_and_a_wrong_time_are_told_together(client, citizen, befriending):
    client.force_login(citizen)
    start(client, befriending)
    client.post(step_url("timing"), {"timing": "one_off"})
    answers = {"day": "31", "month": "2", "year": "2027", "start": "banana", "end": "12:00"}
    html = refused_on_the_page(client.post(step_url("date"), answers), "day")
    assert 'href="#id_start"' in html and "Enter the start time" in html


# --- A need turned down, changed and sent again -------------------------------------------------
@pytest.fixture
def turned_down(citizen, befriending, place):
    staff = make.staff(council=place)
    need = need_create(
        owner=citizen, category=befriending, title="A weekly chat", description="Tea and a chat."
    )
    return moderation_reject(actor=staff, kind="need", listing_id=need.pk, reason=REASON), staff


def test_a_rejected_need_shows_its_reason_and_leads_to_changing_and_sending_it_again(
    client, citizen, turned_down
):
    need, _staff = turned_down
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert REASON in html
    send_again = reverse("need_send_again", args=[need.pk])
    assert f'href="{send_again}"' in html
    for part in ("details", "times", "urgency", "preferences", "place"):
        assert f'href="{reverse("need_change", args=[need.pk, part])}"' in html

    page = client.get(send_again).content.decode()
    assert REASON in page and "Send it again" in page
    assert f'name="version" value="{need.version}"' in page


def test_a_rejected_need_is_changed_then_sent_again_and_waits_in_the_queue(
    client, citizen, turned_down
):
    need, staff = turned_down
    client.force_login(citizen)
    change = reverse("need_change", args=[need.pk, "details"])
    page = client.get(change)
    assert page.status_code == 200 and "can no longer be changed" not in page.content.decode()
    response = client.post(
        change,
        {
            "title": "A chat on Tuesday afternoons",
            "description": "Tea and a chat, on Tuesday afternoons.",
            "version": need.version,
        },
    )
    send_again = reverse("need_send_again", args=[need.pk])
    assert response["Location"] == send_again  # back to checking it before sending it
    need.refresh_from_db()
    assert need.title == "A chat on Tuesday afternoons"
    assert need.status == Need.Status.CLOSED

    response = client.post(send_again, {"version": need.version})
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    need.refresh_from_db()
    assert need.status == Need.Status.PENDING_REVIEW and need.rejection_reason == ""
    assert AuditEvent.objects.filter(verb="need.sent_again", target_id=str(need.pk)).exists()
    html = client.get(response["Location"]).content.decode()
    assert "sent your request again" in html
    assert REASON not in html  # the old reason is no longer shown as the current one
    assert "Council staff are checking your request." in html
    assert list(review_queue_needs(staff=staff)) == [need]


def test_sending_again_a_one_off_need_whose_date_passed_points_to_the_date(
    client, citizen, befriending, place
):
    staff = make.staff(council=place)
    day = timezone.localdate() + dt.timedelta(days=3)
    zone = timezone.get_current_timezone()
    need = need_create(
        owner=citizen,
        category=befriending,
        title="A visit",
        description="After my operation.",
        timing=Need.Timing.ONE_OFF,
        starts_at=dt.datetime.combine(day, dt.time(10), tzinfo=zone),
        ends_at=dt.datetime.combine(day, dt.time(12), tzinfo=zone),
    )
    moderation_reject(actor=staff, kind="need", listing_id=need.pk, reason=REASON)
    past = timezone.now() - dt.timedelta(days=1)
    Need.objects.filter(pk=need.pk).update(starts_at=past - dt.timedelta(hours=2), ends_at=past)
    need.refresh_from_db()
    client.force_login(citizen)
    send_again = reverse("need_send_again", args=[need.pk])
    response = client.post(send_again, {"version": need.version})
    html = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in html
    assert "The time needed has already passed." in html
    assert f'href="{reverse("need_change", args=[need.pk, "date"])}"' in html
    need.refresh_from_db()
    assert need.status == Need.Status.CLOSED


def test_a_need_closed_for_another_reason_cannot_be_sent_again(client, citizen, befriending):
    need = need_create(owner=citizen, category=befriending, title="A chat", description="Tea.")
    client.force_login(citizen)
    client.post(reverse("need_withdraw", args=[need.pk]))
    assert client.get(reverse("need_send_again", args=[need.pk])).status_code == 302
    response = client.post(reverse("need_send_again", args=[need.pk]), {"version": need.version})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.closed_reason == Need.ClosedReason.WITHDRAWN


def test_someone_else_cannot_send_a_rejected_need_again(client, helper, turned_down):
    need, _staff = turned_down
    client.force_login(helper)
    assert client.get(reverse("need_send_again", args=[need.pk])).status_code == 404
    assert client.post(reverse("need_send_again", args=[need.pk])).status_code == 404


# --- A need's postcode --------------------------------------------------------------------------
def test_the_owner_changes_a_needs_postcode_with_the_checks_of_recording_it(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    change = reverse("need_change", args=[need.pk, "place"])
    assert f'href="{change}"' in client.get(reverse("need_detail", args=[need.pk])).content.decode()
    page = client.get(change).content.decode()
    assert 'value="LS1 1AA"' in page

    refused = client.post(change, {"postcode": "BT1 1AA", "version": need.version})
    assert NOT_AVAILABLE_MESSAGE in refused_on_the_page(refused, "postcode")
    need.refresh_from_db()
    assert need.postcode == "LS1 1AA"

    response = client.post(change, {"postcode": "ls3 3dd", "version": need.version})
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    need.refresh_from_db()
    new_place = Point(-1.560, 53.795, srid=4326)
    assert need.postcode == "LS3 3DD"
    assert (need.location.x, need.location.y) == pytest.approx((new_place.x, new_place.y))
    expected = approximate_point(new_place)
    assert (need.approx_location.x, need.approx_location.y) == pytest.approx(
        (expected.x, expected.y)
    )
    assert need.status == Need.Status.OPEN
    assert "LS3 3DD" in client.get(response["Location"]).content.decode()
