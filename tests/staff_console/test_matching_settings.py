"""The settings page's section for urgent alerts and idle helpers: a council admin sets when
idle helpers are asked "do you still want to help?" and whom urgent alerts wake; the values are
saved for their own council only, audited with before and after, and read back by
`matching.still_helping.idle_after` and `matching.alert_policy.alert_policy`. Bad input
answers 400 with the error beside its field and saves nothing; other roles and staff without
their second factor cannot save."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import StaffMembership
from accounts.services import council_declared_settings_update
from core.errors import ApplicationError
from core.models import AuditEvent
from matching.alert_policy import DEFAULT, alert_policy
from matching.still_helping import DEFAULT_IDLE_WEEKS, idle_after
from staff_console.matching_settings_forms import MATCHING_SETTINGS
from tests.kit import factories as make

pytestmark = pytest.mark.django_db

GOOD = {
    "section": "matching",
    "idle_weeks": "10",
    "alert_kind": "nearest",
    "weekly_budget": "5",
    "max_helpers": "8",
    "target_reply_percent": "80",
    "window_days": "14",
    "waves": "3",
    "wave_minutes": "20",
    "idle_asks": "4",
    "idle_days": "3",
}


def test_the_page_shows_kiths_own_settings_until_the_council_sets_its_own(
    client, council_admin, home_council
):
    client.force_login(council_admin)
    page = client.get(reverse("staff:settings")).content.decode()
    assert "Urgent alerts and idle helpers" in page
    assert f'name="idle_weeks" value="{DEFAULT_IDLE_WEEKS}"' in page
    assert f'name="weekly_budget" value="{DEFAULT.weekly_budget}"' in page
    assert f'name="max_helpers" value="{DEFAULT.max_helpers}"' in page
    assert 'name="target_reply_percent" value="90"' in page
    assert f'name="window_days" value="{DEFAULT.window_days}"' in page
    assert f'name="waves" value="{DEFAULT.waves}"' in page
    assert f'name="wave_minutes" value="{DEFAULT.wave_minutes}"' in page
    assert f'name="idle_asks" value="{DEFAULT.idle_asks}"' in page
    assert f'name="idle_days" value="{DEFAULT.idle_days}"' in page
    assert 'value="rotated" checked' in page
    assert "From 2 to 26 weeks; Kith’s own is 6." in page


def test_a_council_admin_saves_them_audited_and_kith_reads_them_back(
    client, council_admin, home_council, away_council
):
    home_council.settings = {
        "ongoing": {"checkin_wait_hours": 48, "still_needed_weeks": 6},
        "alerts": {"reply_chance": 0.4},
    }
    home_council.save(update_fields=["settings"])
    client.force_login(council_admin)
    saved = client.post(reverse("staff:settings"), GOOD)
    assert saved.status_code == 302
    home_council.refresh_from_db()
    away_council.refresh_from_db()
    assert idle_after(home_council) == dt.timedelta(weeks=10)
    policy = alert_policy(home_council)
    assert (
        policy.kind,
        policy.weekly_budget,
        policy.max_helpers,
        policy.target_reply_chance,
        policy.window_days,
        policy.waves,
        policy.wave_minutes,
        policy.idle_asks,
        policy.idle_days,
    ) == ("nearest", 5, 8, 0.8, 14, 3, 20, 4, 3)
    # What the council set before, and keys the page does not show, stay.
    assert policy.reply_chance == 0.4
    assert home_council.settings["ongoing"] == {"checkin_wait_hours": 48, "still_needed_weeks": 6}
    # Another council keeps Kith's own.
    assert idle_after(away_council) == dt.timedelta(weeks=DEFAULT_IDLE_WEEKS)
    assert alert_policy(away_council) == DEFAULT

    event = AuditEvent.objects.get(verb="council.matching_settings_changed")
    assert (event.actor_id, event.council_id, event.target_type, event.target_id) == (
        council_admin.pk,
        home_council.pk,
        "council",
        home_council.pk,
    )
    assert event.data == {
        "before": {
            "still_helping": {"idle_weeks": 6},
            "alerts": {
                "kind": "rotated",
                "weekly_budget": 3,
                "max_helpers": 12,
                "target_reply_chance": 0.9,
                "window_days": 7,
                "waves": DEFAULT.waves,
                "wave_minutes": DEFAULT.wave_minutes,
                "idle_asks": DEFAULT.idle_asks,
                "idle_days": DEFAULT.idle_days,
            },
        },
        "after": {
            "still_helping": {"idle_weeks": 10},
            "alerts": {
                "kind": "nearest",
                "weekly_budget": 5,
                "max_helpers": 8,
                "target_reply_chance": 0.8,
                "window_days": 14,
                "waves": 3,
                "wave_minutes": 20,
                "idle_asks": 4,
                "idle_days": 3,
            },
        },
    }
    page = client.get(reverse("staff:settings")).content.decode()
    assert "Settings for urgent alerts and idle helpers saved." in page
    assert 'name="idle_weeks" value="10"' in page
    assert 'value="nearest" checked' in page
    assert 'name="target_reply_percent" value="80"' in page


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("idle_weeks", "1", "Enter a number of weeks from 2 to 26."),
        ("idle_weeks", "27", "Enter a number of weeks from 2 to 26."),
        ("idle_weeks", "six", "Enter the weeks as a whole number, like 6."),
        ("idle_weeks", "", "Enter after how many weeks helpers are asked."),
        (
            "alert_kind",
            "loudest",
            "Choose whom urgent alerts go to: shared out fairly, or the nearest helpers.",
        ),
        ("weekly_budget", "0", "Enter the most alerts for one helper as a number from 1 to 14."),
        ("max_helpers", "31", "Enter the most helpers one alert reaches as a number from 1 to 30."),
        (
            "target_reply_percent",
            "100",
            "Enter the chance of a reply to aim for as a number from 50 to 99.",
        ),
        (
            "target_reply_percent",
            "0.9",
            "Enter the chance of a reply as a whole number of per cent, like 90.",
        ),
        ("window_days", "29", "Enter the number of days alerts are counted over, from 1 to 28."),
        ("waves", "0", "Enter the most waves of alerts for one need as a number from 1 to 4."),
        ("waves", "5", "Enter the most waves of alerts for one need as a number from 1 to 4."),
        ("wave_minutes", "9", "Enter the minutes between waves as a number from 10 to 240."),
        ("wave_minutes", "half an hour", "Enter the minutes as a whole number, like 30."),
        ("idle_asks", "11", "Enter how many idle helpers to tell about each need, from 0 to 10."),
        ("idle_asks", "-1", "Enter how many idle helpers to tell about each need, from 0 to 10."),
        ("idle_days", "0", "Enter after how many days a helper counts as idle, from 1 to 28."),
    ],
)
def test_bad_input_is_refused_beside_its_field_and_nothing_is_saved(
    client, council_admin, home_council, field, value, message
):
    before = dict(home_council.settings or {})
    client.force_login(council_admin)
    response = client.post(reverse("staff:settings"), {**GOOD, field: value})
    assert response.status_code == 400
    html = response.content.decode()
    # In the error summary, linked to the field, and beside the field itself.
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert f'<a href="#id_{field}' in summary and message in summary
    assert f'id="id_{field}-error"' in html
    assert message in html.split(f'id="id_{field}-error"')[1].split("</p>")[0]
    home_council.refresh_from_db()
    assert (home_council.settings or {}) == before
    assert not AuditEvent.objects.filter(verb="council.matching_settings_changed").exists()


def test_the_writer_holds_every_value_to_its_declaration(council_admin, home_council):
    values = {
        "idle_weeks": 10,
        "alert_kind": "rotated",
        "weekly_budget": 3,
        "max_helpers": 12,
        "target_reply_percent": 90,
        "window_days": 7,
        "waves": 2,
        "wave_minutes": 30,
        "idle_asks": 0,
        "idle_days": 3,
    }
    for name, bad in [
        ("idle_weeks", 27),
        ("idle_weeks", True),
        ("alert_kind", "loudest"),
        ("target_reply_percent", 100),
        ("window_days", "7"),
    ]:
        with pytest.raises(ApplicationError) as refused:
            council_declared_settings_update(
                actor=council_admin,
                verb="council.matching_settings_changed",
                declared=MATCHING_SETTINGS,
                values={**values, name: bad},
            )
        assert refused.value.code == name
    with pytest.raises(TypeError):
        council_declared_settings_update(
            actor=council_admin,
            verb="council.matching_settings_changed",
            declared=MATCHING_SETTINGS,
            values={"idle_weeks": 10},
        )
    home_council.refresh_from_db()
    assert "still_helping" not in (home_council.settings or {})


def test_an_admin_changes_only_their_own_council(client, away_admin, home_council, away_council):
    client.force_login(away_admin)
    assert client.post(reverse("staff:settings"), GOOD).status_code == 302
    home_council.refresh_from_db()
    away_council.refresh_from_db()
    assert idle_after(away_council) == dt.timedelta(weeks=10)
    assert idle_after(home_council) == dt.timedelta(weeks=DEFAULT_IDLE_WEEKS)
    assert alert_policy(home_council) == DEFAULT
    assert AuditEvent.objects.get(verb="council.matching_settings_changed").council_id == (
        away_council.pk
    )


def test_other_roles_and_staff_without_their_second_factor_cannot_save(
    client, moderator, safeguarding_lead, home_council
):
    for member in (moderator, safeguarding_lead):
        client.force_login(member)
        assert client.post(reverse("staff:settings"), GOOD).status_code == 403
    # A council admin who has not set up their second factor is sent to set it up.
    no_second_factor = make.staff(
        council=home_council, role=StaffMembership.Role.COUNCIL_ADMIN, mfa=False, lives_here=True
    )
    client.force_login(no_second_factor)
    response = client.post(reverse("staff:settings"), GOOD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    home_council.refresh_from_db()
    assert "still_helping" not in (home_council.settings or {})
    assert alert_policy(home_council) == DEFAULT
    assert not AuditEvent.objects.filter(verb="council.matching_settings_changed").exists()
