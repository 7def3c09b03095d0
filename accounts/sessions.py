"""Web sessions that know whose they are.

`SESSION_ENGINE = "accounts.sessions"`: Django's database sessions, stored in
`accounts.PersonSession` with the signed-in person's id beside the signed data. Ending a
person's sessions (suspension, erasure, "sign me out everywhere", a new authenticator) is then
one indexed delete, taken inside the caller's transaction, instead of decoding every session
in the table while the person's row is locked.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.utils import timezone

from accounts.models import PersonSession
from core.rows import model_columns

# A session by its key, unexpired: read on every signed-in request. Hand-written (`core.rows`)
# because the ORM's compiling of this one-line query cost four times its running.
_SESSION_SQL = (
    "SELECT {columns} FROM accounts_session s WHERE s.session_key = %s AND s.expire_date > %s"
)


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        return PersonSession

    def _get_session_from_db(self) -> PersonSession | None:
        columns = model_columns(PersonSession, "s")
        using = router.db_for_read(PersonSession)
        with connections[using].cursor() as cursor:
            cursor.execute(
                _SESSION_SQL.format(columns=columns.select), [self.session_key, timezone.now()]
            )
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return columns.build(row, using)

    def create_model_instance(self, data) -> PersonSession:
        instance = cast(PersonSession, super().create_model_instance(data))
        instance.user_id = _user_id(data.get(SESSION_KEY))
        return instance


def _user_id(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def sessions_end(*, user_id: int, keep: str | None = None) -> int:
    """Delete every unexpired web session signed in as `user_id`, except the one whose key
    is `keep` (the request's own, when a person ends their other sessions). Returns how many."""
    sessions = PersonSession.objects.filter(user_id=user_id, expire_date__gt=timezone.now())
    if keep:
        sessions = sessions.exclude(session_key=keep)
    ended, _ = sessions.delete()
    return ended


def session_count(*, user_id: int) -> int:
    """How many unexpired web sessions are signed in as `user_id`."""
    return PersonSession.objects.filter(user_id=user_id, expire_date__gt=timezone.now()).count()
