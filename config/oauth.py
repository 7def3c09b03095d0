"""Kith's rules for django-oauth-toolkit, on top of its own (settings `OAUTH2_PROVIDER`).

- Applications get tokens only by the authorisation code grant (with PKCE) and refresh them;
  whatever grant types an operator ticks in the admin, no other grant answers.
- `staff` is asked for on the consent page, which gives it only from a session that used its
  second factor (`frontend.views.oauth`); it lasts one access token's life (an hour, within
  a working day): a refresh never carries it, so the application sends the person back
  through the consent page for more.
"""

from __future__ import annotations

from oauth2_provider.oauth2_validators import OAuth2Validator

ALLOWED_GRANTS = ("authorization_code", "refresh_token")
REFRESH_DROPS = ("staff",)


class Validator(OAuth2Validator):
    def validate_grant_type(self, client_id, grant_type, client, request, *args, **kwargs):
        if grant_type not in ALLOWED_GRANTS:
            return False
        return super().validate_grant_type(client_id, grant_type, client, request, *args, **kwargs)

    def validate_response_type(self, client_id, response_type, client, request, *args, **kwargs):
        if response_type != "code":
            return False
        return super().validate_response_type(
            client_id, response_type, client, request, *args, **kwargs
        )

    def get_original_scopes(self, refresh_token, request, *args, **kwargs):
        scopes = super().get_original_scopes(refresh_token, request, *args, **kwargs)
        if isinstance(scopes, str):
            scopes = scopes.split()
        return [scope for scope in scopes if scope not in REFRESH_DROPS]
