"""Privacy API routes: the person's own data (under /api/v1/me/)."""

from django.urls import path

from privacy import api

urlpatterns = [
    path("me/export/", api.ExportApi.as_view(), name="api-me-export"),
    path("me/erase/", api.EraseApi.as_view(), name="api-me-erase"),
]
