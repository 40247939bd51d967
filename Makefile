# Tangerang Satu Data: the two commands.
#   make run    install what is missing, start every service, load demo content, serve :5000
#   make test   the same set-up without demo content, then the whole test suite
#   make stop   stop, by pid, what `make run` / `make test` started (data stays in var/)
#   make walk   fetch every page of a running portal (PORTAL=https://... for a deployment)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := $(CURDIR)/.venv
# pycsw 2.6 (Satu Peta's CSW) cannot share CKAN's dependencies: a virtualenv of its own
CSW_VENV := $(CURDIR)/.venv-pycsw
BIN := $(VENV)/bin
CKAN := $(BIN)/ckan
INI := $(CURDIR)/config/ckan.ini
TEST_INI := $(CURDIR)/config/test.ini
STACK := $(CURDIR)/scripts/stack.sh
ADMIN ?= admin

# Debian packages the stack needs (PostgreSQL + PostGIS, Redis, build deps of psycopg2 and
# python-magic, GDAL tools for tests, Java + Maven for Solr, docker-compose to validate docker/)
APT_PACKAGES := postgresql-15 postgresql-15-postgis-3 postgresql-client-15 redis-server \
	libpq-dev libmagic1 gdal-bin docker-compose openjdk-17-jdk-headless maven curl \
	python3-venv gettext nodejs chromium chromium-driver haproxy wrk \
	cgi-mapserver mapserver-bin fonts-dejavu-core

.PHONY: help run test stop status walk backup restore apt venv i18n assets secrets services db demo admin web solr-jars clean-data

help:
	@echo "make run    - start the portal with demo content on http://127.0.0.1:5000"
	@echo "make test   - run the test suite against the real services"
	@echo "make stop   - stop what make run / make test started"
	@echo "make walk   - smoke-test a running portal: every route, no server error (PORTAL=url, WALK_USERS=role=user:pass,...)"
	@echo "make status - which services run"
	@echo "make backup - write a dated, checksummed backup set into backup/ (BACKUP_DIR=...; secrets are not in it)"
	@echo "make restore FROM=backup/<date> - bring the portal back from a set (replaces its databases and files)"

run: apt venv secrets services db admin demo web
	@echo
	@echo "Tangerang Satu Data is running: http://127.0.0.1:5000"
	@echo "  login: $(ADMIN) / $$(cat var/admin-password)"
	@echo "  logs:  var/log/ (web.log, worker.log, solr.log, redis.log, mail.log) and $$(ls /var/log/postgresql/postgresql-15-tangerang.log)"
	@echo "  mail:  var/mail/    stop: make stop"

test: apt venv secrets services
	@$(CKAN) -c $(TEST_INI) db init >var/log/test-db-init.log 2>&1 || { tail -20 var/log/test-db-init.log; exit 1; }
	@$(call datastore_permissions,$(TEST_INI),var/log/test-db-init.log)
	@$(CKAN) -c $(TEST_INI) tangerang satupeta store-upgrade >>var/log/test-db-init.log 2>&1 || { tail -20 var/log/test-db-init.log; exit 1; }
	$(BIN)/pytest $(PYTEST_ARGS)

stop:
	@$(STACK) stop

# The route walk against a running portal (default: the one `make run` serves): every URL rule
# as anonymous and as each role in WALK_USERS ("walidata=budi:secret,sysadmin=admin:secret");
# exits non-zero on any 5xx or an error page outside the theme or language.
PORTAL ?= http://127.0.0.1:5000
walk:
	@$(BIN)/python tests/walk/routewalk.py --portal "$(PORTAL)" --ini "$(INI)"

status:
	@$(STACK) status

# A backup set: the three databases, the file store, the city profile, the ini files without
# secrets, a manifest and SHA256SUMS (docs/operations.md "Back up and restore"). var/secrets.ini is
# never in it: keep it apart. The restore checks the set first and rebuilds Solr from it.
backup:
	@$(BIN)/python scripts/backup.py backup --ini "$(INI)" $(if $(BACKUP_DIR),--dir "$(BACKUP_DIR)")

restore:
	@test -n "$(FROM)" || { echo "usage: make restore FROM=backup/YYYY-MM-DDTHHMMSS" >&2; exit 2; }
	@$(BIN)/python scripts/backup.py restore --ini "$(INI)" "$(FROM)"

# ------------------------------------------------------------------ installation
apt:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >/dev/null; \
	fi

venv: $(VENV)/.installed $(CSW_VENV)/.installed i18n assets

# front-end libraries from npm, served by the portal (no CDN)
assets: node_modules/.installed
	@scripts/vendor.sh

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error >/dev/null
	@touch $@

$(VENV)/.installed: setup.py pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing Python packages into .venv (CKAN 2.12 and extensions)..."
	@$(BIN)/pip install -q --upgrade pip setuptools wheel
	@$(BIN)/pip install -q -e '.[dev]'
	@touch $@

$(CSW_VENV)/.installed: requirements-csw.txt
	@test -x $(CSW_VENV)/bin/python || $(PYTHON) -m venv $(CSW_VENV)
	@echo "Installing pycsw into .venv-pycsw (Satu Peta's CSW)..."
	@$(CSW_VENV)/bin/pip install -q -r requirements-csw.txt
	@touch $@

i18n:
	@$(BIN)/python -m ckanext.tangerang.i18n.build compile >/dev/null

# the PPID data key (AES-256-GCM of requesters' NIK, phone, address and files) is added to a
# secrets file written before it existed; losing it loses that data: keep var/secrets.ini backed up
secrets: var/secrets.ini var/admin-password
	@grep -q '^ckanext.tangerang.ppid.data_key *=' var/secrets.ini || \
	  printf 'ckanext.tangerang.ppid.data_key = %s\n' "$$($(PYTHON) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" >> var/secrets.ini

var/secrets.ini:
	@mkdir -p var
	@printf '[app:main]\nuse = egg:ckan\nSECRET_KEY = %s\n' "$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))')" > $@
	@chmod 600 $@

var/admin-password:
	@mkdir -p var
	@$(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(12))' > $@
	@chmod 600 $@

# ------------------------------------------------------------------ services and data
services:
	@VENV=$(VENV) $(STACK) start backing

# CKAN prints the DataStore's permissions (the read-only role may SELECT its tables, nothing
# else) as SQL for the superuser; log lines on stdout (test.ini logs to the console) are left out
define datastore_permissions
$(CKAN) -c $(1) datastore set-permissions 2>>$(2) | grep -Ev '^[0-9]{4}-[0-9]{2}-[0-9]{2} ' | \
	  runuser -u postgres -- psql -X -q -p 5433 -v ON_ERROR_STOP=1 >>$(2) 2>&1 || { tail -20 $(2); exit 1; }
endef

db:
	@$(CKAN) -c $(INI) db init >var/log/db-init.log 2>&1 || { tail -20 var/log/db-init.log; exit 1; }
	@$(call datastore_permissions,$(INI),var/log/db-init.log)
	@$(CKAN) -c $(INI) tangerang search-index rebuild >>var/log/db-init.log 2>&1 || { tail -20 var/log/db-init.log; exit 1; }
	@$(CKAN) -c $(INI) tangerang satupeta store-upgrade >>var/log/db-init.log 2>&1 || { tail -20 var/log/db-init.log; exit 1; }
	@# the services outside CKAN follow the catalogue after an upgrade too: CSW records, WMS/WFS mapfiles
	@$(CKAN) -c $(INI) tangerang satupeta csw-sync >>var/log/db-init.log 2>&1 || { tail -20 var/log/db-init.log; exit 1; }
	@$(CKAN) -c $(INI) tangerang satupeta ows-write >>var/log/db-init.log 2>&1 || { tail -20 var/log/db-init.log; exit 1; }

# var/admin-password is the local admin's password: the database may outlive a checkout's var/
admin:
	@if $(CKAN) -c $(INI) user show $(ADMIN) 2>>var/log/setup.log | grep -q "name=$(ADMIN) "; then \
	  $(CKAN) -c $(INI) user setpass $(ADMIN) -p "$$(cat var/admin-password)" >/dev/null 2>>var/log/setup.log; \
	else \
	  $(CKAN) -c $(INI) user add $(ADMIN) email=$(ADMIN)@localhost password="$$(cat var/admin-password)" >/dev/null 2>>var/log/setup.log; \
	fi
	@$(CKAN) -c $(INI) sysadmin add $(ADMIN) >/dev/null 2>>var/log/setup.log

demo:
	@$(CKAN) -c $(INI) tangerang satudata sync-opd 2>>var/log/setup.log || { tail -20 var/log/setup.log; exit 1; }
	@$(CKAN) -c $(INI) tangerang satudata sync-urusan 2>>var/log/setup.log || { tail -20 var/log/setup.log; exit 1; }
	@$(CKAN) -c $(INI) tangerang satudata demo 2>>var/log/setup.log || { tail -20 var/log/setup.log; exit 1; }

web:
	@VENV=$(VENV) CKAN_INI=$(INI) $(STACK) start csw web worker

# Removes the portal's data (database, index, uploads, mail); the next `make run` starts afresh.
# (PostgreSQL is started again for the drops: `stop` has stopped it)
clean-data: stop
	@VENV=$(VENV) $(STACK) start postgres >/dev/null
	@for db in ckan ckan_test ckan_datastore ckan_datastore_test; do \
	  runuser -u postgres -- dropdb -p 5433 --if-exists --force $$db || true; done
	@$(STACK) stop postgres >/dev/null
	@rm -rf var/solr var/storage var/storage-test var/redis var/mail
