"""URLs of the staff console, included at /staff/ by config/urls.py."""

from django.urls import path

from staff_console import views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/reports/<int:pk>/", views.report_detail, name="report"),
    path("moderation/<str:kind>/<int:pk>/", views.moderation_item, name="moderation_item"),
    path(
        "moderation/<str:kind>/<int:pk>/approve/",
        views.moderation_approve,
        name="moderation_approve",
    ),
    path(
        "moderation/<str:kind>/<int:pk>/reject/", views.moderation_reject, name="moderation_reject"
    ),
    path("checks/", views.checks, name="checks"),
    path("checks/<int:pk>/revoke/", views.check_revoke, name="check_revoke"),
    path("rounds/", views.rounds, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/apply/", views.round_decide, {"decision": "apply"}, name="round_apply"),
    path(
        "rounds/<int:pk>/discard/",
        views.round_decide,
        {"decision": "discard"},
        name="round_discard",
    ),
    path("concerns/", views.concerns, name="concerns"),
    path("concerns/new/", views.concern_raise, name="concern_raise"),
    path("concerns/<int:pk>/", views.concern_detail, name="concern"),
    path("concerns/<int:pk>/assign/", views.concern_assign, name="concern_assign"),
    path("concerns/<int:pk>/note/", views.concern_note, name="concern_note"),
    path("concerns/<int:pk>/close/", views.concern_close, name="concern_close"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/needs/new/", views.assisted_need, name="assisted_need"),
    path("assisted/", views.assisted_list, name="assisted"),
    path("assisted/needs/<int:pk>/", views.assisted_need_detail, name="assisted_need_detail"),
    path("assisted/needs/<int:pk>/ask/", views.assisted_ask, name="assisted_ask"),
    path("assisted/matches/<int:pk>/", views.assisted_match, name="assisted_match"),
    path("assisted/matches/<int:pk>/accept/", views.assisted_accept, name="assisted_accept"),
    path("assisted/matches/<int:pk>/done/", views.assisted_complete, name="assisted_complete"),
    path("assisted/matches/<int:pk>/cancel/", views.assisted_cancel, name="assisted_cancel"),
    path("assisted/matches/<int:pk>/decline/", views.assisted_decline, name="assisted_decline"),
    path("people/<int:pk>/suspend/", views.person_suspend, name="person_suspend"),
    path("people/<int:pk>/reinstate/", views.person_reinstate, name="person_reinstate"),
    path("oversight/", views.oversight, name="oversight"),
    path("impact/", views.impact, name="impact"),
    path("impact/export.csv", views.impact_csv, name="impact_csv"),
    path("settings/", views.council_settings, name="settings"),
    path("settings/impact-units/", views.impact_units, name="impact_units"),
    path("settings/categories/<slug:slug>/", views.category_switch, name="category_switch"),
    path("audit/", views.audit_log, name="audit"),
    path("audit/export.csv", views.audit_log_csv, name="audit_csv"),
]
