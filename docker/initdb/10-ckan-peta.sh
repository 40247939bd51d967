#!/bin/sh
# CKAN's database stays without PostGIS (CKAN's `db clean` drops every table it sees);
# Satu Peta's layers get a database of their own with PostGIS.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE DATABASE ckan_peta OWNER $POSTGRES_USER;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname ckan_peta -c "CREATE EXTENSION IF NOT EXISTS postgis"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname ckan -c "DROP EXTENSION IF EXISTS postgis_topology; DROP EXTENSION IF EXISTS postgis_tiger_geocoder; DROP EXTENSION IF EXISTS fuzzystrmatch; DROP EXTENSION IF EXISTS postgis"
