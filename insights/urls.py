"""Public open-data routes, included at /api/v1/open/ by config/api_urls.py."""

from django.urls import path

from insights.open_data import OpenDemandApi, OpenStatsApi

urlpatterns = [
    path("stats/", OpenStatsApi.as_view(), name="open-stats"),
    path("demand/", OpenDemandApi.as_view(), name="open-demand"),
]
