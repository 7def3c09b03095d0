"""The settings page's switch for urgent needs that open at once (issue 14, point 11): saved
for the admin's own council only, audited with before and after, for council admins."""

import pytest
from django.urls import reverse

from core.models import AuditEvent
from marketplace.urgent import opens_urgent_needs_at_once

pytestmark = pytest.mark.django_db

ON = {"section": "urgent_needs", "open_urgent_needs_at_once": "on"}


def test_the_settings_page_saves_the_urgent_needs_setting_audited(
    client, council_admin, home_council, away_council
):
    home_council.settings = {"ongoing": {"checkin_wait_hours": 48, "still_needed_weeks": 6}}
    home_council.save(update_fields=["settings"])
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings")).content.decode()
    assert "Open urgent needs from people in good standing at once" in page
    assert (
        'name="open_urgent_needs_at_once"' in page
        and " checked" not in page.split('name="open_urgent_needs_at_once"')[1].split(">")[0]
    )

    response = client.post(reverse("staff:settings"), ON)
    assert response.status_code == 302
    home_council.refresh_from_db()
    away_council.refresh_from_db()
    assert opens_urgent_needs_at_once(home_council) is True
    assert opens_urgent_needs_at_once(away_council) is False
    # The council's other settings stay as they were.
    assert home_council.settings["ongoing"] == {"checkin_wait_hours": 48, "still_needed_weeks": 6}
    event = AuditEvent.objects.get(verb="council.urgent_needs_setting_changed")
    assert (event.actor_id, event.council_id, event.target_id) == (
        council_admin.pk,
        home_council.pk,
        home_council.pk,
    )
    assert event.data == {
        "before": {"open_urgent_needs_at_once": False},
        "after": {"open_urgent_needs_at_once": True},
    }
    page = client.get(reverse("staff:settings")).content.decode()
    assert " checked" in page.split('name="open_urgent_needs_at_once"')[1].split(">")[0]

    # Unticked, it is turned off again.
    assert client.post(reverse("staff:settings"), {"section": "urgent_needs"}).status_code == 302
    home_council.refresh_from_db()
    assert opens_urgent_needs_at_once(home_council) is False
    assert AuditEvent.objects.filter(verb="council.urgent_needs_setting_changed").count() == 2


def test_saving_the_urgent_setting_leaves_the_other_settings_form_alone(
    client, council_admin, home_council
):
    radius = home_council.max_travel_radius_m
    client.force_login(council_admin)
    assert client.post(reverse("staff:settings"), ON).status_code == 302
    home_council.refresh_from_db()
    assert home_council.max_travel_radius_m == radius
    assert not AuditEvent.objects.filter(verb="council.settings_changed").exists()


def test_the_urgent_setting_is_for_council_admins(client, moderator, home_council):
    client.force_login(moderator)
    assert client.post(reverse("staff:settings"), ON).status_code == 403
    home_council.refresh_from_db()
    assert opens_urgent_needs_at_once(home_council) is False
