"""A local Open Referral UK API for the tests: it answers `GET /api/services` in pages and
`GET /api/services/{id}` in full from a fixture directory, over real HTTP on a free port, so
that Kith reads it with its real client. `broken = True` makes it answer 500."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURE = Path(__file__).with_name("directory_fixture.json")


def fixture_services() -> list[dict]:
    return json.loads(FIXTURE.read_text())["contents"]


class OrukServer:
    def __init__(self, services: list[dict] | None = None):
        self.services = services if services is not None else fixture_services()
        self.broken = False
        self.requests: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_GET(self):  # noqa: N802 - http.server's name
                server.requests.append(self.path)
                if server.broken:
                    self.send_error(500)
                    return
                parts = urlsplit(self.path)
                query = parse_qs(parts.query)
                if parts.path == "/api/services":
                    page = int(query.get("page", ["1"])[0])
                    per_page = int(query.get("per_page", ["50"])[0])
                    # Two services a page whatever is asked, to make Kith follow the pages.
                    per_page = min(per_page, 2)
                    listed = [
                        {k: v for k, v in s.items() if not isinstance(v, list)}
                        for s in server.services
                    ]
                    pages = max(1, -(-len(listed) // per_page))
                    body = {
                        "total_items": len(listed),
                        "total_pages": pages,
                        "page_number": page,
                        "contents": listed[(page - 1) * per_page : page * per_page],
                    }
                elif parts.path.startswith("/api/services/"):
                    sid = parts.path.rsplit("/", 1)[1]
                    found = [s for s in server.services if s["id"] == sid]
                    if not found:
                        self.send_error(404)
                        return
                    body = found[0]
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OrukServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
