"""The API for reports and blocks: anyone signed in reports a listing, a person or a message
and blocks a person; council moderators read and decide reports. Same conventions as the
marketplace API (`marketplace.api`): thin views, rules in the services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.idempotency import idempotent
from marketplace.api import (
    MAX_ID,
    ListingPagination,
    MarketplaceApiMixin,
    PublicNameField,
    StaffMixin,
)
from trust import selectors
from trust.models import Block, Report

from . import blocks, reports


# --- Reports and blocks ----------------------------------------------------------------------
class ReportCreateInput(serializers.Serializer):
    target_type = serializers.ChoiceField(
        choices=[
            (Report.TargetType.NEED, gettext_lazy("Need")),
            (Report.TargetType.OFFER, gettext_lazy("Offer")),
            (Report.TargetType.PERSON, gettext_lazy("Person")),
        ]
    )
    target_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    reason = serializers.CharField(max_length=1000)


class ReportReceiptOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    message = serializers.CharField()


class ReportCreateApi(MarketplaceApiMixin, APIView):
    """Report what you can see. Staff may report any person of their council only with
    two-factor authentication; without it they report what any person could (listings and
    people they can see), so a report never tells them who exists."""

    @extend_schema(
        summary="Report a listing or a person to the council",
        request=ReportCreateInput,
        responses={201: ReportReceiptOutput},
    )
    @idempotent
    def post(self, request):
        payload = ReportCreateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        report = reports.report_create(reporter=request.user, **payload.validated_data)
        return Response(
            ReportReceiptOutput(
                {
                    "id": report.pk,
                    "status": report.status,
                    "message": _("Thank you. The council's team will look at this."),
                }
            ).data,
            status=201,
        )


class BlockInput(serializers.Serializer):
    person_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class BlockOutput(serializers.Serializer):
    person_id = serializers.IntegerField(source="blocked_id")
    person_name = PublicNameField(source="blocked")
    created_at = serializers.DateTimeField()


class BlockListCreateApi(MarketplaceApiMixin, generics.ListAPIView):
    """People you have blocked, and blocking someone you can see (staff with two-factor
    authentication: anyone of their council; without it, as any person)."""

    serializer_class = BlockOutput
    pagination_class = ListingPagination

    def get_queryset(self):
        return selectors.blocks_of(user=self.request.user)

    @extend_schema(summary="People you have blocked")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Block a person", request=BlockInput, responses={201: BlockOutput})
    @idempotent
    def post(self, request):
        payload = BlockInput(data=request.data)
        payload.is_valid(raise_exception=True)
        block = blocks.block_create(
            blocker=request.user, blocked_id=payload.validated_data["person_id"]
        )
        block = Block.objects.select_related("blocked").get(pk=block.pk)
        return Response(BlockOutput(block).data, status=201)


class BlockDeleteApi(MarketplaceApiMixin, APIView):
    @extend_schema(summary="Unblock a person", request=None, responses={204: None})
    def delete(self, request, person_id: int):
        if not 0 < person_id <= MAX_ID:
            raise exceptions.NotFound()
        blocks.block_delete(blocker=request.user, blocked_id=person_id)
        return Response(status=204)


class ReportStaffOutput(serializers.Serializer):
    id = serializers.IntegerField()
    target_type = serializers.CharField()
    target_id = serializers.IntegerField()
    reason = serializers.CharField()
    status = serializers.CharField()
    reporter_id = serializers.IntegerField(allow_null=True)
    reporter_name = serializers.CharField(
        source="reporter.public_name", default=None, allow_null=True
    )
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class ReportQuery(serializers.Serializer):
    status = serializers.ChoiceField(choices=Report.Status.choices, default=Report.Status.OPEN)


class StaffReportListApi(StaffMixin, generics.ListAPIView):
    """Reports about your council's listings and people (open ones by default)."""

    serializer_class = ReportStaffOutput
    pagination_class = ListingPagination
    query_serializer = ReportQuery

    def get_queryset(self):
        query = ReportQuery(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return selectors.reports_for_staff(
            staff=self.request.user, status=query.validated_data["status"]
        )

    @extend_schema(summary="Reports", parameters=[ReportQuery])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ReportDecideInput(serializers.Serializer):
    upheld = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    take_down = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("When upholding a report on a listing, also take it down."),
    )


class StaffReportDecideApi(StaffMixin, APIView):
    @extend_schema(
        summary="Uphold or dismiss a report",
        request=ReportDecideInput,
        responses=ReportStaffOutput,
    )
    def post(self, request, pk: int):
        payload = ReportDecideInput(data=request.data)
        payload.is_valid(raise_exception=True)
        if not 0 < pk <= MAX_ID:
            raise exceptions.NotFound()
        report = reports.report_decide(actor=request.user, report_id=pk, **payload.validated_data)
        report = Report.objects.select_related("reporter").get(pk=report.pk)
        return Response(ReportStaffOutput(report).data)
