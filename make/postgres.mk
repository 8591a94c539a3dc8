# PostgreSQL: the native primary + streaming standby (pg-*), and the docker compose stack.
# Included by the Makefile; uses its PY, DEV_ENV and install.

PG_PAIR := bash docker/postgres/native-pair.sh
# The pair's ports: set both to run a second pair beside another checkout's.
PG_PRIMARY_PORT ?= 55432
PG_STANDBY_PORT ?= 55433
export PG_PRIMARY_PORT PG_STANDBY_PORT
# The site against the native pair: writes on the primary, reports on the standby.
PG_ENV := DATABASE_URL=postgres://postgres@127.0.0.1:$(PG_PRIMARY_PORT)/timetrack \
	STANDBY_DATABASE_URL=postgres://postgres@127.0.0.1:$(PG_STANDBY_PORT)/timetrack
COMPOSE ?= docker compose

.PHONY: pg-up pg-down pg-status pg-destroy run-pg test-sqlite test-pg up down logs compose-seed

pg-up: ## Start the native primary (127.0.0.1:$PG_PRIMARY_PORT, 55432) and standby (55433) in .pg/
	$(PG_PAIR) up

pg-down: ## Stop the native pair (its data stays in .pg/)
	$(PG_PAIR) down

pg-status: ## Both ends of the native pair, the replication state and the lag
	$(PG_PAIR) status

pg-destroy: ## Stop the native pair and remove .pg/
	$(PG_PAIR) destroy

run-pg: install pg-up ## Serve the site on http://127.0.0.1:8000 against the native pair
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py migrate --noinput --database default
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py seed --if-empty
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py replication_status
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py runserver 127.0.0.1:8000

test-sqlite: install ## The whole suite on the embedded SQLite (the PostgreSQL tests deselected)
	$(PY) -m pytest -m "not postgres"

test-pg: install pg-up ## The whole suite against the native pair (starts it when needed)
	$(PG_ENV) $(PY) -m pytest

# Compose reads its credentials from .env; the first `make up` writes one from
# .env.example with fresh random secrets (git-ignored, never committed).
.env:
	$(PYTHON) -c "import pathlib, re, secrets; \
	text = pathlib.Path('.env.example').read_text(); \
	pathlib.Path('.env').write_text(re.sub('change-me', lambda _: secrets.token_hex(24), text))"
	@echo "wrote .env with random secrets"

up: | .env ## docker compose: build and start primary, standby and web (http://127.0.0.1:8000)
	$(COMPOSE) up --build --detach --wait

down: ## docker compose: stop the stack (volumes kept; `docker compose down -v` drops them)
	$(COMPOSE) down

logs: ## docker compose: follow the logs of every service
	$(COMPOSE) logs --follow

compose-seed: ## docker compose: fill the demo data on the primary (only when it is empty)
	$(COMPOSE) exec web python manage.py seed --if-empty
