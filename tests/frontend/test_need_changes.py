"""Changing a need after sending it: the "Change" links on its page, one part per page, the
warning when a change sends it back to the council's review, and refusals that save nothing."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Need
from marketplace.services import need_create, need_withdraw
from tests.kit import factories as make
from trust.checks import helper_check_record
from trust.models import HelperCheck

pytestmark = pytest.mark.django_db

REVIEW_AGAIN = "Your request will be checked again by the council before helpers see it."


def change_url(need, part):
    return reverse("need_change", args=[need.pk, part])


def test_need_page_has_change_links_for_each_part(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    for part in ("details", "times", "urgency", "preferences"):
        assert f'href="{change_url(need, part)}"' in html
    assert change_url(need, "date") not in html  # a weekly need has weekly times
    assert 'Change<span class="govuk-visually-hidden"> how soon you need help' in html


def test_changing_the_words_of_an_open_need_warns_then_sends_it_back_to_review(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    page = client.get(change_url(need, "details"))
    html = page.content.decode()
    assert "<title>What do you need? – " in html
    assert 'class="govuk-back-link"' in html and reverse("need_detail", args=[need.pk]) in html
    assert REVIEW_AGAIN in html  # said before the person saves
    assert 'value="A weekly chat"' in html  # the form starts from what is saved
    assert f'name="version" value="{need.version}"' in html

    response = client.post(
        change_url(need, "details"),
        {"title": "A chat on Tuesdays", "description": "Tea and a chat.", "version": need.version},
    )
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    need.refresh_from_db()
    assert (need.title, need.description) == ("A chat on Tuesdays", "Tea and a chat.")
    assert need.status == Need.Status.PENDING_REVIEW
    html = client.get(response["Location"]).content.decode()
    assert "Council staff will check your request again before helpers see it." in html


def test_changing_how_soon_keeps_an_open_need_open_and_does_not_warn(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    assert REVIEW_AGAIN not in client.get(change_url(need, "urgency")).content.decode()
    client.post(change_url(need, "urgency"), {"urgency": "soon", "version": need.version})
    need.refresh_from_db()
    assert need.urgency == "soon" and need.status == Need.Status.OPEN


def test_a_need_still_being_checked_does_not_warn(client, citizen, befriending):
    need = need_create(owner=citizen, category=befriending, title="A chat", description="Tea.")
    assert need.status == Need.Status.PENDING_REVIEW
    client.force_login(citizen)
    assert REVIEW_AGAIN not in client.get(change_url(need, "details")).content.decode()


def test_no_warning_where_the_council_publishes_the_person_straight_away(
    client, citizen, befriending, moderator, place
):
    place.auto_approve_verified_helpers = True
    place.save(update_fields=["auto_approve_verified_helpers"])
    helper_check_record(
        actor=moderator,
        helper_id=citizen.pk,
        kind=HelperCheck.Kind.ID,
        issued_on=timezone.localdate() - dt.timedelta(days=30),
        expires_on=timezone.localdate() + dt.timedelta(days=365),
    )
    need = need_create(owner=citizen, category=befriending, title="A chat", description="Tea.")
    assert need.status == Need.Status.OPEN
    client.force_login(citizen)
    assert REVIEW_AGAIN not in client.get(change_url(need, "details")).content.decode()
    client.post(
        change_url(need, "details"),
        {"title": "A longer chat", "description": "Tea.", "version": need.version},
    )
    need.refresh_from_db()
    assert need.title == "A longer chat" and need.status == Need.Status.OPEN


def test_contact_details_are_refused_and_nothing_is_saved(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    response = client.post(
        change_url(need, "details"),
        {
            "title": "A new title",
            "description": "Ring me on 0113 496 0000",
            "version": need.version,
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "govuk-error-summary" in html
    assert 'href="#id_description"' in html
    before = need.version
    need.refresh_from_db()
    assert need.title == "A weekly chat" and need.version == before
    assert need.status == Need.Status.OPEN


def test_empty_answers_show_the_error_summary(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.post(
        change_url(need, "details"), {"title": "", "description": "", "version": need.version}
    ).content.decode()
    assert "Enter a few words about what you need." in html
    assert "There is a problem" in html
    need.refresh_from_db()
    assert need.title == "A weekly chat"


def test_a_change_over_someone_elses_newer_one_is_refused(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    stale = need.version
    client.post(change_url(need, "urgency"), {"urgency": "soon", "version": stale})
    html = client.post(
        change_url(need, "urgency"), {"urgency": "urgent", "version": stale}
    ).content.decode()
    assert "Someone changed this since you opened this page" in html
    need.refresh_from_db()
    assert need.urgency == "soon"


def test_weekly_times_change_without_javascript(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    rows = {
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "0",
        "slots-0-weekday": "3",
        "slots-0-start": "10:00",
        "slots-0-end": "11:30",
        "version": str(need.version),
    }
    grown = client.post(change_url(need, "times"), {**rows, "add_row": "1"}).content.decode()
    assert "Time 2" in grown
    bad = client.post(change_url(need, "times"), {**rows, "slots-0-end": "09:00"})
    assert "The end time must be after the start time." in bad.content.decode()
    assert not need.slots.exists()
    response = client.post(change_url(need, "times"), rows)
    assert response.status_code == 302
    assert [(s.weekday, s.start, s.end) for s in need.slots.all()] == [
        (3, dt.time(10, 0), dt.time(11, 30))
    ]
    need.refresh_from_db()
    assert need.status == Need.Status.OPEN


def test_one_off_date_change_refuses_a_time_in_the_past(client, citizen, befriending):
    day = timezone.localdate() + dt.timedelta(days=5)
    zone = timezone.get_current_timezone()
    need = need_create(
        owner=citizen,
        category=befriending,
        title="A visit",
        description="After my operation.",
        timing=Need.Timing.ONE_OFF,
        starts_at=dt.datetime.combine(day, dt.time(10, 0), tzinfo=zone),
        ends_at=dt.datetime.combine(day, dt.time(12, 0), tzinfo=zone),
    )
    client.force_login(citizen)
    assert client.get(change_url(need, "times")).status_code == 404
    html = client.get(change_url(need, "date")).content.decode()
    assert f'value="{day.day}"' in html and 'value="10:00"' in html
    past = timezone.localdate() - dt.timedelta(days=3)
    refused = client.post(
        change_url(need, "date"),
        {
            "day": past.day,
            "month": past.month,
            "year": past.year,
            "start": "10:00",
            "end": "12:00",
            "version": need.version,
        },
    ).content.decode()
    assert "The time needed has already passed." in refused
    later = day + dt.timedelta(days=2)
    client.post(
        change_url(need, "date"),
        {
            "day": later.day,
            "month": later.month,
            "year": later.year,
            "start": "14:00",
            "end": "15:00",
            "version": need.version,
        },
    )
    need.refresh_from_db()
    assert timezone.localtime(need.starts_at).date() == later
    assert need.expires_at == need.ends_at


def test_preferences_change(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.get(change_url(need, "preferences")).content.decode()
    assert "dietary_requirements" not in html  # only for meals
    client.post(
        change_url(need, "preferences"),
        {"helper_gender_preference": "woman", "version": need.version + 5},
    )
    need.refresh_from_db()
    assert need.helper_gender_preference == ""  # a stale version changed nothing
    client.post(
        change_url(need, "preferences"),
        {"helper_gender_preference": "woman", "version": need.version},
    )
    need.refresh_from_db()
    assert need.helper_gender_preference == "woman" and need.status == Need.Status.OPEN
    assert "A woman" in client.get(reverse("need_detail", args=[need.pk])).content.decode()


def test_someone_else_gets_not_found_and_visitors_are_sent_to_sign_in(
    client, citizen, helper, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    response = client.get(change_url(need, "details"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(helper)
    assert client.get(change_url(need, "details")).status_code == 404
    posted = client.post(
        change_url(need, "details"),
        {"title": "Hijacked", "description": "x", "version": need.version},
    )
    assert posted.status_code == 404
    need.refresh_from_db()
    assert need.title == "A weekly chat"
    client.force_login(citizen)
    assert client.get(change_url(need, "nonsense")).status_code == 404


def test_a_withdrawn_need_can_no_longer_be_changed(client, citizen, befriending, moderator):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    need_withdraw(actor=citizen, need=need)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert "/change/" not in html
    response = client.post(change_url(need, "urgency"), {"urgency": "soon", "version": 99})
    assert response["Location"] == reverse("need_detail", args=[need.pk])
    need.refresh_from_db()
    assert need.urgency == "routine"


def test_suggested_helpers_list_asks_through_the_citizens_own_page(
    client, citizen, helper, befriending, moderator
):
    """The ranked list is one include shared with the staff assisted-need page; here its
    buttons post to the citizen's own "ask" address, with the reason for each helper."""

    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[need.pk])).content.decode()
    assert f'action="{reverse("need_ask_helper", args=[need.pk])}"' in html
    assert f'name="offer" value="{offer.pk}"' in html
    assert "1. Sam" in html and "Ask Sam to help" in html
    assert "About 1 to 2 km away" in html


def test_a_draft_is_sent_from_its_page(client, citizen, befriending):
    """A request kept as a draft (made through the API and not sent): its page says it has
    not been sent and sends it, once; another person cannot."""
    draft = need_create(
        owner=citizen,
        category=befriending,
        title="A weekly chat",
        description="Someone to talk to on Tuesday afternoons.",
        submit=False,
    )
    assert draft.status == Need.Status.DRAFT
    client.force_login(citizen)
    html = client.get(reverse("need_detail", args=[draft.pk])).content.decode()
    assert "You have not sent this request yet." in html and "Send request" in html
    url = reverse("need_send_again", args=[draft.pk])
    stranger = make.resident(postcode="LS3 3DD", name="Stranger")
    client.force_login(stranger)
    assert client.post(url, {"version": draft.version}).status_code == 404
    client.force_login(citizen)
    sent = client.post(url, {"version": draft.version}, follow=True)
    assert "You have sent your request." in sent.content.decode()
    draft.refresh_from_db()
    assert draft.status in (Need.Status.PENDING_REVIEW, Need.Status.OPEN)
    # Sending again from an old tab: the page says where the request is, nothing breaks.
    again = client.post(url, {"version": 1}, follow=True)
    assert again.status_code == 200
