"""A local HTTP server that speaks the parts of GOV.UK Notify's API Kith uses, for tests that
drive the real `notifications-python-client` (no test reaches the internet).

It checks each request as Notify does — the JWT bearer token signed with the API key's secret
and issued by its service id, the template id, the recipient — and answers with Notify's
shapes: 201 with the notification's id for a send, 400 `ValidationError` for a bad number, 403
`AuthError` for a bad token, and whatever status a test queues with `fail_next` (500, 429…).
`GET /v2/notifications/<id>` answers the status a test set with `set_status`.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from notifications_python_client.authentication import decode_jwt_token, get_token_issuer

SERVICE_ID = "a1b2c3d4-0000-4000-8000-00000000beef"
SECRET = "5e5e5e5e-1111-4111-8111-0000000000aa"
API_KEY = f"kith_test-{SERVICE_ID}-{SECRET}"
TEMPLATES = {
    "email": "11111111-1111-4111-8111-111111111111",
    "sms": "22222222-2222-4222-8222-222222222222",
    "letter": "33333333-3333-4333-8333-333333333333",
}
#: Notify refuses this number as "not a valid phone number" (a permanent failure).
INVALID_MOBILE = "+447700900999"


@dataclass
class Sent:
    kind: str
    to: str
    template_id: str
    personalisation: dict
    reference: str
    id: str = field(default_factory=lambda: str(uuid.uuid4()))


@dataclass
class FakeNotify:
    sent: list[Sent] = field(default_factory=list)
    failures: list[int] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def fail_next(self, *statuses: int) -> None:
        with self.lock:
            self.failures.extend(statuses)

    def set_status(self, notification_id: str, status: str) -> None:
        self.statuses[notification_id] = status

    def of_kind(self, kind: str) -> list[Sent]:
        return [s for s in self.sent if s.kind == kind]


def _handler(state: FakeNotify):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet
            return

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _error(self, status: int, kind: str, message: str) -> None:
            self._answer(
                status, {"status_code": status, "errors": [{"error": kind, "message": message}]}
            )

        def _authorised(self) -> bool:
            header = self.headers.get("Authorization", "")
            token = header.removeprefix("Bearer ")
            try:
                if get_token_issuer(token) != SERVICE_ID:
                    return False
                decode_jwt_token(token, SECRET)
            except Exception:
                return False
            return True

        def do_GET(self):
            if not self._authorised():
                return self._error(403, "AuthError", "Invalid token: signature")
            notification_id = self.path.rstrip("/").rsplit("/", 1)[-1]
            found = next((s for s in state.sent if s.id == notification_id), None)
            if found is None:
                return self._error(404, "NoResultFound", "No result found")
            return self._answer(
                200,
                {
                    "id": found.id,
                    "reference": found.reference,
                    "type": found.kind,
                    "status": state.statuses.get(found.id, "sending"),
                },
            )

        def do_POST(self):
            if not self._authorised():
                return self._error(403, "AuthError", "Invalid token: signature")
            with state.lock:
                failure = state.failures.pop(0) if state.failures else None
            if failure is not None:
                return self._error(failure, "Exception", "Internal server error")
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            kind = self.path.rstrip("/").rsplit("/", 1)[-1]
            if kind not in TEMPLATES:
                return self._error(404, "NotFound", "Not found")
            if body.get("template_id") != TEMPLATES[kind]:
                return self._error(400, "BadRequestError", "Template not found")
            personalisation = body.get("personalisation") or {}
            if kind == "email":
                to = body.get("email_address", "")
                if "@" not in to:
                    return self._error(400, "ValidationError", "email_address Not a valid email")
            elif kind == "sms":
                to = body.get("phone_number", "")
                if to == INVALID_MOBILE or not to.startswith("+44"):
                    return self._error(
                        400, "ValidationError", "phone_number Not a UK mobile number"
                    )
            else:
                to = personalisation.get("address_line_1", "")
                if len([k for k in personalisation if k.startswith("address_line_")]) < 3:
                    return self._error(400, "ValidationError", "Address must be at least 3 lines")
            sent = Sent(
                kind=kind,
                to=to,
                template_id=body["template_id"],
                personalisation=personalisation,
                reference=body.get("reference", ""),
            )
            with state.lock:
                state.sent.append(sent)
            content = {"body": personalisation.get("body", "")}
            if kind != "sms":
                content["subject"] = personalisation.get("subject", "")
            return self._answer(
                201,
                {
                    "id": sent.id,
                    "reference": sent.reference or None,
                    "content": content,
                    "uri": f"{state.url}/v2/notifications/{sent.id}",
                    "template": {"id": sent.template_id, "version": 1, "uri": ""},
                },
            )

    return Handler


def start() -> tuple[FakeNotify, ThreadingHTTPServer]:
    state = FakeNotify()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return state, server
