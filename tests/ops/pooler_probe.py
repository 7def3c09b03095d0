"""Run by tests/ops/test_pgbouncer.py in a process of its own, with production settings and
DATABASE_URL on PgBouncer (transaction mode): Kith's API calls, the ranking (the prepared
candidate statement) included, as two web workers make them.

Two workers are two client connections to the pooler, each kept between requests
(DATABASE_CONN_MAX_AGE=60), taking turns on the pooler's server connections. They are
simulated here in one process, deterministically, by giving Django's default alias the
first worker's connection, then the second's, then the first's again. Prints one JSON line:
each request's path, status and (for a failure) the error."""

from __future__ import annotations

import json
import sys

import django

django.setup()

from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402

need_id, token = int(sys.argv[1]), sys.argv[2]
CALLS = [
    ("GET", f"/api/v1/needs/{need_id}/matches/"),
    ("GET", "/api/v1/me/"),
    ("GET", "/api/v1/open/stats/"),
    ("PUT", "/api/v1/me/alerts/"),
]
RUNS_PER_TURN = 4  # past core.db.PREPARE_THRESHOLD: the candidate statement gets prepared

client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Token {token}")
workers = [connections["default"], connections.create_connection("default")]
answers = []
for turn, worker in enumerate([0, 1, 0]):
    connections["default"] = workers[worker]
    for _ in range(RUNS_PER_TURN):
        for method, path in CALLS:
            try:
                if method == "PUT":
                    response = client.put(
                        path, data={"opted_in": True}, content_type="application/json"
                    )
                else:
                    response = client.get(path)
            except Exception as error:  # noqa: BLE001 – recorded for the test to judge
                answers.append({"worker": worker, "turn": turn, "path": path, "error": repr(error)})
                continue
            answer = {"worker": worker, "turn": turn, "path": path, "status": response.status_code}
            if "/matches/" in path and response.status_code == 200:
                answer["body"] = response.json()
            answers.append(answer)
print(json.dumps({"answers": answers}))
