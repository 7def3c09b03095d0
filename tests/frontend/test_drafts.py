"""A need or offer half-way through its questions is kept on the person's account: signing out
(or a session timing out) and signing in again, or another device, loses nothing; the start
page offers the draft back, and the home page lists it. Sending it, starting again, erasure
and thirty days untouched each end it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.drafts import DRAFT_DAYS, form_draft_keep, form_drafts_of
from accounts.models import FormDraft
from marketplace.models import Need
from privacy.erasure import person_erase
from privacy.retention import retention_apply
from tests.frontend.test_needs import fill_weekly_need, step

pytestmark = pytest.mark.django_db


def start_a_need(client, category) -> None:
    client.get(reverse("need_new"))
    step(client, "category", {"category": category.pk})
    step(client, "details", {"title": "A weekly chat", "description": "Tea and a chat."})


def test_a_need_half_asked_survives_signing_out_and_is_offered_back(client, citizen, befriending):
    client.force_login(citizen)
    start_a_need(client, befriending)
    client.logout()  # signing out, or the session ending for lack of use, empties the session

    client.force_login(citizen)
    home = client.get(reverse("dashboard")).content.decode()
    assert "Not sent yet" in home and "Your request for help" in home

    page = client.get(reverse("need_new")).content.decode()
    assert "Carry on where you left off?" in page
    carry_on = reverse("need_new_step", args=["timing"])
    assert f'href="{carry_on}"' in page  # the first question not yet answered
    details = client.get(reverse("need_new_step", args=["details"])).content.decode()
    assert "A weekly chat" in details and "Tea and a chat." in details


def test_another_device_sees_the_same_draft(citizen, befriending):
    laptop, phone = Client(), Client()
    laptop.force_login(citizen)
    start_a_need(laptop, befriending)
    phone.force_login(citizen)
    details = phone.get(reverse("need_new_step", args=["details"])).content.decode()
    assert "A weekly chat" in details


def test_starting_again_forgets_the_draft(client, citizen, befriending):
    client.force_login(citizen)
    start_a_need(client, befriending)
    client.logout()
    client.force_login(citizen)
    response = client.get(reverse("need_new") + "?fresh=1")
    assert response["Location"] == reverse("need_new_step", args=["category"])
    assert not FormDraft.objects.filter(person=citizen).exists()
    assert (
        "A weekly chat"
        not in client.get(reverse("need_new_step", args=["details"])).content.decode()
    )


def test_sending_the_need_ends_its_draft(client, citizen, befriending):
    client.force_login(citizen)
    fill_weekly_need(client, befriending)
    assert FormDraft.objects.filter(person=citizen, form="need_draft").exists()
    client.post(reverse("need_new_check"))
    assert Need.objects.filter(owner=citizen).exists()
    assert not FormDraft.objects.filter(person=citizen).exists()
    assert "Not sent yet" not in client.get(reverse("dashboard")).content.decode()


def test_an_offer_half_made_is_kept_too(client, helper, befriending):
    client.force_login(helper)
    client.get(reverse("offer_new"))
    response = client.post(
        reverse("offer_new_step", args=["category"]), {"category": befriending.pk}
    )
    assert response.status_code == 302
    assert FormDraft.objects.get(person=helper, form="offer_draft").answers["category"]
    client.logout()
    client.force_login(helper)
    assert "Carry on where you left off?" in client.get(reverse("offer_new")).content.decode()
    assert "Your offer of help" in client.get(reverse("dashboard")).content.decode()


def test_erasure_deletes_drafts_and_no_draft_is_kept_afterwards(client, citizen, befriending):
    client.force_login(citizen)
    start_a_need(client, befriending)
    person_erase(person=citizen, actor=citizen)
    assert not FormDraft.objects.filter(person=citizen).exists()
    citizen.refresh_from_db()
    # A page still open in another tab cannot bring the words back.
    assert form_draft_keep(person=citizen, form="need_draft", answers={"title": "x"}) is False
    assert not FormDraft.objects.filter(person=citizen).exists()


def test_drafts_untouched_for_thirty_days_are_forgotten(citizen):
    form_draft_keep(person=citizen, form="need_draft", answers={"title": "Old"})
    FormDraft.objects.filter(person=citizen).update(
        updated_at=timezone.now() - dt.timedelta(days=DRAFT_DAYS + 1)
    )
    assert form_drafts_of(person=citizen) == []
    assert retention_apply().drafts_deleted == 1
    assert not FormDraft.objects.exists()
