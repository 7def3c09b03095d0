"""`Idempotency-Key` on creating requests: the same key, from the same person, with the same
request within `KEY_LIFETIME` replays the first answer (its status and body, with
`Idempotent-Replayed: true`) instead of doing the work again; the same key with a different
request is refused (422).

The key's row is inserted before the work and in the same transaction: a second request with
the same key waits on the row's unique index until the first commits, then replays its answer
(or, if the first failed and rolled back, does the work itself). So two concurrent retries
never make two records. Only answers that succeeded (2xx) are kept: a refusal leaves nothing,
and a retry is asked again. Rows older than a day are deleted by a beat job
(`core.tasks.idempotency_keys_expire`)."""

from __future__ import annotations

import functools
import hashlib
import json
import re
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from core.errors import ApplicationError
from core.models import IdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEY_LIFETIME = timedelta(hours=24)
KEY_INVALID = "idempotency_key_invalid"
KEY_REUSED = "idempotency_key_reused"
KEY_IN_PROGRESS = "idempotency_key_in_progress"
# Printable ASCII without spaces, as UUIDs and most clients' keys are.
_KEY_RE = re.compile(r"[\x21-\x7e]{1,255}")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def request_fingerprint(request) -> str:
    """What makes two requests "the same": method, path and body (parsed, so that key order
    and spacing do not matter)."""
    try:
        body = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    except TypeError:
        body = repr(request.data)
    return _digest(f"{request.method} {request.path}\n{body}")


def idempotent(view_method):
    """Decorates an API view's creating `post`: honours `Idempotency-Key` for signed-in people
    (anyone else's key is ignored)."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None or not request.user.is_authenticated:
            return view_method(view, request, *args, **kwargs)
        if not _KEY_RE.fullmatch(key):
            raise ApplicationError(
                _("The Idempotency-Key header must be 1 to 255 visible characters, no spaces."),
                code=KEY_INVALID,
            )
        return _once(
            person=request.user,
            key_hash=_digest(key),
            request_hash=request_fingerprint(request),
            work=lambda: view_method(view, request, *args, **kwargs),
        )

    return wrapper


def _once(*, person, key_hash: str, request_hash: str, work) -> Response:
    with transaction.atomic():
        row = _claim(person=person, key_hash=key_hash, request_hash=request_hash)
        if row is not None:
            return _replay(row, request_hash)
        response = work()
        if not 200 <= response.status_code < 300:
            # Kept only for answers that did something; a refusal is asked again on retry.
            IdempotencyKey.objects.filter(person=person, key_hash=key_hash).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data) or b"null")
        IdempotencyKey.objects.filter(person=person, key_hash=key_hash).update(
            status_code=response.status_code, response_body=body
        )
        return response


def _claim(*, person, key_hash: str, request_hash: str) -> IdempotencyKey | None:
    """Inserts this request's row and returns None, or returns the row another request with
    the same key committed (waiting for it if it is still at work)."""
    fresh_after = timezone.now() - KEY_LIFETIME
    IdempotencyKey.objects.filter(
        person=person, key_hash=key_hash, created_at__lt=fresh_after
    ).delete()
    try:
        with transaction.atomic():
            IdempotencyKey.objects.create(
                person=person, key_hash=key_hash, request_hash=request_hash
            )
    except IntegrityError:
        return IdempotencyKey.objects.get(person=person, key_hash=key_hash)
    return None


def _replay(row: IdempotencyKey, request_hash: str) -> Response:
    if row.request_hash != request_hash:
        raise ApplicationError(
            _(
                "This Idempotency-Key was used for a different request. Use a new key for a "
                "new request."
            ),
            code=KEY_REUSED,
        )
    if row.status_code is None:
        raise ApplicationError(
            _("A request with this Idempotency-Key is still being answered. Try again shortly."),
            code=KEY_IN_PROGRESS,
        )
    return Response(row.response_body, status=row.status_code, headers={REPLAYED_HEADER: "true"})


def idempotency_keys_expire(*, now=None) -> int:
    """Deletes keys older than `KEY_LIFETIME`; returns how many."""
    cutoff = (now or timezone.now()) - KEY_LIFETIME
    deleted, _rows = IdempotencyKey.objects.filter(created_at__lt=cutoff).delete()
    return deleted
