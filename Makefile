# Home Visits: `make run` serves the demo, `make test` runs the whole suite.
# Both create .venv and install the pinned requirements when needed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo is an embedded SQLite database under var/ (git-ignored), whatever DATABASE_URL says.
DEMO_DB := sqlite:///$(CURDIR)/var/demo.sqlite3

.PHONY: run test setup setup-dev syslibs demo lint clean

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
setup-dev: $(VENV)/.dev syslibs

# WeasyPrint needs the system's Pango; harfbuzz-subset makes PDFs ~6x faster.
syslibs: | $(BIN)/python
	@$(BIN)/python scripts/check_syslibs.py

demo: setup
	@mkdir -p var
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py migrate --noinput -v0
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py seed_demo --if-empty

run: demo
	@DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py demo_logins
	DATABASE_URL=$(DEMO_DB) $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Runs on SQLite unless DATABASE_URL points at PostgreSQL (as .ci/run does); PostgreSQL-only
# and browser tests say why they skip (and fail instead in CI).
test: setup-dev
	$(BIN)/python manage.py check --fail-level WARNING
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .hypothesis test-artifacts
