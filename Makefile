# Timecards & invoices: `make run` serves the site, `make test` runs the whole suite.
# Both start from a fresh clone: the virtual environment is made and filled on first use.

PYTHON ?= python3
# Python keeps the bytecode of what it imports in __pycache__ (git-ignored). A machine that
# sets PYTHONDONTWRITEBYTECODE would have every process the tests start (pytest, manage.py,
# gunicorn's workers) compile Django and the libraries again: a pytest of one file took
# 5.0 s of start instead of 1.7.
unexport PYTHONDONTWRITEBYTECODE
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# The development server runs with DEBUG on and the embedded SQLite databases.
DEV_ENV := DEBUG=true

.PHONY: help install run screenshots migrate seed test test-servers-up test-servers-down test-runs-and-group lint format migrations-check ci clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-18s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@# No byte-compiling of every installed file: Python compiles the modules it imports.
	$(BIN)/pip install --quiet --no-compile -e '.[dev]'
	touch $@

install: $(VENV)/.installed ## Create .venv and install the project with its dev tools

migrate: install ## Apply migrations to the primary (default) database
	$(DEV_ENV) $(PY) manage.py migrate --noinput

# The port `make run` and `make run-pg` serve on: `make run PORT=8123`.
PORT ?= 8000
SITE_URL = http://127.0.0.1:$(PORT)/

seed: migrate ## Fill the demo data (only when the database is empty)
	$(DEV_ENV) $(PY) manage.py seed --if-empty --site-url $(SITE_URL)

screenshots: install ## Pictures of every page on a phone and a laptop, in test-artifacts/screenshots/
	SCREENSHOTS=1 $(PY) -m pytest -p no:cacheprovider -q tests/browser/test_every_page.py
	@echo "Saved in test-artifacts/screenshots/"

run: seed ## Serve the site on http://127.0.0.1:8000 (embedded SQLite; PORT=8123 for another port)
	$(DEV_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

# The servers start while pip fills the virtual environment, on the core pip leaves idle.
# Then three lanes at once, each one's output shown when it ends: the SQLite pass; the
# PostgreSQL pass on the native servers, which mostly waits on them; and the short
# failover and chaos runs and the group tests, each on servers of its own. One level of
# -j at a time: a nested one loses make's job tokens and hangs. A failure stops the servers
# of the runs and the group tests (the main pair in .pg/ stays up, as after a success).
test: ## Lint, the suite on SQLite and on the native servers, short chaos and failover runs
	$(MAKE) -j2 --output-sync=target install test-servers-up || { $(MAKE) test-servers-down; exit 1; }
	$(MAKE) lint migrations-check || { $(MAKE) test-servers-down; exit 1; }
	$(MAKE) -j3 --output-sync=target test-sqlite test-pg-first-pass test-runs-and-group \
		|| { $(MAKE) test-servers-down; exit 1; }

test-runs-and-group: install
	$(MAKE) chaos-failover-short
	$(MAKE) chaos-short
	$(MAKE) test-own-site
	$(MAKE) test-pg-group-apart

lint: install ## Ruff: lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install ## Ruff: fix what it can and format
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: install ## Fail when a model change has no migration
	$(DEV_ENV) $(PY) manage.py makemigrations --check --dry-run

ci: test ## What CI runs (.ci/run): lint, migrations check, both test passes, the short chaos and failover runs

include make/postgres.mk
include make/bench.mk

clean: ## Remove the virtual environment and the run-time files
	rm -rf $(VENV) var *.egg-info
