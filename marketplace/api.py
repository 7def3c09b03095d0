"""The marketplace API: needs, offers, browsing near me, categories and the staff review
queue (reports and blocks: `safeguarding.api`). Views are thin: input serializers check shape
and length, services and selectors hold the rules.

Privacy: output for other people's listings carries only `approx_location` and a
`distance_band` computed from the viewer's own stored home. Exact places and postcodes go
only to the owner and to staff of the listing's council (and a staff read is audited).

Two-factor authentication: whatever staff read or do *as staff* needs an authenticator app,
as in the staff console and the matching API. Endpoints for everyone (a need, an offer,
listings near me, categories) treat a member of staff without one as an ordinary person —
the selectors' visibility rule asks `staff_council_id_with_mfa` — so they see what any
citizen sees; staff-only endpoints and staff actions answer a 403 with `STAFF_MFA_MESSAGE`.
"""

from __future__ import annotations

import math
import re

from django.contrib.gis.geos import Point
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, generics, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.permissions import (
    STAFF_MFA_MESSAGE,
    Capability,
    staff_can,
    staff_council_for,
    staff_council_id,
    staff_has_mfa,
)
from core.audit import audit_record
from marketplace.models import Category, DietaryTag, GenderPreference, Need, Offer, Urgency
from places.geo import distance_band

from . import selectors, services
from .contact_details import has_contact_details

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


class ListingPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


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


def _staff_changing_a_need_needs_mfa(request, pk: int) -> None:
    """Changing someone else's need is a staff action (staff keep a need they recorded for a
    person up to date), so it needs two-factor authentication: a 403 with the staff tools'
    message, as in the matching API. Asked before the need is looked up, so a need of their
    council that only staff may see answers the same 403 (not a citizen's 404). A member of
    staff changing their own need is a citizen there and needs no authenticator app."""
    council_id = staff_council_id(request.user)
    if council_id is None or not 0 < pk <= MAX_ID or staff_has_mfa(request.user):
        return
    others = Need.objects.filter(pk=pk, council_id=council_id).exclude(owner=request.user)
    if others.exists():
        raise exceptions.PermissionDenied(STAFF_MFA_MESSAGE)


# --- Shared fields ---------------------------------------------------------------------------
class LatLonSerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90)
    lon = serializers.FloatField(min_value=-180, max_value=180)

    def validate(self, attrs):
        if not (math.isfinite(attrs["lat"]) and math.isfinite(attrs["lon"])):
            raise serializers.ValidationError("Give a real latitude and longitude.")
        return attrs


@extend_schema_field(LatLonSerializer)
class LatLonField(serializers.Field):
    def to_representation(self, value):
        return {"lat": round(value.y, 6), "lon": round(value.x, 6)}


@extend_schema_field(OpenApiTypes.STR)
class PublicNameField(serializers.Field):
    """A person's name as others see it. A display name that holds contact details (someone
    typed their number in as a name) is replaced by the neutral stand-in."""

    def to_representation(self, value):
        name = value.public_name
        if has_contact_details(name) or "@" in name:
            return f"Kith member {value.pk}"
        return name


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
        min_value=0, max_value=6, help_text="0 is Monday, 6 is Sunday."
    )
    start = WallClockTimeField()
    end = WallClockTimeField()


def _slots_field():
    return SlotSerializer(many=True, required=False, max_length=21)


def _languages_field():
    return serializers.ListField(
        child=serializers.CharField(max_length=35), max_length=10, required=False
    )


class DietaryTagField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=DietaryTag.choices, **kwargs)


def _dietary_field():
    return serializers.ListField(child=DietaryTagField(), max_length=10, required=False)


@extend_schema_field({"type": "string", "maxLength": 40, "description": "A category slug."})
class CategorySlugField(serializers.Field):
    """A category slug in, the active Category out."""

    def to_internal_value(self, data):
        if not isinstance(data, str) or not _SLUG_RE.fullmatch(data):
            raise serializers.ValidationError("Choose a kind of help from the list.")
        category = Category.objects.filter(slug=data, is_active=True).first()
        if category is None:
            raise serializers.ValidationError("Choose a kind of help from the list.")
        return category

    def to_representation(self, value):
        return value.slug


def _point(data: dict | None) -> Point | None:
    if not data:
        return None
    return Point(data["lon"], data["lat"], srid=4326)


def _haversine_m(a: Point, b: Point) -> float:
    lat1, lat2 = math.radians(a.y), math.radians(b.y)
    dlat, dlon = lat2 - lat1, math.radians(b.x - a.x)
    h = math.sin(dlat / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin(dlon / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(min(1.0, h)))


class ListingOutputBase(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.CharField(source="category.slug")
    category_name = serializers.CharField(source="category.name")
    title = serializers.CharField()
    description = serializers.CharField()
    languages = serializers.ListField(child=serializers.CharField())
    slots = SlotSerializer(many=True, source="slots.all")
    approx_location = LatLonField()
    distance_band = serializers.SerializerMethodField()
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
        return distance_band(_haversine_m(home, obj.approx_location))


# --- Needs: serializers ----------------------------------------------------------------------
class NeedPublicOutput(ListingOutputBase):
    """A need as other signed-in people see it: no exact place, postcode or contact details."""

    owner_id = serializers.IntegerField()
    owner_name = PublicNameField(source="owner")
    urgency = serializers.CharField()
    timing = serializers.CharField()
    starts_at = serializers.DateTimeField(allow_null=True)
    ends_at = serializers.DateTimeField(allow_null=True)
    helper_gender_preference = serializers.CharField()
    dietary_requirements = serializers.ListField(child=serializers.CharField())
    helpers_wanted = serializers.IntegerField()


class NeedOwnerOutput(NeedPublicOutput):
    """The owner's own need, with its exact place and its moderation state."""

    status = serializers.CharField()
    closed_reason = serializers.CharField()
    rejection_reason = serializers.CharField(help_text="Why a moderator turned it down.")
    version = serializers.IntegerField()
    postcode = serializers.CharField()
    location = LatLonField()
    council = serializers.CharField(source="council.name")
    recorded_on_behalf = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_recorded_on_behalf(self, obj) -> bool:
        return obj.recorded_by_id is not None


class NeedStaffQueueOutput(NeedPublicOutput):
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    recorded_by_id = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()


class NeedStaffOutput(NeedOwnerOutput):
    """For staff of the need's council: everything the owner sees, and who recorded it
    (each read is audited)."""

    recorded_by_id = serializers.IntegerField(allow_null=True)
    consent_recorded_at = serializers.DateTimeField(allow_null=True)
    consent_note = serializers.CharField()


class NeedCreateInput(serializers.Serializer):
    category = CategorySlugField()
    title = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=2000)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    location = LatLonSerializer(
        required=False, help_text="A map pin, when there is no postcode. Default: your home."
    )
    timing = serializers.ChoiceField(choices=Need.Timing.choices, default=Need.Timing.WEEKLY)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    slots = _slots_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.ROUTINE)
    languages = _languages_field()
    helper_gender_preference = serializers.ChoiceField(
        choices=GenderPreference.choices, default=GenderPreference.ANY
    )
    dietary_requirements = _dietary_field()
    helpers_wanted = serializers.IntegerField(min_value=1, max_value=10, default=1)
    submit = serializers.BooleanField(
        default=True, help_text="False keeps it as a draft to finish later."
    )


class StaffNeedCreateInput(NeedCreateInput):
    owner_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    consent_given = serializers.BooleanField()
    consent_note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class NeedUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text="The version you started editing."
    )
    category = CategorySlugField(required=False)
    title = serializers.CharField(max_length=80, required=False)
    description = serializers.CharField(max_length=2000, required=False)
    postcode = serializers.CharField(max_length=16, required=False)
    location = LatLonSerializer(required=False)
    timing = serializers.ChoiceField(choices=Need.Timing.choices, required=False)
    starts_at = serializers.DateTimeField(required=False, allow_null=True)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    slots = _slots_field()
    urgency = serializers.ChoiceField(choices=Urgency.choices, required=False)
    languages = _languages_field()
    helper_gender_preference = serializers.ChoiceField(
        choices=GenderPreference.choices, required=False
    )
    dietary_requirements = _dietary_field()
    helpers_wanted = serializers.IntegerField(min_value=1, max_value=10, required=False)


def _service_kwargs(data: dict) -> dict:
    data = dict(data)
    if "location" in data:
        data["point"] = _point(data.pop("location"))
    if "slots" in data:
        data["slots"] = [(s["weekday"], s["start"], s["end"]) for s in data["slots"]]
    return data


def _need_output(*, need: Need, viewer: User, audit: bool = True) -> dict:
    context = {"viewer": viewer}
    if need.owner_id == viewer.pk:
        return NeedOwnerOutput(need, context=context).data
    if selectors.can_see_exact_location(user=viewer, listing=need):
        if audit:
            audit_record(actor=viewer, verb="need.viewed", target=need)
        return NeedStaffOutput(need, context=context).data
    return NeedPublicOutput(need, context=context).data


def _reload_need(need: Need, viewer: User) -> Need:
    return selectors.access_need(user=viewer, need_id=need.pk)


# --- Needs: views ----------------------------------------------------------------------------
class NeedListCreateApi(MarketplaceApiMixin, generics.ListAPIView):
    """Your own needs, newest first, and recording a new one."""

    serializer_class = NeedOwnerOutput
    pagination_class = ListingPagination

    def get_queryset(self):
        return selectors.needs_of_owner(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(summary="Your own needs", responses=NeedOwnerOutput(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Record a need",
        request=NeedCreateInput,
        responses={201: NeedOwnerOutput},
    )
    def post(self, request):
        payload = NeedCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        need = services.need_create(owner=request.user, **_service_kwargs(payload.validated_data))
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user), status=201)


class NeedDetailApi(MarketplaceApiMixin, APIView):
    """One need. Reading is for everyone, so staff without two-factor authentication read as
    any person does (their own needs and public open ones, public fields, nothing audited):
    a need of their council that only staff may see is "not found", as for a citizen.
    Changing someone else's need is a staff action: 403 without two-factor authentication."""

    @extend_schema(
        summary="One need",
        description="Everyone who may see the need gets at least these fields. The owner, and "
        "staff of the need's council (audited), also get the fields of NeedOwnerOutput, "
        "including the exact place; nobody else ever does.",
        responses=NeedPublicOutput,
    )
    def get(self, request, pk: int):
        need = selectors.access_need(user=request.user, need_id=pk)
        return Response(_need_output(need=need, viewer=request.user))

    @extend_schema(
        summary="Change your need",
        request=NeedUpdateInput,
        responses={200: NeedOwnerOutput, 409: OpenApiTypes.OBJECT},
    )
    def patch(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        payload = NeedUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = _service_kwargs(payload.validated_data)
        version = data.pop("version")
        services.need_update(actor=request.user, need=need, version=version, data=data)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class NeedSubmitApi(MarketplaceApiMixin, APIView):
    @extend_schema(summary="Send a draft need for review", request=None, responses=NeedOwnerOutput)
    def post(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        services.need_submit(actor=request.user, need=need)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class NeedWithdrawApi(MarketplaceApiMixin, APIView):
    @extend_schema(summary="Withdraw your need", request=None, responses=NeedOwnerOutput)
    def post(self, request, pk: int):
        _staff_changing_a_need_needs_mfa(request, pk)
        need = selectors.access_need(user=request.user, need_id=pk)
        services.need_withdraw(actor=request.user, need=need)
        need = _reload_need(need, request.user)
        return Response(_need_output(need=need, viewer=request.user))


class BrowseQuery(serializers.Serializer):
    category = CategorySlugField(required=False)
    max_distance_m = serializers.IntegerField(
        min_value=100,
        max_value=selectors.MAX_BROWSE_DISTANCE_M,
        required=False,
        help_text="Only listings within this distance of your home.",
    )


class _NearApi(MarketplaceApiMixin, generics.ListAPIView):
    """Open listings of other people. For everyone: staff without two-factor authentication
    get what any person gets (not the listings of people who blocked them or are suspended,
    which staff of the council see with it)."""

    pagination_class = ListingPagination
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


class NeedsNearApi(_NearApi):
    """Open needs of other people, nearest to your home first."""

    serializer_class = NeedPublicOutput
    kind = "need"

    @extend_schema(summary="Open needs near you", parameters=[BrowseQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Offers ----------------------------------------------------------------------------------
class OfferPublicOutput(ListingOutputBase):
    helper_id = serializers.IntegerField()
    helper_name = PublicNameField(source="helper")
    capacity = serializers.IntegerField()
    dietary_capabilities = serializers.ListField(child=serializers.CharField())
    reach_band = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_reach_band(self, obj) -> str:
        """How far the helper travels, as a band (the radius and the approximate centre
        together would otherwise narrow down where they live)."""
        return f"travels up to about {max(1, round(obj.radius_m / 1000))} km"


class OfferOwnerOutput(OfferPublicOutput):
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    version = serializers.IntegerField()
    postcode = serializers.CharField()
    location = LatLonField()
    radius_m = serializers.IntegerField()
    council = serializers.CharField(source="council.name")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class OfferStaffQueueOutput(OfferPublicOutput):
    status = serializers.CharField()
    rejection_reason = serializers.CharField()
    radius_m = serializers.IntegerField()
    created_at = serializers.DateTimeField()


class OfferStaffOutput(OfferOwnerOutput):
    """For staff of the offer's council: everything the helper sees (each read is audited)."""


class OfferCreateInput(serializers.Serializer):
    category = CategorySlugField()
    title = serializers.CharField(max_length=80, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000)
    postcode = serializers.CharField(max_length=16, required=False, allow_blank=True)
    location = LatLonSerializer(
        required=False, help_text="Your base, when not your home postcode. Default: your home."
    )
    radius_m = serializers.IntegerField(min_value=100, max_value=50000)
    slots = _slots_field()
    capacity = serializers.IntegerField(min_value=1, max_value=20, default=1)
    languages = _languages_field()
    dietary_capabilities = _dietary_field()


class OfferUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    category = CategorySlugField(required=False)
    title = serializers.CharField(max_length=80, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False)
    postcode = serializers.CharField(max_length=16, required=False)
    location = LatLonSerializer(required=False)
    radius_m = serializers.IntegerField(min_value=100, max_value=50000, required=False)
    slots = _slots_field()
    capacity = serializers.IntegerField(min_value=1, max_value=20, required=False)
    languages = _languages_field()
    dietary_capabilities = _dietary_field()


def _offer_output(*, offer: Offer, viewer: User, audit: bool = True) -> dict:
    context = {"viewer": viewer}
    if offer.helper_id == viewer.pk:
        return OfferOwnerOutput(offer, context=context).data
    if selectors.can_see_exact_location(user=viewer, listing=offer):
        if audit:
            audit_record(actor=viewer, verb="offer.viewed", target=offer)
        return OfferStaffOutput(offer, context=context).data
    return OfferPublicOutput(offer, context=context).data


class OfferListCreateApi(MarketplaceApiMixin, generics.ListAPIView):
    """Your own offers, newest first, and recording a new one."""

    serializer_class = OfferOwnerOutput
    pagination_class = ListingPagination

    def get_queryset(self):
        return selectors.offers_of_helper(user=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(summary="Your own offers", responses=OfferOwnerOutput(many=True))
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Offer help", request=OfferCreateInput, responses={201: OfferOwnerOutput}
    )
    def post(self, request):
        payload = OfferCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        offer = services.offer_create(
            helper=request.user, **_service_kwargs(payload.validated_data)
        )
        offer = selectors.access_offer(user=request.user, offer_id=offer.pk)
        return Response(_offer_output(offer=offer, viewer=request.user), status=201)


class OfferDetailApi(MarketplaceApiMixin, APIView):
    """One offer. Reading is for everyone, so staff without two-factor authentication read as
    any person does (their own offers and public open ones, public fields, nothing audited):
    an offer of their council that only staff may see is "not found", as for a citizen. Only
    the helper changes an offer."""

    @extend_schema(
        summary="One offer",
        description="Everyone who may see the offer gets at least these fields. The helper, "
        "and staff of the offer's council (audited), also get the fields of OfferOwnerOutput, "
        "including the exact place; nobody else ever does.",
        responses=OfferPublicOutput,
    )
    def get(self, request, pk: int):
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        return Response(_offer_output(offer=offer, viewer=request.user))

    @extend_schema(
        summary="Change your offer",
        request=OfferUpdateInput,
        responses={200: OfferOwnerOutput, 409: OpenApiTypes.OBJECT},
    )
    def patch(self, request, pk: int):
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        payload = OfferUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = _service_kwargs(payload.validated_data)
        version = data.pop("version")
        services.offer_update(actor=request.user, offer=offer, version=version, data=data)
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        return Response(_offer_output(offer=offer, viewer=request.user))


class _OfferStepApi(MarketplaceApiMixin, APIView):
    step = staticmethod(services.offer_pause)

    def post(self, request, pk: int):
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        type(self).step(actor=request.user, offer=offer)
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        return Response(_offer_output(offer=offer, viewer=request.user))


class OfferPauseApi(_OfferStepApi):
    step = staticmethod(services.offer_pause)

    @extend_schema(summary="Pause your offer", request=None, responses=OfferOwnerOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class OfferResumeApi(_OfferStepApi):
    step = staticmethod(services.offer_resume)

    @extend_schema(summary="Resume your paused offer", request=None, responses=OfferOwnerOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class OfferCloseApi(_OfferStepApi):
    step = staticmethod(services.offer_close)

    @extend_schema(summary="Close your offer", request=None, responses=OfferOwnerOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class OffersNearApi(_NearApi):
    """Open offers of other people, nearest to your home first."""

    serializer_class = OfferPublicOutput
    kind = "offer"

    @extend_schema(summary="Open offers near you", parameters=[BrowseQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Categories ------------------------------------------------------------------------------
class CategoryOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    required_level = serializers.IntegerField(
        help_text="0 none, 1 ID checked, 2 enhanced DBS with the adults' barred list."
    )
    is_regulated_activity = serializers.BooleanField()
    is_meal = serializers.BooleanField()
    enabled = serializers.BooleanField(help_text="Whether your council offers it.")


def _categories_data(user: User) -> list[dict]:
    rows = []
    for category, enabled in selectors.categories_for(user=user):
        rows.append(
            {
                "slug": category.slug,
                "name": category.name,
                "description": category.description,
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


# --- Staff: review queue and decisions -------------------------------------------------------
class StaffNeedQueueApi(StaffMixin, generics.ListAPIView):
    """Needs of your council waiting for review, oldest first."""

    serializer_class = NeedStaffQueueOutput
    pagination_class = ListingPagination

    def get_queryset(self):
        return selectors.review_queue_needs(staff=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(summary="Review queue: needs")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffOfferQueueApi(StaffMixin, generics.ListAPIView):
    """Offers of your council waiting for review, oldest first."""

    serializer_class = OfferStaffQueueOutput
    pagination_class = ListingPagination

    def get_queryset(self):
        return selectors.review_queue_offers(staff=self.request.user)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": self.request.user}

    @extend_schema(summary="Review queue: offers")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class RejectInput(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Shown to the owner.")


class DecisionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    rejection_reason = serializers.CharField()


class _DecisionApi(StaffMixin, APIView):
    kind = ""
    approve = True

    def post(self, request, pk: int):
        if self.approve:
            listing = services.moderation_approve(actor=request.user, kind=self.kind, listing_id=pk)
        else:
            payload = RejectInput(data=request.data)
            payload.is_valid(raise_exception=True)
            listing = services.moderation_reject(
                actor=request.user,
                kind=self.kind,
                listing_id=pk,
                reason=payload.validated_data["reason"],
                only_pending=True,
            )
        return Response(DecisionOutput(listing).data)


class StaffNeedApproveApi(_DecisionApi):
    kind, approve = "need", True

    @extend_schema(summary="Approve a need", request=None, responses=DecisionOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class StaffNeedRejectApi(_DecisionApi):
    kind, approve = "need", False

    @extend_schema(summary="Reject a need", request=RejectInput, responses=DecisionOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class StaffOfferApproveApi(_DecisionApi):
    kind, approve = "offer", True

    @extend_schema(summary="Approve an offer", request=None, responses=DecisionOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class StaffOfferRejectApi(_DecisionApi):
    kind, approve = "offer", False

    @extend_schema(summary="Reject an offer", request=RejectInput, responses=DecisionOutput)
    def post(self, request, pk: int):
        return super().post(request, pk)


class StaffNeedCreateApi(StaffMixin, APIView):
    """Record a need for someone who is not online, with their consent."""

    required_capability = Capability.CONSOLE

    @extend_schema(
        summary="Record a need on someone's behalf",
        request=StaffNeedCreateInput,
        responses={201: NeedStaffOutput},
    )
    def post(self, request):
        payload = StaffNeedCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = _service_kwargs(payload.validated_data)
        council = staff_council_for(request.user)
        owner = User.objects.filter(pk=data.pop("owner_id"), council=council).first()
        if owner is None:
            raise serializers.ValidationError(
                {"owner_id": "No person with that number in your council."}
            )
        need = services.need_create(owner=owner, recorded_by=request.user, **data)
        need = selectors.access_need(user=request.user, need_id=need.pk)
        return Response(_need_output(need=need, viewer=request.user, audit=False), status=201)


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
        category = Category.objects.filter(slug=slug[:40]).first()
        if category is None:
            raise exceptions.NotFound()
        setting = services.category_set_enabled(
            actor=request.user, category=category, enabled=payload.validated_data["enabled"]
        )
        return Response({"slug": category.slug, "enabled": setting.enabled})
