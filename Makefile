# Two commands: `make run` serves the platform with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
FLASK  := $(VENV)/bin/flask --app wsgi
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test lint translations chromium pdf-libs redis install dev messages

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

# Compiled catalogues are build products, never committed.
translations: install
	$(VENV)/bin/pybabel compile -d translations

run: install translations pdf-libs
	$(FLASK) db upgrade
	$(FLASK) records seal
	@if [ ! -f instance/.demo-loaded ]; then $(FLASK) demo load && touch instance/.demo-loaded; \
	else $(FLASK) demo accounts; fi
	$(FLASK) courses sync
	$(FLASK) demo assign
	$(FLASK) demo records
	@echo "Serving on http://$(HOST):$(PORT)"
	$(VENV)/bin/gunicorn -c gunicorn.conf.py --workers 1 --threads 8 --bind $(HOST):$(PORT) \
		--access-logfile - wsgi:app

# Browser tests need Debian's chromium and CJK fonts; install them when missing.
chromium:
	@command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK" || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; }

# The printable learning record (PDF, WeasyPrint) needs Pango and a CJK font; install when
# missing.
pdf-libs:
	@ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 && fc-list 2>/dev/null | grep -q "Noto Sans CJK" || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq libpango-1.0-0 \
		libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk; }

# The real-worker test of background jobs starts a private Redis server; install when missing.
redis:
	@command -v redis-server >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq redis-server; }

# axe-core (accessibility checks in the browser tests), from the npm registry.
node_modules/.installed: package.json
	npm install --silent --no-audit --no-fund
	touch $@

lint: dev
	$(VENV)/bin/ruff check .

# The suite on SQLite; then again on TEST_DATABASE_URL (PostgreSQL) when it is set. Each pass
# runs on WORKERS processes (pytest-xdist, a database of its own per worker: `<db>_gw0`, ...)
# and lists its slowest tests.
WORKERS ?= 2
PYTEST  := $(PY) -m pytest -q -n $(WORKERS) --dist worksteal --durations=15
test: dev translations chromium pdf-libs redis node_modules/.installed lint
	TEST_DATABASE_URL= $(PYTEST)
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on $$TEST_DATABASE_URL (browser tests excluded) =="; \
		$(PYTEST) -m "not browser"; fi

# After changing user-facing strings: refresh the catalogue, then translate the new entries.
messages: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l --no-location -w 100 -o /tmp/lms-messages.pot .
	$(VENV)/bin/pybabel update -i /tmp/lms-messages.pot -d translations --no-fuzzy-matching -w 100
