#!/usr/bin/env bash
# Starts and stops the services of the local portal: PostgreSQL + PostGIS, Redis, Solr, the mail
# sink, the CKAN web server and a jobs worker. Every start is idempotent and waits until the
# service answers; a failure names the service and its log. Pids live in var/run, logs in var/log.
#
#   scripts/stack.sh start SERVICE...   (postgres redis solr mail csw web worker, or: all, backing)
#   scripts/stack.sh stop [SERVICE...]  stops by pid what this script started
#   scripts/stack.sh status
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
RUN="$VAR/run"
LOG="$VAR/log"
VENV="${VENV:-$ROOT/.venv}"
CKAN_INI="${CKAN_INI:-$ROOT/config/ckan.ini}"

PG_VERSION=15
PG_CLUSTER="${PG_CLUSTER:-tangerang}"
PG_PORT="${PG_PORT:-5433}"
REDIS_PORT="${REDIS_PORT:-6379}"
SOLR_PORT="${SOLR_PORT:-8983}"
SOLR_CORES="${SOLR_CORES:-ckan ckan_test}"
SOLR_HEAP="${SOLR_HEAP:-1g}"
MAIL_PORT="${MAIL_PORT:-8025}"
WEB_PORT="${WEB_PORT:-5000}"
WEB_WORKERS="${WEB_WORKERS:-2}"
# pycsw (Satu Peta's CSW, behind the portal's /csw) in its own virtualenv; reads the records
# table of the Satu Peta database (ckanext.tangerang.satupeta.csw.backend_url points here)
CSW_VENV="${CSW_VENV:-$ROOT/.venv-pycsw}"
CSW_PORT="${CSW_PORT:-8001}"
CSW_DATABASE="${CSW_DATABASE:-postgresql://ckan:ckan@127.0.0.1:${PG_PORT:-5433}/ckan_peta}"
DB_USER=ckan
DB_PASS=ckan
DATABASES="${DATABASES:-ckan ckan_test}"
GEO_DATABASES="${GEO_DATABASES:-ckan_peta ckan_peta_test}"
# CKAN's DataStore (the tables behind the Data API): databases of their own, written as the owner
# role and read by a role that can only SELECT (`ckan datastore set-permissions`, run by make)
DATASTORE_DATABASES="${DATASTORE_DATABASES:-ckan_datastore ckan_datastore_test}"
DS_RO_USER=datastore_ro
DS_RO_PASS=datastore_ro
# the longest a query of the Data API may run as the read-only role, whatever asks for it
DS_RO_TIMEOUT="${DS_RO_TIMEOUT:-15s}"

mkdir -p "$RUN" "$LOG"

say() { printf '  %-9s %s\n' "$1" "$2"; }
fail() { # service, message
  echo "ERROR: $1 failed: $2" >&2
  exit 1
}

# wait_for NAME LOGFILE PID_OR_EMPTY COMMAND...: retries COMMAND for up to $WAIT seconds
wait_for() {
  local name=$1 logfile=$2 pid=$3; shift 3
  local deadline=$((SECONDS + ${WAIT:-120}))
  until "$@" >/dev/null 2>&1; do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$logfile" >&2 || true
      fail "$name" "the process exited; see $logfile"
    fi
    if ((SECONDS > deadline)); then
      tail -n 20 "$logfile" >&2 || true
      fail "$name" "no answer after ${WAIT:-120}s; see $logfile"
    fi
    sleep 0.5
  done
}

running() { # pidfile
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

http_ok() { curl -fsS -o /dev/null --max-time 5 "$1"; }

# ---------------------------------------------------------------- PostgreSQL + PostGIS
pg_pidfile() { echo "/var/run/postgresql/${PG_VERSION}-${PG_CLUSTER}.pid"; }
pg_log() { echo "/var/log/postgresql/postgresql-${PG_VERSION}-${PG_CLUSTER}.log"; }
psql_su() { runuser -u postgres -- psql -X -q -p "$PG_PORT" -v ON_ERROR_STOP=1 "$@"; }

start_postgres() {
  if ! pg_lsclusters -h | awk '{print $1"/"$2}' | grep -qx "${PG_VERSION}/${PG_CLUSTER}"; then
    pg_createcluster "$PG_VERSION" "$PG_CLUSTER" -p "$PG_PORT" -- --auth-local=peer --auth-host=scram-sha-256 \
      >"$LOG/postgres-create.log" 2>&1 || fail postgres "pg_createcluster; see $LOG/postgres-create.log"
    # listen_addresses stays at its default, localhost: nothing outside this machine reaches it
  fi
  if running "$(pg_pidfile)"; then
    say postgres "already running (port $PG_PORT)"
  else
    mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" start >>"$LOG/postgres-create.log" 2>&1 ||
      { tail -n 20 "$(pg_log)" >&2; fail postgres "pg_ctlcluster start; see $(pg_log)"; }
    touch "$RUN/postgres.ours"
  fi
  wait_for postgres "$(pg_log)" "" pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
  psql_su -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DB_USER'" | grep -q 1 ||
    psql_su -d postgres -c "CREATE ROLE $DB_USER LOGIN PASSWORD '$DB_PASS'"
  local db
  for db in $DATABASES; do
    psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      psql_su -d postgres -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
  done
  # Satu Peta's layers live in databases of their own with PostGIS, as CKAN's DataStore does:
  # CKAN's `db clean` and its test fixtures drop every table they see, PostGIS's included.
  for db in $GEO_DATABASES; do
    psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      psql_su -d postgres -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    psql_su -d "$db" -c "CREATE EXTENSION IF NOT EXISTS postgis"
  done
  psql_su -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname='$DS_RO_USER'" | grep -q 1 ||
    psql_su -d postgres -c "CREATE ROLE $DS_RO_USER LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '$DS_RO_PASS'"
  psql_su -d postgres -c "ALTER ROLE $DS_RO_USER SET statement_timeout = '$DS_RO_TIMEOUT'"
  for db in $DATASTORE_DATABASES; do
    psql_su -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname='$db'" | grep -q 1 ||
      psql_su -d postgres -c "CREATE DATABASE $db OWNER $DB_USER ENCODING 'UTF8' TEMPLATE template0"
    # rows added through datastore_upsert get their search text in the language the Data API
    # searches in (ckan.datastore.default_fts_lang), like the rows of a load
    psql_su -d postgres -c "ALTER DATABASE $db SET default_text_search_config = 'pg_catalog.indonesian'"
  done
  # only the owner connects to a database unless granted (set-permissions grants the read-only
  # role its datastore database and nothing else)
  for db in $DATABASES $GEO_DATABASES $DATASTORE_DATABASES; do
    psql_su -d postgres -c "REVOKE ALL ON DATABASE $db FROM PUBLIC"
  done
  say postgres "ready on 127.0.0.1:$PG_PORT (log $(pg_log))"
}

stop_postgres() {
  if [[ -f "$RUN/postgres.ours" ]] && running "$(pg_pidfile)"; then
    pg_ctlcluster "$PG_VERSION" "$PG_CLUSTER" stop -m fast && say postgres stopped
  fi
  rm -f "$RUN/postgres.ours"
}

# ---------------------------------------------------------------- Redis
start_redis() {
  if running "$RUN/redis.pid"; then say redis "already running (port $REDIS_PORT)"; return; fi
  mkdir -p "$VAR/redis"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$VAR/redis" --daemonize yes \
    --pidfile "$RUN/redis.pid" --logfile "$LOG/redis.log" --appendonly yes --save "60 1" \
    || fail redis "redis-server did not start; see $LOG/redis.log"
  wait_for redis "$LOG/redis.log" "" redis-cli -p "$REDIS_PORT" ping
  say redis "ready on 127.0.0.1:$REDIS_PORT (log $LOG/redis.log)"
}
stop_redis() { stop_pid redis; }

# ---------------------------------------------------------------- Solr 9 (Maven jars + launcher)
solr_build() {
  local cp="$ROOT/solr/target/classpath.txt"
  if [[ ! -f "$cp" || "$ROOT/solr/pom.xml" -nt "$cp" ||
        -n "$(find "$ROOT/solr/src" -newer "$cp" -type f 2>/dev/null)" ]]; then
    (cd "$ROOT/solr" && mvn -q -B package -DskipTests) >"$LOG/solr-build.log" 2>&1 ||
      fail solr "the Maven build of the launcher; see $LOG/solr-build.log"
  fi
}

start_solr() {
  if running "$RUN/solr.pid"; then say solr "already running (port $SOLR_PORT)"; return; fi
  solr_build
  local cp
  cp="$ROOT/solr/target/classes:$(cat "$ROOT/solr/target/classpath.txt")"
  # shellcheck disable=SC2086
  nohup java -Xms256m "-Xmx$SOLR_HEAP" -Dsolr.log.dir="$LOG" \
    -Dlog4j.configurationFile="$ROOT/solr/log4j2.xml" -Dsolr.install.dir="$VAR/solr" \
    -cp "$cp" id.go.tangerangkota.solr.SolrLauncher "$VAR/solr/home" "$SOLR_PORT" \
    "$ROOT/config/solr/ckan/conf" $SOLR_CORES >"$LOG/solr.log" 2>&1 &
  echo $! >"$RUN/solr.pid"
  local core
  for core in $SOLR_CORES; do
    wait_for solr "$LOG/solr.log" "$(cat "$RUN/solr.pid")" \
      http_ok "http://127.0.0.1:$SOLR_PORT/solr/$core/admin/ping?wt=json"
  done
  say solr "ready on http://127.0.0.1:$SOLR_PORT/solr (cores: $SOLR_CORES; log $LOG/solr.log)"
}
stop_solr() { stop_pid solr; }

# ---------------------------------------------------------------- mail sink
start_mail() {
  if running "$RUN/mail.pid"; then say mail "already running (port $MAIL_PORT)"; return; fi
  nohup "$VENV/bin/python" "$ROOT/scripts/mailsink.py" --port "$MAIL_PORT" --dir "$VAR/mail" \
    >"$LOG/mail.log" 2>&1 &
  echo $! >"$RUN/mail.pid"
  wait_for mail "$LOG/mail.log" "$(cat "$RUN/mail.pid")" \
    bash -c "exec 3<>/dev/tcp/127.0.0.1/$MAIL_PORT"
  say mail "SMTP sink on 127.0.0.1:$MAIL_PORT, mails kept in $VAR/mail (log $LOG/mail.log)"
}
stop_mail() { stop_pid mail; }

# ---------------------------------------------------------------- CKAN web (gunicorn) and worker
start_web() {
  if running "$RUN/web.pid"; then say web "already running (port $WEB_PORT)"; return; fi
  CKAN_INI="$CKAN_INI" nohup "$VENV/bin/gunicorn" ckanext.tangerang.wsgi:application \
    --bind "127.0.0.1:$WEB_PORT" --workers "$WEB_WORKERS" --timeout 120 \
    --pid "$RUN/web.pid" --access-logfile "$LOG/web-access.log" >"$LOG/web.log" 2>&1 &
  local pid=$!
  wait_for web "$LOG/web.log" "$pid" http_ok "http://127.0.0.1:$WEB_PORT/api/3/action/status_show"
  say web "ready on http://127.0.0.1:$WEB_PORT (log $LOG/web.log)"
}
stop_web() { stop_pid web; }

start_worker() {
  if running "$RUN/worker.pid"; then say worker "already running"; return; fi
  nohup "$VENV/bin/ckan" -c "$CKAN_INI" jobs worker >"$LOG/worker.log" 2>&1 &
  echo $! >"$RUN/worker.pid"
  sleep 2
  running "$RUN/worker.pid" || { tail -n 20 "$LOG/worker.log" >&2; fail worker "see $LOG/worker.log"; }
  say worker "CKAN jobs worker running (log $LOG/worker.log)"
}
stop_worker() { stop_pid worker; }

# ---------------------------------------------------------------- pycsw (CSW of Satu Peta)
start_csw() {
  if running "$RUN/csw.pid"; then say csw "already running (port $CSW_PORT)"; return; fi
  SATUPETA_CSW_DATABASE="$CSW_DATABASE" nohup "$CSW_VENV/bin/gunicorn" csw_server:application \
    --pythonpath "$ROOT/ckanext-tangerang/ckanext/tangerang/satupeta" \
    --bind "127.0.0.1:$CSW_PORT" --workers 2 --timeout 60 \
    --pid "$RUN/csw.pid" >"$LOG/csw.log" 2>&1 &
  local pid=$!
  wait_for csw "$LOG/csw.log" "$pid" http_ok "http://127.0.0.1:$CSW_PORT/?service=CSW&request=GetCapabilities"
  say csw "pycsw ready on 127.0.0.1:$CSW_PORT, behind the portal's /csw (log $LOG/csw.log)"
}
stop_csw() { stop_pid csw; }

# ---------------------------------------------------------------- common
stop_pid() { # name: TERM, then KILL after 20s
  local name=$1 f="$RUN/$1.pid" pid
  running "$f" || { rm -f "$f"; return 0; }
  pid=$(cat "$f")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
  say "$name" stopped
}

status() {
  local s
  running "$(pg_pidfile)" && s=up || s=down; say postgres "$s"
  for s in redis solr mail csw web worker; do
    if running "$RUN/$s.pid"; then say "$s" "up (pid $(cat "$RUN/$s.pid"))"; else say "$s" down; fi
  done
}

expand() {
  local s
  for s in "$@"; do
    case $s in
      all) echo postgres redis solr mail csw web worker ;;
      backing) echo postgres redis solr mail ;;
      *) echo "$s" ;;
    esac
  done
}

cmd=${1:-status}; shift || true
case $cmd in
  start)
    for s in $(expand "${@:-all}"); do "start_$s"; done ;;
  stop)
    services=$(expand "${@:-all}")
    # reverse order: the portal first, the databases last
    for s in $(echo "$services" | tr ' ' '\n' | tac); do "stop_$s"; done ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status [postgres redis solr mail csw web worker all backing]" >&2; exit 2 ;;
esac
