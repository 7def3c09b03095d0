"""`/api/v1/me/tokens/`: a person's personal access tokens — list, make, revoke.

Making one needs a web session (a browser's call, with its CSRF token) or a personal access
token with `write`; the new token may do no more and lives no longer than the token that made
it (`accounts.tokens`). An application's OAuth token cannot make one: a person gives an
application access on the consent page, and an application does not mint itself a key of its
own. Revoking needs `write` too (any unsafe method does: `config.authentication.TokenScopes`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from . import tokens
from .second_factor import second_factor_used
from .token_models import SCOPES, PersonalAccessToken

OAUTH_CANNOT_MAKE = _("An application's OAuth token cannot make personal access tokens.")


class TokenOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hint = serializers.CharField(help_text=_("The token's last four characters."))
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=SCOPES))
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(
        allow_null=True, help_text=_("Recorded at most every five minutes.")
    )
    revoked_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()


class TokenMadeOutput(TokenOutput):
    token = serializers.CharField(help_text=_("The secret: shown in this answer only."))


class TokenInput(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    scopes = serializers.ListField(
        child=serializers.ChoiceField(choices=SCOPES), min_length=1, max_length=3
    )
    expires_in_days = serializers.ChoiceField(
        choices=tokens.LIFETIME_DAYS,
        required=False,
        help_text=_("7, 30 or 90. Ignored with `staff`: such a token lasts 8 hours."),
    )


def _output(token: PersonalAccessToken) -> dict:
    return {
        "id": token.pk,
        "name": token.name,
        "hint": token.hint,
        "scopes": token.scopes,
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "active": token.is_live(),
    }


class TokensApi(APIView):
    @extend_schema(responses={200: TokenOutput(many=True)}, operation_id="me_tokens_list")
    def get(self, request):
        """Your tokens: active ones first, and those that ended in the last 30 days."""
        return Response(
            TokenOutput([_output(t) for t in tokens.tokens_of(user=request.user)], many=True).data
        )

    @extend_schema(
        request=TokenInput, responses={201: TokenMadeOutput}, operation_id="me_tokens_create"
    )
    def post(self, request):
        """Make a token. Its secret is in this answer only."""
        made_by = request.auth if isinstance(request.auth, PersonalAccessToken) else None
        if request.auth is not None and made_by is None:
            raise exceptions.PermissionDenied(OAUTH_CANNOT_MAKE)
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        made = tokens.token_create(
            user=request.user,
            name=data.validated_data["name"],
            scopes=data.validated_data["scopes"],
            days=data.validated_data.get("expires_in_days"),
            maker=tokens.Maker(
                token=made_by, second_factor=made_by is None and second_factor_used(request.user)
            ),
        )
        body = {**_output(made.token), "token": made.secret}
        response = Response(TokenMadeOutput(body).data, status=status.HTTP_201_CREATED)
        response["Cache-Control"] = "no-store"
        return response


class TokenApi(APIView):
    @extend_schema(request=None, responses={204: None}, operation_id="me_tokens_revoke")
    def delete(self, request, token_id: int):
        """Revoke a token: refused at once. Rotation: make a new token, then revoke the old."""
        tokens.token_revoke(user=request.user, token_id=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
