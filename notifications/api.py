"""How Kith contacts the signed-in person, through the API (`/api/v1/me/contact/`): the same
service and checks as their contact preferences page (`services.contact_preference_update`:
everything checked before anything is saved, under the person's write lock; a new mobile
number is sent a code to prove it, as on the page)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.api.common import WallClockTimeField
from notifications import selectors, services
from notifications.models import ContactPreference


class ContactOutput(serializers.Serializer):
    by_email = serializers.BooleanField()
    by_sms = serializers.BooleanField()
    by_letter = serializers.BooleanField()
    mobile = serializers.CharField()
    mobile_verified = serializers.BooleanField(
        help_text=_("Whether the number is proved by the code sent to it.")
    )
    postal_address = serializers.CharField()
    quiet_start = WallClockTimeField(allow_null=True)
    quiet_end = WallClockTimeField(allow_null=True)
    language = serializers.ChoiceField(choices=ContactPreference.Language.choices)


class ContactInput(serializers.Serializer):
    """The whole preference, as the page sends it."""

    by_email = serializers.BooleanField()
    by_sms = serializers.BooleanField()
    by_letter = serializers.BooleanField()
    mobile = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    postal_address = serializers.CharField(
        max_length=400, required=False, allow_blank=True, default=""
    )
    quiet_start = WallClockTimeField(required=False, allow_null=True, default=None)
    quiet_end = WallClockTimeField(required=False, allow_null=True, default=None)
    language = serializers.ChoiceField(
        choices=ContactPreference.Language.choices, required=False, allow_null=True, default=None
    )


def _contact_output(pref: ContactPreference) -> dict:
    return ContactOutput(
        {
            "by_email": pref.by_email,
            "by_sms": pref.by_sms,
            "by_letter": pref.by_letter,
            "mobile": pref.mobile,
            "mobile_verified": pref.mobile_verified_at is not None,
            "postal_address": pref.postal_address,
            "quiet_start": pref.quiet_start,
            "quiet_end": pref.quiet_end,
            "language": pref.language,
        }
    ).data


class ContactApi(APIView):
    @extend_schema(summary="How Kith contacts you", responses=ContactOutput)
    def get(self, request):
        return Response(_contact_output(selectors.contact_preference_for(person=request.user)))

    @extend_schema(
        summary="Change how Kith contacts you",
        description="Texts need a mobile number (a new one is sent a code to prove it), "
        "letters a postal address; quiet hours are both times or neither.",
        request=ContactInput,
        responses=ContactOutput,
    )
    @transaction.atomic
    def put(self, request):
        payload = ContactInput(data=request.data)
        payload.is_valid(raise_exception=True)
        pref = services.contact_preference_update(
            actor=request.user, person=request.user, **payload.validated_data
        )
        return Response(_contact_output(pref))
