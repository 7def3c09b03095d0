"""The staff review queue through the API: needs and offers waiting for review, approving
and rejecting them."""

from __future__ import annotations

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace import selectors, services
from marketplace.api.common import (
    ListingPagination,
    StaffMixin,
)
from marketplace.api.needs import NeedStaffQueueOutput
from marketplace.api.offers import OfferStaffQueueOutput


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
    reason = serializers.CharField(max_length=500, help_text=gettext_lazy("Shown to the owner."))


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
