"""Matching API routes (rankings, matches, messages, feedback, alerts)."""

from django.urls import path

from . import alerts_api, api, conversation_api, rounds_api

urlpatterns = [
    path("needs/<int:pk>/matches/", api.NeedMatchesApi.as_view(), name="api-need-matches"),
    path("offers/<int:pk>/matches/", api.OfferMatchesApi.as_view(), name="api-offer-matches"),
    path("matches/", api.MatchListCreateApi.as_view(), name="api-matches"),
    path("matches/<int:pk>/", api.MatchDetailApi.as_view(), name="api-match"),
    path("matches/<int:pk>/accept/", api.MatchAcceptApi.as_view(), name="api-match-accept"),
    path("matches/<int:pk>/decline/", api.MatchDeclineApi.as_view(), name="api-match-decline"),
    path("matches/<int:pk>/cancel/", api.MatchCancelApi.as_view(), name="api-match-cancel"),
    path("matches/<int:pk>/start/", api.MatchStartApi.as_view(), name="api-match-start"),
    path("matches/<int:pk>/complete/", api.MatchCompleteApi.as_view(), name="api-match-complete"),
    path(
        "matches/<int:pk>/messages/",
        conversation_api.MessageListCreateApi.as_view(),
        name="api-messages",
    ),
    path(
        "matches/<int:pk>/feedback/",
        conversation_api.FeedbackApi.as_view(),
        name="api-match-feedback",
    ),
    path(
        "messages/<int:pk>/report/",
        conversation_api.MessageReportApi.as_view(),
        name="api-message-report",
    ),
    path("staff/rounds/", rounds_api.RoundListCreateApi.as_view(), name="api-staff-rounds"),
    path("staff/rounds/<int:pk>/", rounds_api.RoundDetailApi.as_view(), name="api-staff-round"),
    path(
        "staff/rounds/<int:pk>/apply/",
        rounds_api.RoundApplyApi.as_view(),
        name="api-staff-round-apply",
    ),
    path(
        "staff/rounds/<int:pk>/discard/",
        rounds_api.RoundDiscardApi.as_view(),
        name="api-staff-round-discard",
    ),
    path("me/alerts/", alerts_api.AlertPreferenceApi.as_view(), name="api-alert-preferences"),
    path(
        "alerts/unsubscribe/<str:token>/",
        alerts_api.AlertUnsubscribeApi.as_view(),
        name="api-alert-unsubscribe",
    ),
]
