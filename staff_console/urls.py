"""URLs of the staff console, included at /staff/ by config/urls.py."""

from django.urls import path

from staff_console.views import (
    assisted,
    audit_log,
    broadcast,
    checks,
    concerns,
    contact,
    council_settings,
    home,
    moderation,
    oversight,
    people,
    rounds,
    team,
)

app_name = "staff"

urlpatterns = [
    path("", home.home, name="home"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("moderation/reports/<int:pk>/", moderation.report_detail, name="report"),
    path("moderation/<str:kind>/<int:pk>/", moderation.moderation_item, name="moderation_item"),
    path(
        "moderation/<str:kind>/<int:pk>/approve/",
        moderation.moderation_approve,
        name="moderation_approve",
    ),
    path(
        "moderation/<str:kind>/<int:pk>/reject/",
        moderation.moderation_reject,
        name="moderation_reject",
    ),
    path("checks/", checks.checks, name="checks"),
    path("checks/<int:pk>/revoke/", checks.check_revoke, name="check_revoke"),
    path("rounds/", rounds.rounds, name="rounds"),
    path("rounds/<int:pk>/", rounds.round_detail, name="round"),
    path("rounds/<int:pk>/apply/", rounds.round_decide, {"decision": "apply"}, name="round_apply"),
    path(
        "rounds/<int:pk>/discard/",
        rounds.round_decide,
        {"decision": "discard"},
        name="round_discard",
    ),
    path("concerns/", concerns.concerns, name="concerns"),
    path("concerns/new/", concerns.concern_raise, name="concern_raise"),
    path("concerns/<int:pk>/", concerns.concern_detail, name="concern"),
    path("concerns/<int:pk>/assign/", concerns.concern_assign, name="concern_assign"),
    path("concerns/<int:pk>/note/", concerns.concern_note, name="concern_note"),
    path("concerns/<int:pk>/close/", concerns.concern_close, name="concern_close"),
    path("people/", people.people, name="people"),
    path("people/<int:pk>/", people.person_detail, name="person"),
    path("people/<int:pk>/contact/", contact.person_contact, name="person_contact"),
    path("broadcast/", broadcast.broadcast, name="broadcast"),
    path("people/not-reached/", contact.notification_failures, name="notification_failures"),
    path("people/<int:pk>/needs/new/", assisted.assisted_need, name="assisted_need"),
    path("assisted/", assisted.assisted_list, name="assisted"),
    path("assisted/needs/<int:pk>/", assisted.assisted_need_detail, name="assisted_need_detail"),
    path("assisted/needs/<int:pk>/ask/", assisted.assisted_ask, name="assisted_ask"),
    path("assisted/matches/<int:pk>/", assisted.assisted_match, name="assisted_match"),
    path("assisted/matches/<int:pk>/accept/", assisted.assisted_accept, name="assisted_accept"),
    path("assisted/matches/<int:pk>/done/", assisted.assisted_complete, name="assisted_complete"),
    path("assisted/matches/<int:pk>/cancel/", assisted.assisted_cancel, name="assisted_cancel"),
    path("assisted/matches/<int:pk>/decline/", assisted.assisted_decline, name="assisted_decline"),
    path("people/<int:pk>/suspend/", people.person_suspend, name="person_suspend"),
    path("people/<int:pk>/reinstate/", people.person_reinstate, name="person_reinstate"),
    path("oversight/", oversight.oversight, name="oversight"),
    path("impact/", oversight.impact, name="impact"),
    path("impact/export.csv", oversight.impact_csv, name="impact_csv"),
    path("settings/", council_settings.council_settings, name="settings"),
    path("settings/impact-units/", council_settings.impact_units, name="impact_units"),
    path(
        "settings/categories/<slug:slug>/", council_settings.category_switch, name="category_switch"
    ),
    path("team/", team.team, name="team"),
    path("team/<int:pk>/setup-link/", team.team_setup_link, name="team_setup_link"),
    path("audit/", audit_log.audit_log, name="audit"),
    path("audit/export.csv", audit_log.audit_log_csv, name="audit_csv"),
]
