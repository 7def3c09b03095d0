"""Public open-data routes, included at /api/v1/open/ by config/api_urls.py."""

from django.urls import path

from insights.open_data import (
    OpenCategoriesApi,
    OpenCellsApi,
    OpenCouncilsApi,
    OpenDemandApi,
    OpenStatsApi,
    OpenWeeklyApi,
)

urlpatterns = [
    path("stats/", OpenStatsApi.as_view(), name="open-stats"),
    path("stats/weekly/", OpenWeeklyApi.as_view(), name="open-stats-weekly"),
    path("cells/", OpenCellsApi.as_view(), name="open-cells"),
    path("demand/", OpenDemandApi.as_view(), name="open-demand"),
    path("categories/", OpenCategoriesApi.as_view(), name="open-categories"),
    path("councils/", OpenCouncilsApi.as_view(), name="open-councils"),
]
