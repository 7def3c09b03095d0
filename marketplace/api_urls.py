"""Marketplace API routes (needs, offers, listings near me, moderation, categories)."""

from django.urls import path

from . import api

urlpatterns = [
    path("categories/", api.CategoryListApi.as_view(), name="api-categories"),
    path("needs/", api.NeedListCreateApi.as_view(), name="api-needs"),
    path("needs/near/", api.NeedsNearApi.as_view(), name="api-needs-near"),
    path("needs/<int:pk>/", api.NeedDetailApi.as_view(), name="api-need"),
    path("needs/<int:pk>/submit/", api.NeedSubmitApi.as_view(), name="api-need-submit"),
    path("needs/<int:pk>/withdraw/", api.NeedWithdrawApi.as_view(), name="api-need-withdraw"),
    path("offers/", api.OfferListCreateApi.as_view(), name="api-offers"),
    path("offers/near/", api.OffersNearApi.as_view(), name="api-offers-near"),
    path("offers/<int:pk>/", api.OfferDetailApi.as_view(), name="api-offer"),
    path("offers/<int:pk>/pause/", api.OfferPauseApi.as_view(), name="api-offer-pause"),
    path("offers/<int:pk>/resume/", api.OfferResumeApi.as_view(), name="api-offer-resume"),
    path("offers/<int:pk>/close/", api.OfferCloseApi.as_view(), name="api-offer-close"),
    # Council staff (404 for everyone else).
    path("staff/needs/", api.StaffNeedCreateApi.as_view(), name="api-staff-need-create"),
    path("staff/review/needs/", api.StaffNeedQueueApi.as_view(), name="api-staff-review-needs"),
    path("staff/review/offers/", api.StaffOfferQueueApi.as_view(), name="api-staff-review-offers"),
    path(
        "staff/needs/<int:pk>/approve/",
        api.StaffNeedApproveApi.as_view(),
        name="api-staff-need-approve",
    ),
    path(
        "staff/needs/<int:pk>/reject/",
        api.StaffNeedRejectApi.as_view(),
        name="api-staff-need-reject",
    ),
    path(
        "staff/offers/<int:pk>/approve/",
        api.StaffOfferApproveApi.as_view(),
        name="api-staff-offer-approve",
    ),
    path(
        "staff/offers/<int:pk>/reject/",
        api.StaffOfferRejectApi.as_view(),
        name="api-staff-offer-reject",
    ),
    path("staff/categories/", api.StaffCategoryListApi.as_view(), name="api-staff-categories"),
    path(
        "staff/categories/<slug:slug>/",
        api.StaffCategorySwitchApi.as_view(),
        name="api-staff-category",
    ),
]
