# Kith — the quick start is `make run`; the whole test suite is `make test`.
SHELL := /bin/bash
PY := .venv/bin/python
KITH := bash scripts/kith.sh
# Kith's rooms, as the import contract in pyproject.toml lists them (docs/architecture.md).
ROOMS = $(shell python3 -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["tool"]["importlinter"]["root_packages"])')

.PHONY: run setup install test lint format bench audit messages lighthouse schema

run: setup ## Install what is missing, prepare the database and demo data, serve on :8000
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) manage.py runserver 127.0.0.1:8000

setup: install ## Everything `make run` does except serving
	$(KITH) database app

install:
	$(KITH) system python node messages

messages: ## Gather the words to translate into each room's locale/cy/LC_MESSAGES/django.po
	$(PY) manage.py makemessages -l cy --no-location --ignore=.venv --ignore=node_modules \
	  --ignore=.local --ignore=staticfiles --ignore=tests --ignore=benchmarks --ignore=demo \
	  --ignore=scripts --ignore=manage.py --ignore=gunicorn.conf.py --ignore=deploy
	$(PY) scripts/tidy_po.py
	$(KITH) messages

test: install ## The whole test suite against real PostGIS (Chromium for browser tests, wrk and nginx for the load run)
	$(KITH) browser loadgen database
	$(PY) -m pytest

lint: install ## ruff (lint and format), the rooms' import contract, mypy against its baseline
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	$(PY) scripts/mypy_baseline.py

audit: install ## Known vulnerabilities in the locked packages (pip-audit, needs PyPI's JSON API) and bandit
	.local/uv/bin/uv export --frozen --no-hashes --no-emit-project --quiet > .local/requirements-audit.txt
	.venv/bin/pip-audit --strict --no-deps --disable-pip --progress-spinner off -r .local/requirements-audit.txt
	.venv/bin/bandit -q -r $(ROOMS) benchmarks scripts manage.py gunicorn.conf.py -x '*/migrations/*' --severity-level high

schema: ## Rewrite the API schema snapshot, docs/api/openapi.json; name its fingerprint in docs/api-changelog.md
	$(PY) manage.py shell --verbosity 0 -c 'from config.schema import SNAPSHOT, snapshot_write; print(f"{SNAPSHOT}: schema {snapshot_write()}")'

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: install
	$(KITH) database
	$(PY) -m benchmarks

.PHONY: simulate
simulate: install ## Matching policies over simulated weeks through Kith's services: docs/matching-over-time.md (SIMULATE_ARGS=--timing adds the 20k-person 8 weeks)
	$(KITH) database
	$(PY) -m benchmarks.simulate $(SIMULATE_ARGS)

lighthouse: install ## Lighthouse (Debian Chromium) on the key pages, phone and desktop: docs/lighthouse.md
	$(KITH) browser database
	$(PY) -m benchmarks.lighthouse

# --- Production runtime on this machine (docs/deploy.md, docs/runbook.md) -------------------
.PHONY: prod prod-stop backup restore bench-load bench-soak

prod: install ## gunicorn + Celery worker + beat with production settings, local PostgreSQL/Redis
	$(KITH) database
	bash scripts/prod.sh start

prod-stop: ## Stop what `make prod` started
	bash scripts/prod.sh stop

backup: ## pg_dump (custom format) of the database; FILE=... to choose where
	bash scripts/prod.sh backup $(FILE)

restore: ## pg_restore FILE=... into the database (replaces its contents)
	@test -n "$(FILE)" || { echo "usage: make restore FILE=path/to/kith.dump" >&2; exit 2; }
	bash scripts/prod.sh restore $(FILE)

bench-load: install ## Key pages and API calls through gunicorn with wrk, 50 connections (prints figures)
	$(KITH) loadgen database
	$(PY) -m benchmarks.load_http

bench-soak: install ## Ten minutes of mixed traffic through gunicorn: errors and memory each minute
	$(KITH) loadgen database
	$(PY) -m benchmarks.load_http --soak 600
