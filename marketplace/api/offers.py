"""Offers through the API: your own, recording one, changing, pausing, resuming and closing
it, and open offers near you."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core.audit import audit_record
from core.idempotency import idempotent
from marketplace import selectors, services
from marketplace.api.common import (
    BrowseQuery,
    CategorySlugField,
    LatLonField,
    LatLonSerializer,
    ListingOutputBase,
    ListingPagination,
    MarketplaceApiMixin,
    NearApi,
    PublicNameField,
    dietary_field,
    languages_field,
    service_kwargs,
    slots_field,
)
from marketplace.models import Offer


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
    council = serializers.CharField(source="council.local_name")
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
        required=False,
        help_text=gettext_lazy("Your base, when not your home postcode. Default: your home."),
    )
    radius_m = serializers.IntegerField(min_value=100, max_value=50000)
    slots = slots_field()
    capacity = serializers.IntegerField(min_value=1, max_value=20, default=1)
    languages = languages_field()
    dietary_capabilities = dietary_field()


class OfferUpdateInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    category = CategorySlugField(required=False)
    title = serializers.CharField(max_length=80, required=False, allow_blank=True)
    description = serializers.CharField(max_length=2000, required=False)
    postcode = serializers.CharField(max_length=16, required=False)
    location = LatLonSerializer(required=False)
    radius_m = serializers.IntegerField(min_value=100, max_value=50000, required=False)
    slots = slots_field()
    capacity = serializers.IntegerField(min_value=1, max_value=20, required=False)
    languages = languages_field()
    dietary_capabilities = dietary_field()


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
    sync_field = "updated_at"

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
    @idempotent
    def post(self, request):
        payload = OfferCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        offer = services.offer_create(helper=request.user, **service_kwargs(payload.validated_data))
        offer = selectors.access_offer(user=request.user, offer_id=offer.pk)
        return Response(_offer_output(offer=offer, viewer=request.user), status=201)


class OfferDetailApi(MarketplaceApiMixin, APIView):
    """One offer. Reading is for everyone, so staff without two-factor authentication read as
    any person does (their own offers and public open ones, public fields, nothing audited):
    an offer of their council that only staff may see is "not found", as for a citizen. Only
    the helper changes an offer."""

    @extend_schema(
        summary="One offer",
        description="The helper gets OfferOwnerOutput, staff of the offer's council "
        "(audited) OfferStaffOutput, both with the exact place; everyone else who may see the "
        "offer gets OfferPublicOutput.",
        responses=PolymorphicProxySerializer(
            component_name="OfferView",
            serializers=[OfferStaffOutput, OfferOwnerOutput, OfferPublicOutput],
            resource_type_field_name=None,
        ),
    )
    def get(self, request, pk: int):
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        return Response(_offer_output(offer=offer, viewer=request.user))

    @extend_schema(
        summary="Change your offer",
        request=OfferUpdateInput,
        responses={200: OfferOwnerOutput},
    )
    def patch(self, request, pk: int):
        offer = selectors.access_offer(user=request.user, offer_id=pk)
        payload = OfferUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = service_kwargs(payload.validated_data)
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


class OffersNearApi(NearApi):
    """Open offers of other people, nearest to your home first."""

    serializer_class = OfferPublicOutput
    kind = "offer"

    @extend_schema(summary="Open offers near you", parameters=[BrowseQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
