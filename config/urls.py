"""Root URLs: web pages, accounts, the API under /api/v1/, health and the superuser admin."""

from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("django-admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    path("staff/", include("staff_console.urls")),
    path("", include("frontend.urls")),
]

# allauth's rate limits (sign-in, sign-up, password reset) answer with this view.
handler429 = "config.views.too_many_requests"
# Unresolved addresses under /api/ answer in JSON; other addresses get the normal page.
handler404 = "config.views.not_found"
handler500 = "config.outages.server_error"
