"""Marketplace API routes (needs, offers, listings near me, moderation, categories)."""

from django.urls import path

from marketplace.api import categories, moderation, needs, offers

urlpatterns = [
    path("categories/", categories.CategoryListApi.as_view(), name="api-categories"),
    path("needs/", needs.NeedListCreateApi.as_view(), name="api-needs"),
    path("needs/near/", needs.NeedsNearApi.as_view(), name="api-needs-near"),
    path("needs/<int:pk>/", needs.NeedDetailApi.as_view(), name="api-need"),
    path("needs/<int:pk>/submit/", needs.NeedSubmitApi.as_view(), name="api-need-submit"),
    path("needs/<int:pk>/withdraw/", needs.NeedWithdrawApi.as_view(), name="api-need-withdraw"),
    path("offers/", offers.OfferListCreateApi.as_view(), name="api-offers"),
    path("offers/near/", offers.OffersNearApi.as_view(), name="api-offers-near"),
    path("offers/<int:pk>/", offers.OfferDetailApi.as_view(), name="api-offer"),
    path("offers/<int:pk>/pause/", offers.OfferPauseApi.as_view(), name="api-offer-pause"),
    path("offers/<int:pk>/resume/", offers.OfferResumeApi.as_view(), name="api-offer-resume"),
    path("offers/<int:pk>/close/", offers.OfferCloseApi.as_view(), name="api-offer-close"),
    # Council staff (404 for everyone else).
    path("staff/needs/", needs.StaffNeedCreateApi.as_view(), name="api-staff-need-create"),
    path(
        "staff/review/needs/", moderation.StaffNeedQueueApi.as_view(), name="api-staff-review-needs"
    ),
    path(
        "staff/review/offers/",
        moderation.StaffOfferQueueApi.as_view(),
        name="api-staff-review-offers",
    ),
    path(
        "staff/needs/<int:pk>/approve/",
        moderation.StaffNeedApproveApi.as_view(),
        name="api-staff-need-approve",
    ),
    path(
        "staff/needs/<int:pk>/reject/",
        moderation.StaffNeedRejectApi.as_view(),
        name="api-staff-need-reject",
    ),
    path(
        "staff/offers/<int:pk>/approve/",
        moderation.StaffOfferApproveApi.as_view(),
        name="api-staff-offer-approve",
    ),
    path(
        "staff/offers/<int:pk>/reject/",
        moderation.StaffOfferRejectApi.as_view(),
        name="api-staff-offer-reject",
    ),
    path(
        "staff/categories/", categories.StaffCategoryListApi.as_view(), name="api-staff-categories"
    ),
    path(
        "staff/categories/<slug:slug>/",
        categories.StaffCategorySwitchApi.as_view(),
        name="api-staff-category",
    ),
]
