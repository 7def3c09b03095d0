"""The alerts API: a helper's alerts for urgent needs nearby, and the link in every alert
email that turns them off without signing in. Views are thin: services hold the rules."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api import WallClockTimeField

from . import selectors, services
from .api import MatchingApiMixin
from .models import AlertPreference


# --- Alerts --------------------------------------------------------------------------------
class AlertPreferenceSerializer(serializers.Serializer):
    opted_in = serializers.BooleanField()
    # Local wall-clock times as "HH:MM", documented as such (not the RFC 3339 `time` format).
    quiet_start = WallClockTimeField(allow_null=True, required=False, default=None)
    quiet_end = WallClockTimeField(allow_null=True, required=False, default=None)
    daily_cap = serializers.IntegerField(min_value=1, max_value=20, required=False, default=3)
    idle_asks = serializers.BooleanField(
        required=False,
        default=True,
        help_text=gettext_lazy(
            "Be told about a need nearby when nobody has asked you for a few days."
        ),
    )


def _pref(p: AlertPreference) -> dict:
    return {
        "opted_in": p.opted_in,
        "quiet_start": p.quiet_start,
        "quiet_end": p.quiet_end,
        "daily_cap": p.daily_cap,
        "idle_asks": p.idle_asks,
    }


class AlertPreferenceApi(MatchingApiMixin, APIView):
    @extend_schema(
        summary="Your alerts for urgent needs nearby", responses=AlertPreferenceSerializer
    )
    def get(self, request):
        return Response(_pref(selectors.alert_preference_get(user=request.user)))

    @extend_schema(
        summary="Change your alerts for urgent needs nearby",
        request=AlertPreferenceSerializer,
        responses=AlertPreferenceSerializer,
    )
    def put(self, request):
        data = AlertPreferenceSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        pref = services.alert_preference_update(user=request.user, **data.validated_data)
        return Response(_pref(pref))


class AlertUnsubscribeApi(MatchingApiMixin, APIView):
    """The link in every alert email. No sign-in: the token is the permission."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="Stop alerts with the token from an alert email",
        request=None,
        responses=inline_serializer("UnsubscribeOut", {"detail": serializers.CharField()}),
    )
    def post(self, request, token: str):
        if not services.alert_unsubscribe(token=token):
            raise exceptions.NotFound()
        return Response({"detail": _("You will not get any more alerts from Kith.")})

    @extend_schema(
        summary="Stop alerts by following the link in an alert email",
        responses=inline_serializer("UnsubscribeLinkOut", {"detail": serializers.CharField()}),
        operation_id="alerts_unsubscribe_link",
    )
    def get(self, request, token: str):
        # Following the emailed link is enough (turning alerts off is safe to repeat).
        return self.post(request, token)
