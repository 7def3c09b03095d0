"""Getting started: what the person came to do, their postcode (with clear errors) and name."""

import pytest
from django.urls import reverse

from accounts.models import WebProfile

pytestmark = pytest.mark.django_db


def test_onboarding_sets_home_council_and_role_then_starts_a_need(client, place, user):
    client.force_login(user)
    response = client.post(reverse("start_role"), {"role": "need"})
    assert response["Location"] == reverse("start_postcode")
    response = client.post(reverse("start_postcode"), {"postcode": "ls1 1aa"})
    assert response["Location"] == reverse("start_about")
    response = client.post(
        reverse("start_about"), {"display_name": "Margaret", "languages": "English, Urdu"}
    )
    assert response["Location"] == reverse("need_new")
    user.refresh_from_db()
    assert user.home_postcode == "LS1 1AA"
    assert user.council == place
    assert user.home_location is not None
    assert user.preferred_languages == ["English", "Urdu"]
    profile = WebProfile.objects.get(user=user)
    assert profile.role == "need" and profile.onboarded_at is not None


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("", "Enter your postcode."),
        ("not a postcode", "Enter a real postcode."),
        ("LS9 9ZZ", "We could not find the postcode LS9 9ZZ."),
        ("BT1 1AA", "Kith is not available in your area yet."),
    ],
)
def test_bad_postcodes_are_refused_clearly_and_nothing_is_saved(
    client, place, user, postcode, message
):
    client.force_login(user)
    response = client.post(reverse("start_postcode"), {"postcode": postcode})
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: What is your postcode? – Kith</title>" in html
    assert message in html
    assert 'href="#id_postcode"' in html
    user.refresh_from_db()
    assert user.home_location is None and user.council is None and user.home_postcode == ""


def test_role_must_be_chosen(client, user):
    client.force_login(user)
    html = client.post(reverse("start_role"), {}).content.decode()
    assert "Choose whether you need help, can help, or both." in html
    assert 'href="#id_role_0"' in html and 'id="id_role_0"' in html


def test_helper_goes_on_to_record_an_offer(client, place, user):
    client.force_login(user)
    client.post(reverse("start_role"), {"role": "help"})
    client.post(reverse("start_postcode"), {"postcode": "LS2 2BB"})
    response = client.post(reverse("start_about"), {"display_name": "Sam"})
    assert response["Location"] == reverse("offer_new")


def test_starting_asks_which_language_kith_writes_in_and_records_it(client, place, user):
    from core.models import AuditEvent  # noqa: PLC0415
    from notifications.models import ContactPreference  # noqa: PLC0415

    client.force_login(user)
    client.post(reverse("start_role"), {"role": "need"})
    client.post(reverse("start_postcode"), {"postcode": "ls1 1aa"})
    page = client.get(reverse("start_about")).content.decode()
    assert "Which language should Kith write to you in?" in page
    assert 'value="en" checked' in page  # an English page suggests English
    client.cookies["kith_language"] = "cy"
    assert 'value="cy" checked' in client.get(reverse("start_about")).content.decode()
    client.post(
        reverse("start_about"), {"display_name": "Margaret", "correspondence_language": "cy"}
    )
    assert ContactPreference.objects.get(person=user).language == "cy"
    assert AuditEvent.objects.filter(verb="contact.language_set", target_id=user.pk).exists()
    del client.cookies["kith_language"]
    assert client.get(reverse("dashboard"))["Content-Language"] == "cy"  # and from now on
    bad = client.post(
        reverse("start_about"), {"display_name": "Margaret", "correspondence_language": "fr"}
    )
    assert bad.status_code == 200 and ContactPreference.objects.get(person=user).language == "cy"
