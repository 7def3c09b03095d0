"""Everything under /api/v1/. Each app contributes its own routes."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from accounts.api import TokenApi, TokensApi
from notifications.api import ContactApi
from trust.api import MeApi

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("me/", MeApi.as_view(), name="api-me"),
    path("me/contact/", ContactApi.as_view(), name="api-me-contact"),
    path("me/tokens/", TokensApi.as_view(), name="api-tokens"),
    path("me/tokens/<int:token_id>/", TokenApi.as_view(), name="api-token"),
    path("open/", include("insights.urls")),
    path("", include("marketplace.api_urls")),
    path("", include("matching.api_urls")),
    path("", include("safeguarding.api_urls")),
    path("", include("privacy.api_urls")),
]
