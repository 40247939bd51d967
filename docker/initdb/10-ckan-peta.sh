#!/bin/sh
# Runs once, as the PostgreSQL superuser, when the db volume is empty (the postgres image runs
# /docker-entrypoint-initdb.d; this folder replaces the postgis image's own script there).
# CKAN never connects as the superuser: a superuser can run shell commands on the database host
# (COPY ... FROM PROGRAM) and read or write any file there. This creates the role CKAN and its
# jobs workers connect as, without SUPERUSER, CREATEDB or CREATEROLE, owning CKAN's database and
# Satu Peta's; being their owner is all that CKAN's and Satu Peta's migrations need.
# PostGIS can only be installed by a superuser, so it is created here, before the hand-over.
# CKAN's database stays without PostGIS (CKAN's `db clean` drops every table it sees); Satu Peta's
# layers get a database of their own with it. CKAN's DataStore (the Data API's tables) has one
# too, owned by the same role and read by a role that can only connect to it; what that role may
# read is granted by `ckan datastore set-permissions`, run by the web container at each start.
#   POSTGRES_USER     the superuser (set by the postgres image)
#   CKAN_DB_PASSWORD  the password of the owner role (required)
#   CKAN_DATASTORE_RO_PASSWORD  the password of the DataStore's read-only role (required)
#   CKAN_DB_USER, CKAN_DB_NAME, CKAN_PETA_DB_NAME  default ckan, ckan, ckan_peta
#   CKAN_DATASTORE_DB_NAME, CKAN_DATASTORE_RO_USER  default ckan_datastore, datastore_ro
# tests/test_deployment_security.py runs this same script against a real PostgreSQL 15.
set -eu
: "${CKAN_DB_PASSWORD:?set CKAN_DB_PASSWORD, the password of the role CKAN connects as}"
: "${CKAN_DATASTORE_RO_PASSWORD:?set CKAN_DATASTORE_RO_PASSWORD, the password of the DataStore's read-only role}"
export CKAN_DB_PASSWORD CKAN_DATASTORE_RO_PASSWORD

# the password is read with \getenv, so it never appears on a command line
psql -X -q -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner="${CKAN_DB_USER:-ckan}" -v ckan_db="${CKAN_DB_NAME:-ckan}" \
  -v peta_db="${CKAN_PETA_DB_NAME:-ckan_peta}" \
  -v datastore_db="${CKAN_DATASTORE_DB_NAME:-ckan_datastore}" \
  -v reader="${CKAN_DATASTORE_RO_USER:-datastore_ro}" <<'SQL'
\getenv password CKAN_DB_PASSWORD
\getenv ro_password CKAN_DATASTORE_RO_PASSWORD
CREATE ROLE :"owner" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'password';
CREATE ROLE :"reader" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  PASSWORD :'ro_password';
-- no Data API query runs longer, whatever CKAN asks for
ALTER ROLE :"reader" SET statement_timeout = '15s';
CREATE DATABASE :"ckan_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"peta_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
CREATE DATABASE :"datastore_db" OWNER :"owner" ENCODING 'UTF8' TEMPLATE template0;
-- rows added by datastore_upsert get their search text in the Data API's language
ALTER DATABASE :"datastore_db" SET default_text_search_config = 'pg_catalog.indonesian';
-- only the owner (and the superuser) may connect; set-permissions lets the reader in its own
REVOKE ALL ON DATABASE :"ckan_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"peta_db" FROM PUBLIC;
REVOKE ALL ON DATABASE :"datastore_db" FROM PUBLIC;
\connect :"peta_db"
CREATE EXTENSION IF NOT EXISTS postgis;
SQL
