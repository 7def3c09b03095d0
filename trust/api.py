"""API for the signed-in person."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import staff_membership_for
from trust.checks import helper_verification_level


class MeOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    display_name = serializers.CharField()
    phone = serializers.CharField()
    preferred_languages = serializers.ListField(child=serializers.CharField())
    home_postcode = serializers.CharField()
    council = serializers.CharField(allow_null=True)
    staff_role = serializers.CharField(allow_null=True)
    staff_council = serializers.CharField(allow_null=True)
    verification_level = serializers.IntegerField()


class MeApi(APIView):
    """The signed-in person's own account. Their own email and phone are theirs to see."""

    @extend_schema(responses=MeOutputSerializer, summary="The signed-in person")
    def get(self, request):
        user = request.user
        membership = staff_membership_for(user=user)
        data = {
            "id": user.pk,
            "email": user.email,
            "display_name": user.display_name,
            "phone": user.phone,
            "preferred_languages": user.preferred_languages,
            "home_postcode": user.home_postcode,
            "council": user.council.slug if user.council_id else None,
            "staff_role": membership.role if membership else None,
            "staff_council": membership.council.slug if membership else None,
            "verification_level": helper_verification_level(user=user),
        }
        return Response(MeOutputSerializer(data).data)
