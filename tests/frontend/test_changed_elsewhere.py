"""A change made on a page opened before someone else's change (another tab, or council staff):
the first save is refused with words that say so and keeps what was typed; saving again from
that page replaces the other change on purpose, instead of being refused for ever."""

import re

import pytest
from django.urls import reverse

from marketplace.models import Need, Offer
from marketplace.services import need_withdraw
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

CHANGED_ELSEWHERE = "Someone changed this since you opened this page, perhaps in another tab."


def version_on(html: str) -> str:
    found = re.search(r'name="version" value="(-?\d+)"', html)
    assert found, "the page has no version field"
    return found.group(1)


def test_a_need_changed_in_another_tab_is_saved_on_the_second_press(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    url = reverse("need_change", args=[need.pk, "urgency"])
    first_tab = version_on(client.get(url).content.decode())
    client.post(url, {"urgency": "soon", "version": version_on(client.get(url).content.decode())})

    html = client.post(url, {"urgency": "urgent", "version": first_tab}).content.decode()
    assert CHANGED_ELSEWHERE in html and "govuk-error-summary" in html
    assert re.search(r'value="urgent"[^>]*checked', html)  # what was typed is kept
    need.refresh_from_db()
    assert need.urgency == "soon"  # nothing saved over the other change yet

    response = client.post(url, {"urgency": "urgent", "version": version_on(html)})
    assert response.status_code == 302
    need.refresh_from_db()
    assert need.urgency == "urgent"


def test_a_need_withdrawn_in_another_tab_is_not_changed_by_saving_again(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    client.force_login(citizen)
    url = reverse("need_change", args=[need.pk, "urgency"])
    stale = version_on(client.get(url).content.decode())
    client.post(url, {"urgency": "soon", "version": stale})
    need.refresh_from_db()
    need_withdraw(actor=citizen, need=need)  # in a third tab
    response = client.post(url, {"urgency": "urgent", "version": stale})
    assert response.status_code == 302  # a closed request is not changed at all
    need.refresh_from_db()
    assert need.urgency == "soon" and need.status == Need.Status.CLOSED


def test_an_offer_changed_in_another_tab_is_saved_on_the_second_press(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    url = reverse("offer_change", args=[offer.pk, "capacity"])
    first_tab = version_on(client.get(url).content.decode())
    client.post(url, {"capacity": "2", "version": first_tab})

    html = client.post(url, {"capacity": "4", "version": first_tab}).content.decode()
    assert CHANGED_ELSEWHERE in html
    offer.refresh_from_db()
    assert offer.capacity == 2
    assert client.post(url, {"capacity": "4", "version": version_on(html)}).status_code == 302
    offer.refresh_from_db()
    assert offer.capacity == 4


def test_weekly_times_changed_in_another_tab_are_saved_on_the_second_press(
    client, helper, befriending, moderator
):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    url = reverse("offer_availability", args=[offer.pk])
    first_tab = version_on(client.get(url).content.decode())
    rows = {
        "slots-TOTAL_FORMS": "1",
        "slots-INITIAL_FORMS": "0",
        "slots-0-weekday": "2",
        "slots-0-start": "10:00",
        "slots-0-end": "12:00",
    }
    client.post(reverse("offer_change", args=[offer.pk, "capacity"]),
                {"capacity": "2", "version": first_tab})  # fmt: skip

    html = client.post(url, {**rows, "version": first_tab}).content.decode()
    assert CHANGED_ELSEWHERE in html
    assert not Offer.objects.get(pk=offer.pk).slots.exists()
    assert client.post(url, {**rows, "version": version_on(html)}).status_code == 302
    assert [(s.weekday, f"{s.start:%H:%M}") for s in offer.slots.all()] == [(2, "10:00")]


def test_a_nonsense_version_is_refused_not_an_error_page(client, helper, befriending, moderator):
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    client.force_login(helper)
    response = client.post(
        reverse("offer_availability", args=[offer.pk]),
        {"version": "not a number", "slots-TOTAL_FORMS": "0", "slots-INITIAL_FORMS": "0"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    # Nobody changed anything: the page does not say so.
    assert CHANGED_ELSEWHERE not in html
    assert "This page was out of date, so nothing was saved." in html


def test_saying_no_to_a_match_that_moved_on_goes_back_to_its_page(
    client, citizen, helper, befriending, moderator
):
    from matching.services import match_accept, match_request

    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    offer = make.resident_offer(helper=helper, category=befriending, moderator=moderator)
    match = match_request(citizen=citizen, need_id=need.pk, offer_id=offer.pk)
    client.force_login(helper)
    decline_page = reverse("match_decline", args=[match.pk])
    assert client.get(decline_page).status_code == 200  # opened in one tab
    match_accept(user=helper, match_id=match.pk)  # accepted in another
    response = client.post(decline_page, {"reason": ""})
    assert response["Location"] == reverse("match_detail", args=[match.pk])
    page = client.get(response["Location"]).content.decode()
    assert "This match has already been agreed, so it can no longer be declined." in page


def test_a_withdrawn_request_is_called_withdrawn_when_a_change_is_refused(
    client, citizen, befriending, moderator
):
    need = make.resident_need(owner=citizen, category=befriending, moderator=moderator)
    need_withdraw(actor=citizen, need=need)
    client.force_login(citizen)
    response = client.get(reverse("need_change", args=[need.pk, "urgency"]))
    page = client.get(response["Location"]).content.decode()
    assert "This request is withdrawn and can no longer be changed." in page
