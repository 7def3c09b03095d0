"""The signed-in person's own data through the API: "download my data" and deleting their
account, with the same rules as the account pages (`privacy.export`, `privacy.erasure`): the
download is everything Kith holds about them; deleting asks for an explicit confirmation,
waits while their council may still need their records (`self_erasure_hold`, the same
message), and cannot be undone."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.token_models import PersonalAccessToken
from privacy.erasure import person_erase
from privacy.export import person_data_export


class ExportApi(APIView):
    @extend_schema(
        summary="Download your data",
        description="Everything Kith holds about you, section by section, as the account "
        "pages' download gives it. Other people appear only by their public name.",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request):
        return Response(person_data_export(user=request.user))


class EraseInput(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text=gettext_lazy("True: you understand that this cannot be undone.")
    )

    def validate_confirm(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(
                _("Confirm that you want to delete your account: it cannot be undone.")
            )
        return value


class EraseOutput(serializers.Serializer):
    detail = serializers.CharField()


class EraseApi(APIView):
    @extend_schema(
        summary="Delete your account",
        description="Ends your matches, closes your needs and offers and anonymises what must "
        "be kept, as the account page does. Refused (code `erasure_on_hold`) while your "
        "council may still need your records; your tokens stop working at once. Only the "
        "person themselves may ask: in a web session or with their own personal access token "
        "(`write`), never through an application acting for them (403).",
        request=EraseInput,
        responses={200: EraseOutput},
    )
    def post(self, request):
        if request.auth is not None and not isinstance(request.auth, PersonalAccessToken):
            # An application acting for a person may change their data, never delete them.
            raise PermissionDenied(
                _("Applications cannot delete your account. Delete it on your account pages.")
            )
        payload = EraseInput(data=request.data)
        payload.is_valid(raise_exception=True)
        person_erase(person=request.user)
        return Response({"detail": _("Your account has been deleted.")})
