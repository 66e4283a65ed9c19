#!/usr/bin/env bash
# Install and start what the portal needs, idempotently. Sourced by the Makefile targets:
#   scripts/bootstrap.sh venv        Python venv + requirements (skips pip when up to date)
#   scripts/bootstrap.sh system-run  OS libraries for `make run` (WeasyPrint's pango), as root only
#   scripts/bootstrap.sh system-test OS packages for `make test` (PostgreSQL, Redis, chromium's headless shell, ...)
#   scripts/bootstrap.sh services    start PostgreSQL and Redis if they are not running
# Nothing here needs systemd (see ../shared/TOOLCHAIN.md).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
PG_URL_DEFAULT="postgresql://app:app@127.0.0.1:5432/app"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

is_root() { [ "$(id -u)" = 0 ]; }

apt_install_missing() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if ! is_root; then
    log "Missing system packages: ${missing[*]} (run as root or: sudo apt-get install ${missing[*]})"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    log "No apt-get here; please install: ${missing[*]}"
    return 0
  fi
  log "Installing system packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

RUN_PACKAGES=(python3-venv libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
  fonts-liberation)
TEST_PACKAGES=("${RUN_PACKAGES[@]}" postgresql redis-server poppler-utils)

cmd_system_run() { apt_install_missing "${RUN_PACKAGES[@]}"; }

cmd_system_test() {
  apt_install_missing "${TEST_PACKAGES[@]}"
  # The browser tests drive chromium-headless-shell, Debian's build of chromium's old
  # headless mode (measured: 35 s instead of 51 s, and a third less CPU, than the full
  # chromium); where it cannot be installed, the full chromium does the same job.
  apt_install_missing chromium-headless-shell || apt_install_missing chromium
  # Optional: only used to validate docker-compose.yml; never fail the build over it.
  command -v docker-compose >/dev/null 2>&1 || apt_install_missing docker-compose || true
}

cmd_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "Creating virtualenv $VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha"
  local want
  want=$(sha256sum requirements.txt | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "Installing Python requirements"
    "$VENV/bin/pip" install -q --disable-pip-version-check -r requirements.txt
    echo "$want" > "$stamp"
  fi
}

start_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1; then
    log "PostgreSQL is not running and pg_ctlcluster is missing; install postgresql"
    return 1
  fi
  local ver
  ver=$(ls /etc/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$ver" ] || { log "No PostgreSQL cluster found"; return 1; }
  [ -d "/etc/postgresql/$ver/main" ] || pg_createcluster "$ver" main
  log "Starting PostgreSQL $ver"
  pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
  for _ in $(seq 1 60); do pg_isready -q -h 127.0.0.1 -p 5432 && return 0; sleep 0.5; done
  log "PostgreSQL did not become ready"; return 1
}

ensure_pg_role_and_db() {
  # Role `app` (CREATEDB: the test runner creates test_app) owning database `app`.
  if psql "$PG_URL_DEFAULT" -Atqc 'select 1' >/dev/null 2>&1; then
    return 0
  fi
  local as_pg=(psql -h 127.0.0.1 -U postgres -d postgres -Atqc)
  if is_root && id postgres >/dev/null 2>&1; then
    as_pg=(su postgres -c)
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_roles WHERE rolname='app'\"" | grep -q 1 \
      || su postgres -c "psql -qc \"CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB\""
    su postgres -c "psql -qtAc \"SELECT 1 FROM pg_database WHERE datname='app'\"" | grep -q 1 \
      || su postgres -c "createdb -O app app"
  else
    "${as_pg[@]}" "SELECT 1 FROM pg_roles WHERE rolname='app'" | grep -q 1 \
      || "${as_pg[@]}" "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB"
    "${as_pg[@]}" "SELECT 1 FROM pg_database WHERE datname='app'" | grep -q 1 \
      || "${as_pg[@]}" "CREATE DATABASE app OWNER app"
  fi
  psql "$PG_URL_DEFAULT" -Atqc 'select 1' >/dev/null
}

start_redis() {
  if redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; then
    return 0
  fi
  log "Starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no \
    --pidfile /tmp/redis-6379.pid --logfile /tmp/redis-6379.log
  for _ in $(seq 1 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG && return 0; sleep 0.2
  done
  log "Redis did not become ready"; return 1
}

cmd_services() {
  start_postgres
  ensure_pg_role_and_db
  start_redis
}

case "${1:-}" in
  venv) cmd_venv ;;
  system-run) cmd_system_run ;;
  system-test) cmd_system_test ;;
  services) cmd_services ;;
  *) echo "usage: $0 venv|system-run|system-test|services" >&2; exit 2 ;;
esac
