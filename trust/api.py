"""API for the signed-in person: reading their account, and changing their home, name and
languages through the same services (validation, write lock) as their account pages."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from accounts.selectors import staff_membership_for
from accounts.services import person_set_home, person_update_profile
from trust.checks import helper_verification_level


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    phone = serializers.CharField()
    preferred_languages = serializers.ListField(child=serializers.CharField())
    home_postcode = serializers.CharField(
        help_text=_("Empty until a home is set; distance filters need one.")
    )
    council = serializers.CharField(allow_null=True)
    staff_role = serializers.CharField(allow_null=True)
    staff_council = serializers.CharField(allow_null=True)
    verification_level = serializers.IntegerField()


class MeUpdateInput(serializers.Serializer):
    """Only the fields sent change."""

    home_postcode = serializers.CharField(
        max_length=16,
        required=False,
        help_text=_("Your home's postcode: it sets your council and the distances you see."),
    )
    display_name = serializers.CharField(max_length=60, required=False)
    preferred_languages = serializers.ListField(
        child=serializers.CharField(max_length=35), max_length=10, required=False
    )


def _me_output(user: User) -> dict:
    membership = staff_membership_for(user=user)
    data = {
        "id": user.pk,
        "email": user.email,
        "display_name": user.display_name,
        "phone": user.phone,
        "preferred_languages": user.preferred_languages,
        "home_postcode": user.home_postcode,
        "council": user.council.slug if user.council is not None else None,
        "staff_role": membership.role if membership else None,
        "staff_council": membership.council.slug if membership else None,
        "verification_level": helper_verification_level(user=user),
    }
    return MeOutputSerializer(data).data


class MeApi(APIView):
    """The signed-in person's own account. Their own email and phone are theirs to see."""

    @extend_schema(responses=MeOutputSerializer, summary="The signed-in person")
    def get(self, request):
        return Response(_me_output(request.user))

    @extend_schema(
        request=MeUpdateInput,
        responses=MeOutputSerializer,
        summary="Change your home, name or languages",
        description="A home postcode outside every council on Kith, or unknown, is refused "
        "and nothing is saved. How Kith contacts you is at /api/v1/me/contact/.",
    )
    @transaction.atomic
    def patch(self, request):
        payload = MeUpdateInput(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        user = request.user
        if "home_postcode" in data:
            person_set_home(user=user, postcode=data["home_postcode"])
        if "display_name" in data or "preferred_languages" in data:
            person_update_profile(
                user=user,
                display_name=data.get("display_name", user.display_name),
                preferred_languages=data.get("preferred_languages", user.preferred_languages),
                gender=user.gender,
                phone=user.phone,
            )
        return Response(_me_output(user))
