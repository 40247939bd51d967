#!/bin/sh
# Starts the web server (gunicorn) or a jobs worker. Secrets come from the environment:
# CKAN_SECRET_KEY is required; database, Solr, Redis and site URL from CKAN_* variables.
set -eu
: "${CKAN_SECRET_KEY:?set CKAN_SECRET_KEY}"
printf '[app:main]\nuse = egg:ckan\nSECRET_KEY = %s\n' "$CKAN_SECRET_KEY" > /srv/app/var/secrets.ini

wait_for() { # name url-or-host:port
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -gt 60 ] && { echo "gave up waiting for: $*" >&2; exit 1; }
    sleep 2
  done
}
wait_for pg_isready -d "$CKAN_SQLALCHEMY_URL"
wait_for curl -fsS "$CKAN_SOLR_URL/admin/ping"

case "${1:-web}" in
  web)
    ckan -c "$CKAN_INI" db init
    ckan -c "$CKAN_INI" tangerang satudata sync-opd
    ckan -c "$CKAN_INI" tangerang satudata sync-urusan
    exec gunicorn ckanext.tangerang.wsgi:application --bind 0.0.0.0:5000 \
      --workers "${WEB_WORKERS:-4}" --timeout 120 --access-logfile - ;;
  worker)
    exec ckan -c "$CKAN_INI" jobs worker ;;
  *)
    exec ckan -c "$CKAN_INI" "$@" ;;
esac
