"""API routes for reports and blocks."""

from django.urls import path

from . import api

urlpatterns = [
    path("reports/", api.ReportCreateApi.as_view(), name="api-reports"),
    path("blocks/", api.BlockListCreateApi.as_view(), name="api-blocks"),
    path("blocks/<int:person_id>/", api.BlockDeleteApi.as_view(), name="api-block"),
    # Council moderators (404 for everyone else).
    path("staff/reports/", api.StaffReportListApi.as_view(), name="api-staff-reports"),
    path(
        "staff/reports/<int:pk>/decide/",
        api.StaffReportDecideApi.as_view(),
        name="api-staff-report-decide",
    ),
]
