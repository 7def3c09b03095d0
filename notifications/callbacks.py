"""GOV.UK Notify's callbacks: delivery receipts and received text messages.

Notify sends JSON with `Authorization: Bearer <token>`, the token set in its callback
settings; Kith compares it with `NOTIFY_RECEIPT_TOKEN` and `NOTIFY_INBOUND_TOKEN`. With no
token configured the callback does not exist (404). Each answers 204 once the change is saved,
so Notify retries anything Kith did not take.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .replies import inbound_text
from .services import delivery_receipt


def _authorised(request: HttpRequest, token: str) -> bool:
    given = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(given.encode(), f"Bearer {token}".encode())


def _json(request: HttpRequest) -> dict | None:
    try:
        data = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _callback(setting: str, handle: Callable[[dict], None]):
    @csrf_exempt
    @require_POST
    def view(request: HttpRequest) -> HttpResponse:
        token = getattr(settings, setting, "")
        if not token:
            return HttpResponse(status=404)
        if not _authorised(request, token):
            return JsonResponse({"detail": "Not authorised."}, status=401)
        data = _json(request)
        if data is None:
            return JsonResponse({"detail": "Send a JSON object."}, status=400)
        handle(data)
        return HttpResponse(status=204)

    return view


def _receipt(data: dict) -> None:
    delivery_receipt(
        provider_id=str(data.get("id") or ""),
        reference=str(data.get("reference") or ""),
        status=str(data.get("status") or ""),
    )


def _received(data: dict) -> None:
    inbound_text(
        provider_id=str(data.get("id") or ""),
        from_number=str(data.get("source_number") or ""),
        body=str(data.get("message") or ""),
        received_at=parse_datetime(str(data.get("date_received") or "")),
    )


delivery_receipt_view = _callback("NOTIFY_RECEIPT_TOKEN", _receipt)
received_text_view = _callback("NOTIFY_INBOUND_TOKEN", _received)
