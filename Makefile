# Sổ điểm: every set-up step a fresh machine needs. `make run` and `make test` are all you type.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PG_URL ?= postgres://postgres@127.0.0.1:5432/sodiem
REDIS_URL ?= redis://127.0.0.1:6379/15
APT_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext poppler-utils chromium

.PHONY: run test test-services lint system-deps messages migrate seed worker clean bench load-test

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

# Debian packages: Pango for WeasyPrint, a font with full Vietnamese coverage, gettext for the
# translations, poppler for PDF checks and Chromium for the browser tests. Installed when missing.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then echo "Installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "Missing Debian packages:$$missing. Install them with: sudo apt-get install$$missing"; exit 1; fi; \
	fi
	@fc-list ':charset=1ea1 1ec7 1ef9 1a1 1b0 111' | grep -q . || { echo "No font covers Vietnamese (install fonts-dejavu-core)"; exit 1; }

.env:
	@printf 'DEBUG=on\nSECRET_KEY=dev-%s\n' "$$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9)" > .env
	@echo "Wrote .env for local development (DEBUG on, a random SECRET_KEY)."

messages: $(VENV)/.installed system-deps
	@SECRET_KEY=compile-messages-only $(PY) manage.py compilemessages --ignore=.venv -v0

migrate: $(VENV)/.installed .env messages
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v1

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	@echo "Sổ điểm is serving on http://127.0.0.1:8000 (demo accounts in README.md)"
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed system-deps messages
	$(PY) -m pytest -m "not services"

# The same suite against PostgreSQL and Redis, with a real Celery worker for the tests that need one.
test-services: $(VENV)/.installed system-deps messages
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
	DATABASE_URL=$(PG_URL) CELERY_BROKER_URL=$(REDIS_URL) CELERY_RESULT_BACKEND=$(REDIS_URL) \
	  $(PY) -m pytest

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

worker: $(VENV)/.installed .env
	$(VENV)/bin/celery -A gradebook worker -l info --concurrency 2

bench: $(VENV)/.installed
	@for f in bench/*.py; do case $$f in */locustfile.py|*/load_test.py) continue;; esac; echo "== $$f"; $(PY) $$f; done

# G14/G15: 100 teachers at the entry deadline against gunicorn + PostgreSQL (about 12 minutes).
load-test: $(VENV)/.installed
	$(VENV)/bin/pip install --quiet -r requirements-bench.txt
	$(PY) bench/load_test.py

clean:
	rm -rf var/db.sqlite3* var/static
