"""The one place the API tests make a token for a person (the kit's personal access token).
Staff get the `staff` scope too, which counts as their second factor on the staff endpoints."""

from accounts.second_factor import is_privileged
from tests.kit.tokens import api_token


def token_for(user, *, scopes: tuple[str, ...] = ("read", "write")) -> str:
    if is_privileged(user) and "staff" not in scopes:
        scopes = (*scopes, "staff")
    return api_token(user, scopes=scopes, days=7, name="API tests")


def token_headers(user, **kwargs) -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, **kwargs)}"}
