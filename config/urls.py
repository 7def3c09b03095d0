"""Root URLs: web pages, accounts, the API under /api/v1/, health and the superuser admin."""

from django.contrib import admin
from django.urls import include, path
from oauth2_provider import views as oauth_views

from frontend.views import oauth
from staff_console.views import team

from . import views

OAUTH = [
    path("authorize/", oauth.Authorize.as_view(), name="authorize"),
    path("token/", oauth_views.TokenView.as_view(), name="token"),
    path("revoke_token/", oauth_views.RevokeTokenView.as_view(), name="revoke-token"),
]

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("metrics", views.metrics, name="metrics"),
    path("favicon.ico", views.favicon),
    path("language/<str:code>/", views.switch_language, name="switch_language"),
    # The timeout warning: how long is left, and "stay signed in".
    path("session/", views.session_status, name="session_status"),
    path("session/stay/", views.session_stay, name="session_stay"),
    path("django-admin/", admin.site.urls),
    # In front of allauth's own page (same address): staff add an authenticator only from the
    # set-up link their council admin sends them.
    path("accounts/2fa/totp/activate/", team.add_authenticator),
    # The one-time set-up link itself: for the signed-in person it was sent to, staff or not
    # yet, so it is not a console page.
    path("staff/set-up/<str:token>/", team.setup, name="staff_setup"),
    path("accounts/", include("allauth.urls")),
    path("api/v1/", include("config.api_urls")),
    # OAuth 2.0 for applications acting for a person (docs/api.md, "Getting in"): the consent
    # page in Kith's design, and django-oauth-toolkit's token and revocation endpoints.
    path("oauth/", include((OAUTH, "oauth2_provider"))),
    # GOV.UK Notify's callbacks: delivery receipts and received text messages.
    path("notify/", include("notifications.urls")),
    path("oruk/", include("directory.urls")),
    path("staff/", include("staff_console.urls")),
    path("", include("frontend.urls")),
]

# allauth's rate limits (sign-in, sign-up, password reset) answer with this view.
handler429 = "config.views.too_many_requests"
# Unresolved addresses under /api/ answer in JSON; other addresses get the normal page.
handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.not_found"
handler500 = "config.outages.server_error"
