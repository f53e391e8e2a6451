# Home Visits: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install the pinned requirements when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo is an embedded SQLite database under var/ (git-ignored), whatever DATABASE_URL says.
DEMO_DB := sqlite:///$(CURDIR)/var/demo.sqlite3

.PHONY: run test test-fast test-unit test-views test-postgres test-browser setup setup-dev syslibs syslibs-test demo lint clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] >= (3, 11) else "Python 3.11 or newer is needed (found %d.%d)" % sys.version_info[:2])'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

setup: $(VENV)/.runtime syslibs
setup-dev: $(VENV)/.dev syslibs-test

# Debian's packages: Pango for WeasyPrint, harfbuzz-subset (PDFs ~6x faster), and for the tests
# Chromium and poppler. Installed when we are root or have password-less sudo; otherwise the
# script prints the one command to run, and make stops.
syslibs:
	@$(PYTHON) scripts/syslibs.py run
syslibs-test:
	@$(PYTHON) scripts/syslibs.py test

demo: setup
	@mkdir -p var
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py seed_demo --if-empty

# The alert runner (hc18, hc19) runs beside the web server, as cron or a systemd timer runs it
# in production (`manage.py send_alerts` every minute), and stops with it.
# Beside it, the PDFs of the documents kept at the visits' moments are made from their kept HTML
# (`manage.py make_documents`, issue 17).
run: demo
	@DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py demo_logins --host $(HOST) --port $(PORT)
	@DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py send_alerts --loop & runner=$$!; \
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py retention_review --loop & review=$$!; \
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py make_documents --loop & documents=$$!; \
	trap 'kill $$runner $$review $$documents 2>/dev/null' EXIT INT TERM; \
	DEMO_MODE=true DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Runs on SQLite unless DATABASE_URL points at PostgreSQL (as .ci/run does); PostgreSQL-only
# and browser tests say why they skip (and fail instead in CI). Across every core (pytest-xdist,
# one test database per worker); PYTEST_ARGS adds to or overrides that (-n 0 for one process).
WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(WORKERS)

test: setup-dev
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(PYTEST) $(PYTEST_ARGS)

# The layers alone (tests/conftest.py marks each test): the inner loop is test-fast.
test-fast: setup-dev
	$(PYTEST) -m "not browser" $(PYTEST_ARGS)
test-unit: setup-dev
	$(PYTEST) -m unit $(PYTEST_ARGS)
test-views: setup-dev
	$(PYTEST) -m view $(PYTEST_ARGS)
test-postgres: setup-dev
	$(PYTEST) -m postgres $(PYTEST_ARGS)
test-browser: setup-dev
	$(PYTEST) -m browser $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis test-artifacts
