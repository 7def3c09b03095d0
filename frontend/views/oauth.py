"""OAuth 2.0's consent page (`/oauth/authorize/`): django-oauth-toolkit's view, in Kith's words
and design, with one rule of Kith's: an application gets `staff` only from a member of staff
whose session used its second factor (`accounts.second_factor`); anyone else's answer to
such a request is "access denied"."""

from __future__ import annotations

from urllib.parse import urlencode, urlsplit

from django.contrib.auth import REDIRECT_FIELD_NAME
from django.urls import reverse
from django.utils.translation import gettext_lazy
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.models import get_application_model
from oauth2_provider.views import AuthorizationView
from oauthlib.oauth2 import AccessDeniedError, InvalidRequestError

from accounts.second_factor import is_privileged, second_factor_used

SCOPE_WORDS = {
    "read": gettext_lazy("read your information: your needs, offers, matches and messages"),
    "write": gettext_lazy(
        "change your information and act for you: ask for help, offer it, "
        "accept matches and send messages"
    ),
    "staff": gettext_lazy("use your staff access to your council's records"),
}


def may_give_staff(request) -> bool:
    user = request.user
    return is_privileged(user) and second_factor_used(user)


def _s256_required(credentials) -> OAuthToolkitError:
    return OAuthToolkitError(
        error=InvalidRequestError(
            description="PKCE with code_challenge_method=S256 is required.",
            state=credentials.get("state"),
        ),
        redirect_uri=credentials["redirect_uri"],
    )


class Authorize(AuthorizationView):
    template_name = "oauth2_provider/authorize.html"

    def get(self, request, *args, **kwargs):
        # PKCE with S256 only, refused before any consent page is shown.
        try:
            _scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        if credentials.get("code_challenge_method") != "S256":
            application = get_application_model().objects.get(client_id=credentials["client_id"])
            return self.error_response(_s256_required(credentials), application)
        response = super().get(request, *args, **kwargs)
        # "Agree" and "Do not agree" post here and are answered with a redirect to the
        # application: the page's form-action must allow that address's origin too.
        target = urlsplit(credentials.get("redirect_uri") or "")
        if response.status_code == 200 and target.scheme and target.netloc:
            response._csp_update = {"form-action": [f"{target.scheme}://{target.netloc}"]}
        return response

    def create_authorization_response(self, request, scopes, credentials, allow):
        if credentials.get("code_challenge_method") != "S256":
            raise _s256_required(credentials)
        if allow and "staff" in scopes.split() and not may_give_staff(request):
            raise OAuthToolkitError(
                error=AccessDeniedError(state=credentials.get("state")),
                redirect_uri=credentials["redirect_uri"],
            )
        return super().create_authorization_response(request, scopes, credentials, allow)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scopes = context.get("scopes") or []
        context["scope_words"] = [SCOPE_WORDS.get(scope, scope) for scope in scopes]
        context["staff_refused"] = "staff" in scopes and not may_give_staff(self.request)
        context["is_staff"] = is_privileged(self.request.user)
        context["second_factor_url"] = (
            reverse("mfa_reauthenticate")
            + "?"
            + urlencode({REDIRECT_FIELD_NAME: self.request.get_full_path()})
        )
        return context
