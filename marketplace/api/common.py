"""What every marketplace endpoint shares: the documented error answers, pagination, the
staff gate (404 without the capability, 403 without two-factor authentication), the fields
and output base of needs and offers, and browsing listings near one's home."""

from __future__ import annotations

import math
import re
from typing import cast

from django.contrib.gis.geos import Point
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import BasePagination
from rest_framework.settings import api_settings

from accounts.permissions import (
    STAFF_MFA_MESSAGE,
    Capability,
    staff_can,
    staff_has_mfa,
)
from marketplace import selectors
from marketplace.models import DietaryTag
from places.geo import band_said, distance_band, metres_between

MAX_ID = 2**63 - 1
_SLUG_RE = re.compile(r"[-a-z0-9_]{1,40}")


# --- Plumbing --------------------------------------------------------------------------------
ERROR_SCHEMA = {
    "type": "object",
    "description": 'A clear message in "detail", or messages per field.',
    "additionalProperties": True,
}


class MarketplaceAutoSchema(AutoSchema):
    """Documents the error answers every marketplace endpoint can give, so that clients (and
    schema-driven fuzzers) know them: 400 (a rule or a field refused), 401 (not signed in),
    403 (staff without two-factor authentication), 404 (missing or not yours), 409 (stale)."""

    ERRORS = {
        "400": "Refused: the message says why.",
        "401": "Not signed in.",
        "403": "Not allowed.",
        "404": "Not found (or not yours: the two are never told apart).",
        "409": "Someone changed this since you read it.",
    }

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code, description in self.ERRORS.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    },
                )
        return responses


class MarketplaceApiMixin:
    """Domain "not found" becomes a 404 and a stale version a 409; other domain errors
    become a 400 with their message (config.api.exception_handler)."""

    schema = MarketplaceAutoSchema()


# Every API list pages the same way (DEFAULT_PAGINATION_CLASS; docs/api.md, "Errors, limits
# and lists"): a view declares `cursor_ordering` or `sync_field`, the API's pagination does
# the rest.
ListingPagination = cast("type[BasePagination]", api_settings.DEFAULT_PAGINATION_CLASS)


class StaffMixin(MarketplaceApiMixin):
    """Staff endpoints: anyone who is not staff with the capability gets a 404 (nobody learns
    the endpoint's objects exist); staff without two-factor authentication get a 403."""

    required_capability = Capability.MODERATION

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not staff_can(request.user, self.required_capability):
            raise exceptions.NotFound()
        if not staff_has_mfa(request.user):
            raise exceptions.PermissionDenied(STAFF_MFA_MESSAGE)


# --- Shared fields ---------------------------------------------------------------------------
class LatLonSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)

    def validate(self, attrs):
        if not (math.isfinite(attrs["lat"]) and math.isfinite(attrs["lon"])):
            raise serializers.ValidationError(_("Give a real latitude and longitude."))
        return attrs


@extend_schema_field(LatLonSerializer)
class LatLonField(serializers.Field):
    def to_representation(self, value):
        return {"lat": round(value.y, 6), "lon": round(value.x, 6)}


@extend_schema_field(OpenApiTypes.STR)
class PublicNameField(serializers.Field):
    """A person's name as others see it (`User.public_name`: a display name that holds contact
    details is replaced by the neutral stand-in)."""

    def to_representation(self, value):
        return value.public_name


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
        "example": "09:30",
        "description": "Local wall-clock time, hours and minutes (seconds accepted).",
    }
)
class WallClockTimeField(serializers.TimeField):
    """A local time of day as "HH:MM". Documented as a pattern: the OpenAPI `time` format
    means RFC 3339 `full-time`, which needs seconds and a UTC offset a weekly slot has not."""

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


class SlotSerializer(serializers.Serializer):
    weekday = serializers.IntegerField(
        min_value=0, max_value=6, help_text=gettext_lazy("0 is Monday, 6 is Sunday.")
    )
    start = WallClockTimeField()
    end = WallClockTimeField()


def slots_field():
    return SlotSerializer(many=True, required=False, max_length=21)


def languages_field():
    return serializers.ListField(
        child=serializers.CharField(max_length=35), max_length=10, required=False
    )


class DietaryTagField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=DietaryTag.choices, **kwargs)


def dietary_field():
    return serializers.ListField(child=DietaryTagField(), max_length=10, required=False)


@extend_schema_field({"type": "string", "maxLength": 40, "description": "A category slug."})
class CategorySlugField(serializers.Field):
    """A category slug in, the active Category out."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _SLUG_RE.fullmatch(data):
            raise serializers.ValidationError(_("Choose a kind of help from the list."))
        category = selectors.category_by_slug(slug=data, active_only=True)
        if category is None:
            raise serializers.ValidationError(_("Choose a kind of help from the list."))
        return category

    def to_representation(self, value):
        return value.slug


def _point(data: dict | None) -> Point | None:
    if not data:
        return None
    return Point(data["lon"], data["lat"], srid=4326)


class ListingOutputBase(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.local_name")
    title = serializers.CharField()
    description = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    slots = SlotSerializer(many=True, source="slots.all")
    approx_location = LatLonField()
    distance_band = serializers.SerializerMethodField(
        allow_null=True,
        help_text=gettext_lazy(
            "How far from your own home, as a band; its English is fixed. Null when you have "
            "no home set."
        ),
    )
    distance_label = serializers.SerializerMethodField(
        allow_null=True,
        help_text=gettext_lazy(
            "The band in the language of the request, to show to a person. Null when you "
            "have no home set."
        ),
    )
    published_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(OpenApiTypes.STR)
    def get_distance_band(self, obj) -> str | None:
        """From the viewer's own stored home to the listing's approximate location."""
        metres = getattr(obj, "distance_m", None)
        if metres is not None:
            return distance_band(metres.m)
        viewer = self.context.get("viewer")
        home = getattr(viewer, "home_location", None)
        if home is None:
            return None
        return distance_band(metres_between(home, obj.approx_location))

    @extend_schema_field(OpenApiTypes.STR)
    def get_distance_label(self, obj) -> str | None:
        band = self.get_distance_band(obj)
        return band_said(band) if band is not None else None


def service_kwargs(data: dict) -> dict:
    data = dict(data)
    if "location" in data:
        data["point"] = _point(data.pop("location"))
    if "slots" in data:
        data["slots"] = [(s["weekday"], s["start"], s["end"]) for s in data["slots"]]
    return data


class BrowseQuery(serializers.Serializer):
    category = CategorySlugField(required=False)
    max_distance_m = serializers.IntegerField(
        min_value=100,
        max_value=selectors.MAX_BROWSE_DISTANCE_M,
        required=False,
        help_text=gettext_lazy("Only listings within this distance of your home."),
    )


class NearApi(MarketplaceApiMixin, generics.ListAPIView):
    """Open listings of other people. For everyone: staff without two-factor authentication
    get what any person gets (not the listings of people who blocked them or are suspended,
    which staff of the council see with it)."""

    pagination_class = ListingPagination
    query_serializer = BrowseQuery
    kind = ""

    def get_queryset(self):
        query = BrowseQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.listings_near(
            viewer=self.request.user,
            kind=self.kind,
            category=query.validated_data.get("category"),
            max_distance_m=query.validated_data.get("max_distance_m"),
        )

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}
