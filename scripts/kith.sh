#!/usr/bin/env bash
# Kith's setup steps, used by the Makefile and CI. Every step is idempotent: it checks what is
# already there and only installs or starts what is missing.
#
#   scripts/kith.sh system     Debian packages (PostgreSQL + PostGIS, GDAL/GEOS/PROJ, Node.js)
#   scripts/kith.sh browser    Debian's Chromium, for the browser tests
#   scripts/kith.sh python     .venv with the locked Python packages (uv.lock)
#   scripts/kith.sh node       front-end packages (package-lock.json) copied into static
#   scripts/kith.sh messages   the Welsh translations compiled (each room's locale/cy/*.po)
#   scripts/kith.sh database   a PostGIS database; writes DATABASE_URL to .env when it chose one
#   scripts/kith.sh app        migrate, collect static files, load the demo data
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
UV_VERSION="0.13.9"
PG_MAJOR="15"
LOCAL_PG_PORT="${KITH_LOCAL_PG_PORT:-5499}"
LOCAL_PG_DIR="$ROOT/.local/pgdata"
export UV_PYTHON_DOWNLOADS=never

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root (or sudo) to run: $*" >&2; exit 1; fi
}

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "Installing Debian packages: ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
}

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 11)' 2>/dev/null; then
      command -v "$candidate"; return
    fi
  done
  echo "Python 3.11 is required (Debian 12's python3 is 3.11)." >&2; exit 1
}

step_system() {
  apt_install ca-certificates make "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-postgis-3" \
    gdal-bin libgdal-dev binutils libproj-dev redis-server pgbouncer gettext
  command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
  local py; py="$(find_python)"
  "$py" -c 'import venv, ensurepip' 2>/dev/null || apt_install python3-venv python3-pip
}

step_browser() {
  apt_install chromium fonts-liberation
}

step_loadgen() {
  apt_install wrk nginx-light
}

step_python() {
  local py; py="$(find_python)"
  if [ ! -x .local/uv/bin/uv ] || ! .local/uv/bin/uv --version | grep -q "$UV_VERSION"; then
    log "Installing uv $UV_VERSION"
    "$py" -m venv .local/uv
    .local/uv/bin/pip install -q --disable-pip-version-check "uv==$UV_VERSION"
  fi
  log "Syncing .venv with uv.lock"
  .local/uv/bin/uv sync --frozen --python "$py" --quiet
}

step_node() {
  if [ -f package.json ]; then
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      log "Installing front-end packages"
      npm ci --no-audit --no-fund --loglevel=error
    fi
    if [ -f scripts/copy-frontend-assets.sh ]; then bash scripts/copy-frontend-assets.sh; fi
  fi
}

step_messages() {
  log "Compiling the Welsh translations"
  .venv/bin/python manage.py compilemessages --ignore=.venv --ignore=node_modules --ignore=.local \
    --ignore=staticfiles -v 0
}

pg_bin() { echo "/usr/lib/postgresql/$PG_MAJOR/bin/$1"; }

start_local_cluster() {
  local owner="" run=()
  if [ "$(id -u)" -eq 0 ]; then owner=postgres; run=(runuser -u postgres --); fi
  mkdir -p "$ROOT/.local"
  if [ ! -f "$LOCAL_PG_DIR/PG_VERSION" ]; then
    log "Initialising a project-local PostgreSQL cluster in .local/pgdata"
    mkdir -p "$LOCAL_PG_DIR"
    [ -n "$owner" ] && chown "$owner" "$LOCAL_PG_DIR"
    "${run[@]}" "$(pg_bin initdb)" -D "$LOCAL_PG_DIR" -U postgres --auth=trust -E UTF8 >/dev/null
  fi
  if ! "$(pg_bin pg_isready)" -q -h 127.0.0.1 -p "$LOCAL_PG_PORT"; then
    log "Starting the project-local PostgreSQL on 127.0.0.1:$LOCAL_PG_PORT"
    touch "$ROOT/.local/postgresql.log"; [ -n "$owner" ] && chown "$owner" "$ROOT/.local/postgresql.log"
    "${run[@]}" "$(pg_bin pg_ctl)" -D "$LOCAL_PG_DIR" -l "$ROOT/.local/postgresql.log" -w \
      -o "-p $LOCAL_PG_PORT -c listen_addresses=127.0.0.1 -k /tmp" start >/dev/null
  fi
}

write_env_database_url() {
  local url="$1"
  touch .env
  if grep -q '^DATABASE_URL=' .env; then
    sed -i "s|^DATABASE_URL=.*|DATABASE_URL=$url|" .env
  else
    echo "DATABASE_URL=$url" >> .env
  fi
}

env_database_url() {
  if [ -n "${DATABASE_URL:-}" ]; then echo "$DATABASE_URL"; return; fi
  if [ -f .env ] && grep -q '^DATABASE_URL=' .env; then grep '^DATABASE_URL=' .env | tail -1 | cut -d= -f2-; fi
}

step_database() {
  local url; url="$(env_database_url)"
  if [ -n "$url" ] && [ -z "${DATABASE_URL:-}" ] && [[ "$url" == *":$LOCAL_PG_PORT/"* ]]; then
    start_local_cluster  # chosen by an earlier run: make sure it is up
  fi
  if [ -z "$url" ]; then
    if "$(pg_bin pg_isready)" -q -h 127.0.0.1 -p 5432 2>/dev/null \
      && PGCONNECT_TIMEOUT=3 psql -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atqc 'select 1' >/dev/null 2>&1; then
      url="postgis://postgres@127.0.0.1:5432/kith"
      log "Using the PostgreSQL already listening on 127.0.0.1:5432"
    else
      start_local_cluster
      url="postgis://postgres@127.0.0.1:$LOCAL_PG_PORT/kith"
    fi
    write_env_database_url "$url"
  fi
  log "Preparing the database and the postgis extension"
  .venv/bin/python scripts/ensure_database.py "$url"
}

step_app() {
  export DJANGO_SETTINGS_MODULE="${DJANGO_SETTINGS_MODULE:-config.settings.local}"
  log "Migrating"
  .venv/bin/python manage.py migrate --noinput -v0
  .venv/bin/python manage.py collectstatic --noinput -v0
  log "Loading the demo data"
  .venv/bin/python manage.py seed_demo
}

for step in "$@"; do
  case "$step" in
    system|browser|loadgen|python|node|messages|database|app) "step_$step" ;;
    *) echo "unknown step: $step" >&2; exit 2 ;;
  esac
done
