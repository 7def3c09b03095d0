"""The settings page's "Speak Welsh first" (docs/welsh.md): stored as
`Council.settings["welsh_first"]` for the admin's own council only, audited with before and
after, and then the council's people see pages in Welsh unless they choose English."""

import pytest
from django.urls import reverse

from accounts.selectors import council_is_welsh_first
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _form(council, **extra):
    return {
        "max_travel_radius_m": str(council.max_travel_radius_m),
        **(
            {"auto_approve_verified_helpers": "on"} if council.auto_approve_verified_helpers else {}
        ),
        **extra,
    }


def _box(page: str) -> str:
    return page.split('name="welsh_first"')[1].split(">")[0]


def test_the_settings_page_turns_welsh_first_on_and_off_audited(
    client, council_admin, home_council, away_council
):
    home_council.settings = {"ongoing": {"checkin_wait_hours": 48, "still_needed_weeks": 6}}
    home_council.save(update_fields=["settings"])
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings")).content.decode()
    assert "Speak Welsh first" in page
    assert (
        "People of this council see pages and get messages in Welsh unless they choose English."
        in page
    )
    assert " checked" not in _box(page)

    response = client.post(reverse("staff:settings"), _form(home_council, welsh_first="on"))
    assert response.status_code == 302
    assert council_is_welsh_first(home_council.pk) is True
    assert council_is_welsh_first(away_council.pk) is False
    home_council.refresh_from_db()
    # The council's other settings stay as they were.
    assert home_council.settings["ongoing"] == {"checkin_wait_hours": 48, "still_needed_weeks": 6}
    event = AuditEvent.objects.get(verb="council.language_setting_changed")
    assert (event.actor_id, event.council_id, event.target_id) == (
        council_admin.pk,
        home_council.pk,
        home_council.pk,
    )
    assert event.data == {"before": {"welsh_first": False}, "after": {"welsh_first": True}}
    assert " checked" in _box(client.get(reverse("staff:settings")).content.decode())

    # Saving again without a change records no second change of language.
    assert (
        client.post(reverse("staff:settings"), _form(home_council, welsh_first="on")).status_code
        == 302
    )
    assert AuditEvent.objects.filter(verb="council.language_setting_changed").count() == 1

    # Unticked, it is turned off again.
    assert client.post(reverse("staff:settings"), _form(home_council)).status_code == 302
    assert council_is_welsh_first(home_council.pk) is False
    assert AuditEvent.objects.filter(verb="council.language_setting_changed").count() == 2


def test_a_refused_setting_saves_no_language_change(client, council_admin, home_council):
    client.force_login(council_admin)
    response = client.post(
        reverse("staff:settings"), _form(home_council, max_travel_radius_m="5", welsh_first="on")
    )
    assert response.status_code == 400
    assert council_is_welsh_first(home_council.pk) is False
    assert not AuditEvent.objects.filter(verb="council.language_setting_changed").exists()


def test_welsh_first_is_for_council_admins(client, moderator, home_council):
    client.force_login(moderator)
    response = client.post(reverse("staff:settings"), _form(home_council, welsh_first="on"))
    assert response.status_code == 403
    assert council_is_welsh_first(home_council.pk) is False


def test_people_of_a_welsh_first_council_see_welsh_pages(client, council_admin, home_council):
    home_council.settings = {"welsh_first": True}
    home_council.save(update_fields=["settings"])
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings")).content.decode()
    assert 'lang="cy"' in page
    client.cookies["kith_language"] = "en-gb"
    page = client.get(reverse("staff:settings")).content.decode()
    assert 'lang="en' in page
