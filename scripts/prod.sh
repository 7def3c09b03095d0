#!/usr/bin/env bash
# Kith's production processes on this machine: gunicorn, a Celery worker and Celery beat, with
# production settings, against local PostgreSQL and Redis. The production code path (no
# in-process tasks, no debug, JSON logs) exercised end to end; see docs/deploy.md.
#
#   scripts/prod.sh start          migrate, collectstatic, start web + worker + beat, wait healthy
#   scripts/prod.sh stop           stop the three processes (by the pids this script recorded)
#   scripts/prod.sh status         which processes run, and /healthz
#   scripts/prod.sh backup [FILE]  pg_dump (custom format) of DATABASE_URL, default .local/backups/…
#   scripts/prod.sh restore FILE   pg_restore FILE into DATABASE_URL (replaces what is there)
#
# Environment: DATABASE_URL (else .env, else postgis://postgres@127.0.0.1:5432/kith),
# KITH_PROD_PORT (8000), KITH_PROD_REDIS (redis://127.0.0.1:6379), WEB_CONCURRENCY (2),
# KITH_WORKER_QUEUES (the worker's queues, -Q: alerts,rounds,housekeeping,default),
# EMAIL_URL (else emails are written to .local/prod/mail). Logs and pids: .local/prod/.
# Plain HTTP on loopback: open http://localhost:PORT (browsers accept the Secure cookies there).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
RUN="$ROOT/.local/prod"
PY="$ROOT/.venv/bin/python"
PORT="${KITH_PROD_PORT:-8000}"
REDIS_BASE="${KITH_PROD_REDIS:-redis://127.0.0.1:6379}"
# One worker for every queue here; a deployment runs a worker per queue (docs/deploy.md).
WORKER_QUEUES="${KITH_WORKER_QUEUES:-alerts,rounds,housekeeping,default}"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { echo "prod.sh: $*" >&2; exit 1; }

database_url() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; return; fi
  if [ -f .env ] && grep -q '^DATABASE_URL=' .env; then
    grep '^DATABASE_URL=' .env | tail -1 | cut -d= -f2-; return
  fi
  echo "postgis://postgres@127.0.0.1:5432/kith"
}

# pg_dump and pg_restore want postgresql://; Django's URL says postgis://.
libpq_url() { database_url | sed -E 's#^(postgis|postgres|pgsql)://#postgresql://#'; }

production_env() {
  mkdir -p "$RUN/mail"
  if [ ! -s "$RUN/secret_key" ]; then
    (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(50))' > "$RUN/secret_key")
  fi
  export DJANGO_SETTINGS_MODULE=config.settings.production
  DJANGO_SECRET_KEY="$(cat "$RUN/secret_key")"
  export DJANGO_SECRET_KEY
  if [ ! -s "$RUN/field_key" ]; then
    (umask 077; "$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())' > "$RUN/field_key")
  fi
  KITH_FIELD_KEY="$(cat "$RUN/field_key")"
  export KITH_FIELD_KEY
  export DJANGO_ALLOWED_HOSTS="${DJANGO_ALLOWED_HOSTS:-127.0.0.1,localhost}"
  DATABASE_URL="$(database_url)"
  export DATABASE_URL
  export REDIS_URL="${REDIS_URL:-$REDIS_BASE/1}"
  export CELERY_BROKER_URL="${CELERY_BROKER_URL:-$REDIS_BASE/2}"
  export CELERY_TASK_ALWAYS_EAGER=False
  # No TLS terminator on this machine: plain HTTP on loopback. Everything else as deployed.
  export DJANGO_SECURE_SSL_REDIRECT=False
  if [ -z "${EMAIL_URL:-}" ]; then
    export DJANGO_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
    export DJANGO_EMAIL_FILE_PATH="$RUN/mail"
  fi
  export GUNICORN_BIND="127.0.0.1:$PORT"
  export WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
}

running() { [ -f "$RUN/$1.pid" ] && kill -0 "$(cat "$RUN/$1.pid")" 2>/dev/null; }

spawn() {  # name, command...
  local name="$1"; shift
  if running "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  # setsid: each process leads its own group, so `stop` ends it with its children.
  setsid "$@" >>"$RUN/$name.log" 2>&1 < /dev/null &
  echo $! > "$RUN/$name.pid"
  log "started $name (pid $!, log .local/prod/$name.log)"
}

ensure_redis() {
  if "$PY" - "$REDIS_BASE" <<'PYEOF' 2>/dev/null; then return; fi
import sys, redis
redis.Redis.from_url(sys.argv[1], socket_connect_timeout=1).ping()
PYEOF
  if command -v redis-server >/dev/null; then
    log "starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$RUN" \
      --pidfile "$RUN/redis.pid" --logfile "$RUN/redis.log"
    sleep 1
  else
    die "Redis does not answer at $REDIS_BASE. Install it: apt-get install -y redis-server"
  fi
}

healthz() { curl -s -m 5 -H "Host: localhost" "http://127.0.0.1:$PORT/healthz"; }

cmd_start() {
  production_env
  ensure_redis
  log "migrate"
  "$PY" manage.py migrate --noinput
  log "collectstatic"
  "$PY" manage.py collectstatic --noinput >/dev/null
  spawn web "$ROOT/.venv/bin/gunicorn" -c gunicorn.conf.py
  spawn worker "$ROOT/.venv/bin/celery" -A config worker --loglevel INFO --queues "$WORKER_QUEUES" \
    --concurrency 2 --hostname "kith-worker@%h"
  spawn beat "$ROOT/.venv/bin/celery" -A config beat --loglevel INFO \
    --schedule "$RUN/celerybeat-schedule"
  log "waiting for /healthz"
  local body=""
  for _ in $(seq 1 60); do
    body="$(healthz || true)"
    if printf '%s' "$body" | grep -q '"status": *"ok"'; then
      echo "$body"
      log "Kith (production settings) is up: http://localhost:$PORT/"
      echo "Emails: ${EMAIL_URL:+via EMAIL_URL}${EMAIL_URL:-written to .local/prod/mail/}"
      echo "Stop with: make prod-stop  (or scripts/prod.sh stop)"
      return 0
    fi
    sleep 1
  done
  echo "$body"
  die "not healthy after 60 s; see .local/prod/*.log"
}

cmd_stop() {
  local name pid
  for name in beat worker web; do
    if running "$name"; then
      pid="$(cat "$RUN/$name.pid")"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid"
      for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL -- "-$pid" 2>/dev/null
      log "stopped $name"
    fi
    rm -f "$RUN/$name.pid"
  done
}

cmd_status() {
  local name
  for name in web worker beat; do
    if running "$name"; then echo "$name: running (pid $(cat "$RUN/$name.pid"))"; else echo "$name: stopped"; fi
  done
  healthz && echo || true
}

cmd_backup() {
  local file="${1:-.local/backups/kith-$(date -u +%Y%m%dT%H%M%SZ).dump}"
  mkdir -p "$(dirname "$file")"
  (umask 077; pg_dump --format=custom --no-owner --no-privileges --file "$file" "$(libpq_url)")
  log "backup written: $file ($(du -h "$file" | cut -f1))"
}

cmd_restore() {
  local file="${1:-}"
  [ -n "$file" ] && [ -f "$file" ] || die "usage: scripts/prod.sh restore FILE (a pg_dump custom-format file)"
  # One transaction: a failed restore leaves the database as it was.
  pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
    --exit-on-error --dbname "$(libpq_url)" "$file"
  log "restored $file into $(database_url | sed -E 's#//[^@]*@#//#')"
}

case "${1:-start}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  backup) shift; cmd_backup "$@" ;;
  restore) shift; cmd_restore "$@" ;;
  *) die "unknown command: $1 (start, stop, status, backup, restore)" ;;
esac
