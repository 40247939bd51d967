#!/bin/sh
# Starts the web server (gunicorn) or a jobs worker. Secrets come from the environment:
# CKAN_SECRET_KEY is required; database, Solr, Redis and site URL from CKAN_* variables.
# CKAN connects to PostgreSQL as the owner of its databases (not a superuser), to Solr with
# CKAN_SOLR_USER / CKAN_SOLR_PASSWORD and to Redis with the password in CKAN_REDIS_URL.
set -eu
# pycsw (Satu Peta's CSW, behind the portal's /csw) needs no CKAN secret: only its database
if [ "${1:-}" = csw ]; then
  : "${SATUPETA_CSW_DATABASE:?set SATUPETA_CSW_DATABASE}"
  exec /opt/pycsw/bin/gunicorn csw_server:application \
    --pythonpath /srv/app/ckanext-tangerang/ckanext/tangerang/satupeta \
    --bind 0.0.0.0:8001 --workers "${CSW_WORKERS:-2}" --timeout 60 --access-logfile -
fi
: "${CKAN_SECRET_KEY:?set CKAN_SECRET_KEY}"
: "${CKAN_PPID_DATA_KEY:?set CKAN_PPID_DATA_KEY}"
: "${CKAN_SOLR_USER:?set CKAN_SOLR_USER}"
: "${CKAN_SOLR_PASSWORD:?set CKAN_SOLR_PASSWORD}"
umask 077
printf '[app:main]\nuse = egg:ckan\nSECRET_KEY = %s\nckanext.tangerang.ppid.data_key = %s\n' \
  "$CKAN_SECRET_KEY" "$CKAN_PPID_DATA_KEY" > /srv/app/var/secrets.ini
umask 022

wait_for() { # command...
  i=0
  until "$@" >/dev/null 2>&1; do
    i=$((i + 1)); [ "$i" -gt 60 ] && { echo "gave up waiting for: $1" >&2; exit 1; }
    sleep 2
  done
}
# Solr answers only with credentials; curl reads them from stdin, not from its command line
solr_ping() {
  printf 'user = "%s:%s"\n' "$CKAN_SOLR_USER" "$CKAN_SOLR_PASSWORD" |
    curl -K - -fsS "$CKAN_SOLR_URL/admin/ping"
}
wait_for pg_isready -d "$CKAN_SQLALCHEMY_URL"
wait_for solr_ping

case "${1:-web}" in
  web)
    ckan -c "$CKAN_INI" db init
    ckan -c "$CKAN_INI" tangerang satupeta store-upgrade
    # what the DataStore's read-only role may read; the owner role may grant it (no superuser)
    ckan -c "$CKAN_INI" datastore set-permissions | psql -X -q -v ON_ERROR_STOP=1 "$CKAN_DATASTORE_WRITE_URL"
    ckan -c "$CKAN_INI" tangerang satudata sync-opd
    ckan -c "$CKAN_INI" tangerang satudata sync-urusan
    exec gunicorn ckanext.tangerang.wsgi:application --bind 0.0.0.0:5000 \
      --workers "${WEB_WORKERS:-4}" --timeout 120 --access-logfile - ;;
  worker)
    exec ckan -c "$CKAN_INI" jobs worker ;;
  reindex)
    # the whole search index from the database (after a Solr schema change or the index's loss):
    # `docker compose run --rm web reindex`
    exec ckan -c "$CKAN_INI" tangerang search-index rebuild ;;
  *)
    exec ckan -c "$CKAN_INI" "$@" ;;
esac
