"""Personal access tokens for tests and benchmarks, made through Kith's own service."""

from __future__ import annotations

from accounts import tokens


def api_token(user, *, scopes=("read", "write"), days: int = 30, name: str = "Test") -> str:
    """A live personal access token's secret for `user`. With `staff`, as if made in a session
    that used its second factor (the person must be staff)."""
    made = tokens.token_create(
        user=user,
        name=name,
        scopes=set(scopes),
        days=days,
        maker=tokens.Maker(second_factor=True),
    )
    return made.secret
