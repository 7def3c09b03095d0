"""The conversation API of a match: its messages (read by its two people, or by the
council's safeguarding lead with a recorded reason), reports of messages to council staff, and
feedback after a completed match. Views are thin: services and selectors hold the rules.

Privacy: the other person appears by public name only; objects the caller may not see are 404,
the same as objects that do not exist.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import Capability, staff_can
from core.idempotency import idempotent

from . import selectors, services
from .api import MatchingApiMixin, match_as_staff, staff_needs_mfa
from .models import Message


# --- Messages ------------------------------------------------------------------------------
class MessageOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sender_name = serializers.CharField()
    is_mine = serializers.BooleanField()
    body = serializers.CharField()
    sent_by_council = serializers.BooleanField(
        help_text=gettext_lazy(
            "Council staff wrote it for the sender (show: Sent for <sender_name> by "
            "the council). Which member of staff is never given."
        )
    )
    created_at = serializers.DateTimeField()


class MessageInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=2000)


def _message(m: Message, user) -> dict:
    return {
        "id": m.pk,
        "sender_name": m.sender.public_name if m.sender else _("Former member"),
        "is_mine": m.sender_id == user.pk,
        "body": m.body,
        "sent_by_council": m.sent_by_council,
        "created_at": m.created_at,
    }


class MessageQuery(serializers.Serializer):
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=300,
        help_text=gettext_lazy(
            "Staff only, and required of them: why they need to read this conversation (at "
            "least 10 characters)."
        ),
    )


class MessageListCreateApi(MatchingApiMixin, GenericAPIView):
    # Oldest first, paged by cursor; `updated_after` (the time sent) for syncing.
    serializer_class = MessageOutputSerializer
    query_serializer = MessageQuery
    cursor_ordering = ("created_at", "id")
    sync_field = "created_at"

    @extend_schema(
        summary="The conversation of a match (its two people; the council's safeguarding lead "
        "with a reason, recorded and audited)",
        parameters=[MessageQuery],
        responses=MessageOutputSerializer(many=True),
    )
    def get(self, request, pk: int):
        as_staff = match_as_staff(request, pk)
        staff_needs_mfa(request, as_staff=as_staff)
        if as_staff and not staff_can(request.user, Capability.CONVERSATIONS):
            raise exceptions.PermissionDenied(services.READ_NOT_ALLOWED)
        query = MessageQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        # The service checks who may read and records a staff read; the page is read from the
        # same conversation.
        services.message_list(user=request.user, match_id=pk, reason=query.validated_data["reason"])
        messages = self.paginate_queryset(self.get_queryset()) or []
        return self.get_paginated_response([_message(m, request.user) for m in messages])

    def get_queryset(self):
        match = selectors.match_get(user=self.request.user, match_id=self.kwargs["pk"])
        return selectors.message_list_for_party(match=match)

    @extend_schema(
        summary="Send a message to the other person in an accepted match",
        request=MessageInputSerializer,
        responses={201: MessageOutputSerializer},
    )
    @idempotent
    def post(self, request, pk: int):
        data = MessageInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = services.message_send(
            user=request.user, match_id=pk, body=data.validated_data["body"]
        )
        return Response(_message(message, request.user), status=status.HTTP_201_CREATED)


class MessageReportInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class MessageReportApi(MatchingApiMixin, APIView):
    @extend_schema(
        summary="Report a message to council staff",
        request=MessageReportInputSerializer,
        responses={201: inline_serializer("MessageReportOut", {"id": serializers.IntegerField()})},
    )
    @idempotent
    def post(self, request, pk: int):
        data = MessageReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.message_report(
            user=request.user, message_id=pk, reason=data.validated_data["reason"]
        )
        return Response({"id": report.pk}, status=status.HTTP_201_CREATED)


# --- Feedback ------------------------------------------------------------------------------
class FeedbackInputSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class FeedbackApi(MatchingApiMixin, APIView):
    @extend_schema(
        summary="Rate the other person after a completed match",
        request=FeedbackInputSerializer,
        responses={
            201: inline_serializer(
                "FeedbackOut",
                {"id": serializers.IntegerField(), "rating": serializers.IntegerField()},
            )
        },
    )
    @idempotent
    def post(self, request, pk: int):
        data = FeedbackInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feedback = services.feedback_leave(user=request.user, match_id=pk, **data.validated_data)
        return Response(
            {"id": feedback.pk, "rating": feedback.rating}, status=status.HTTP_201_CREATED
        )
