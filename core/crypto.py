"""Fields encrypted at rest: Fernet (AES-128-CBC with HMAC-SHA256) under `KITH_FIELD_KEY`
from the environment. Production refuses to start without its own key
(config/settings/production.py).

Only a token is stored. The clear text exists in memory while a service handles it and is
never logged, exported, audited or put in an API answer.
"""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import ApplicationError


def _fernet() -> Fernet:
    return Fernet(settings.KITH_FIELD_KEY.encode())


def encrypt_text(value: str) -> str:
    """A token for `value` (different each time; empty for empty)."""
    if not value:
        return ""
    return _fernet().encrypt(value.encode()).decode()


def decrypt_text(token: str) -> str:
    """The clear text of `token`; refused if the key changed or the token was altered."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ApplicationError(
            _("This value cannot be read with the current key."), code="undecryptable"
        ) from None
