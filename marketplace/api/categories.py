"""Kinds of help through the API: the list for everyone, and the council's switches for
staff who may turn them on or off."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import (
    Capability,
)
from marketplace import selectors, services
from marketplace.api.common import (
    MarketplaceApiMixin,
    StaffMixin,
)


# --- Categories ------------------------------------------------------------------------------
class CategoryOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    required_level = serializers.IntegerField(
        help_text=gettext_lazy("0 none, 1 ID checked, 2 enhanced DBS with the adults' barred list.")
    )
    is_regulated_activity = serializers.BooleanField()
    is_meal = serializers.BooleanField()
    enabled = serializers.BooleanField(help_text=gettext_lazy("Whether your council offers it."))


def _categories_data(user: User) -> list[dict]:
    rows = []
    for category, enabled in selectors.categories_for(user=user):
        rows.append(
            {
                "slug": category.slug,
                "name": category.local_name,
                "description": category.local_description,
                "required_level": category.required_level,
                "is_regulated_activity": category.is_regulated_activity,
                "is_meal": category.is_meal,
                "enabled": enabled,
            }
        )
    return rows


class CategoryListApi(MarketplaceApiMixin, APIView):
    """For everyone: staff with two-factor authentication see their council's switches,
    without it those of the council they live in, as any person."""

    @extend_schema(summary="Kinds of help", responses=CategoryOutput(many=True))
    def get(self, request):
        return Response(CategoryOutput(_categories_data(request.user), many=True).data)


class CategorySwitchInput(serializers.Serializer):
    enabled = serializers.BooleanField()


class StaffCategoryListApi(StaffMixin, APIView):
    required_capability = Capability.CATEGORY_SWITCHES

    @extend_schema(
        summary="Categories and whether your council offers each",
        responses=CategoryOutput(many=True),
    )
    def get(self, request):
        return Response(CategoryOutput(_categories_data(request.user), many=True).data)


class StaffCategorySwitchApi(StaffMixin, APIView):
    required_capability = Capability.CATEGORY_SWITCHES

    @extend_schema(
        summary="Switch a category on or off for your council",
        request=CategorySwitchInput,
        responses=inline_serializer(
            "CategorySwitchOutput",
            {"slug": serializers.CharField(), "enabled": serializers.BooleanField()},
        ),
    )
    def post(self, request, slug: str):
        payload = CategorySwitchInput(data=request.data)
        payload.is_valid(raise_exception=True)
        category = selectors.category_by_slug(slug=slug[:40])
        if category is None:
            raise exceptions.NotFound()
        setting = services.category_set_enabled(
            actor=request.user, category=category, enabled=payload.validated_data["enabled"]
        )
        return Response({"slug": category.slug, "enabled": setting.enabled})
