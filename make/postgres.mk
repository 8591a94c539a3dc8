# PostgreSQL: the native primary + streaming standbys (pg-*), and the docker compose stack.
# Included by the Makefile; uses its PY, DEV_ENV and install.

PG_PAIR := bash docker/postgres/native-pair.sh
# How many standbys pg-up, pg-status, run-pg and up use: `make pg-up STANDBYS=2`.
STANDBYS ?= 1
ifeq ($(filter 1 2,$(STANDBYS)),)
$(error STANDBYS is 1 or 2, not '$(STANDBYS)')
endif
# The servers' ports: set them all to run beside another checkout's servers.
PG_PRIMARY_PORT ?= 25432
PG_STANDBY_PORT ?= 25433
PG_STANDBY_2_PORT ?= 25434
PG_STANDBYS := $(STANDBYS)
# asynchronous (the default) or synchronous: a save is confirmed only once a standby has it
# too, and a failover loses no confirmed save (README: "When the primary fails").
PG_REPLICATION_MODE ?= asynchronous
export PG_PRIMARY_PORT PG_STANDBY_PORT PG_STANDBY_2_PORT PG_STANDBYS PG_REPLICATION_MODE
PG_URL := postgres://postgres@127.0.0.1
STANDBY_URLS_1 := $(PG_URL):$(PG_STANDBY_PORT)/timetrack
STANDBY_URLS_2 := $(STANDBY_URLS_1),$(PG_URL):$(PG_STANDBY_2_PORT)/timetrack
# The site against the native servers, whichever of them leads: writes on the node that
# accepts them (every node in one URL, libpq's target_session_attrs=read-write), reports
# on every node as a member of the standby group (the leader is left out as no standby).
NODES_1 := 127.0.0.1:$(PG_PRIMARY_PORT),127.0.0.1:$(PG_STANDBY_PORT)
NODES_2 := $(NODES_1),127.0.0.1:$(PG_STANDBY_2_PORT)
MEMBERS_1 := $(PG_URL):$(PG_PRIMARY_PORT)/timetrack,$(STANDBY_URLS_1)
MEMBERS_2 := $(PG_URL):$(PG_PRIMARY_PORT)/timetrack,$(STANDBY_URLS_2)
PG_ENV := DATABASE_URL='postgres://postgres@$(NODES_$(STANDBYS))/timetrack?target_session_attrs=read-write' \
	STANDBY_DATABASE_URLS=$(MEMBERS_$(STANDBYS))
# The group tests (pytest -m postgres_group): the primary and two standbys.
PG_GROUP_ENV := DATABASE_URL=$(PG_URL):$(PG_PRIMARY_PORT)/timetrack \
	STANDBY_DATABASE_URLS=$(STANDBY_URLS_2)
# `docker compose` (v2) where it exists, else docker-compose (1.29, Debian's): compose.yaml
# is written for both.
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo "docker compose" || echo docker-compose)
export COMPOSE_PROJECT_NAME ?= timetrack

.PHONY: pg-up pg-down pg-status pg-destroy pg-failover pg-switchover run-pg test-sqlite test-own-site test-pg up down logs compose-seed \
	compose-test docker-ready web-wheels test-pg-first-pass test-pg-one test-pg-group test-pg-group-apart

pg-up: ## Start the native primary (127.0.0.1:25432) and STANDBYS standbys (25433, 25434) in .pg/
	$(PG_PAIR) up

pg-down: ## Stop the native servers (their data stays in .pg/)
	$(PG_PAIR) down

pg-status: ## Every native server, the replication state and the lag (fails if one is down)
	$(PG_PAIR) status

pg-destroy: ## Stop the native servers and remove .pg/
	$(PG_PAIR) destroy

pg-failover: ## The leader is lost: stop it at once, promote the most advanced standby (`make pg-up` brings it back)
	$(PG_PAIR) failover

# The tests expect `primary` to lead: after a failover, hand the lead back without loss.
pg-switchover: ## Make NODE (primary by default) lead again, stopping the leader cleanly first
	$(PG_PAIR) switchover $(or $(NODE),primary)

run-pg: install pg-up ## Serve the site on http://127.0.0.1:8000 against the native servers (PORT=8123 for another port)
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py migrate --noinput --database default
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py seed --if-empty --site-url $(SITE_URL)
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py replication_status
	$(DEV_ENV) $(PG_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test-sqlite: install ## The whole suite on the embedded SQLite (the PostgreSQL tests deselected)
	$(PY) -m pytest -m "not postgres and not postgres_group and not own_site"

# The tests that start a site of their own (gunicorn): in make test's third lane.
test-own-site: install
	$(PY) -m pytest -p no:cacheprovider -m own_site

# The tests that use a database against the primary and one standby (those that use none,
# the browser's and the pages' run the same on SQLite: test-sqlite has them), then the
# group tests against the primary and two standbys.
test-pg: install ## The database tests against the native servers (starts them when needed)
	$(MAKE) test-pg-first-pass
	$(MAKE) test-pg-group

test-pg-first-pass: install
	$(MAKE) pg-up STANDBYS=2
	$(MAKE) pg-switchover STANDBYS=2
	$(MAKE) test-pg-one

test-pg-one: install
	DATABASE_URL=$(PG_URL):$(PG_PRIMARY_PORT)/timetrack STANDBY_DATABASE_URLS=$(STANDBY_URLS_1) \
		$(PY) -m pytest -p no:cacheprovider -m "not postgres_group and not no_database and not browser and not pages"

test-pg-group: install
	$(PG_GROUP_ENV) $(PY) -m pytest -p no:cacheprovider -m postgres_group

# What `make test` runs of the group tests: the same on servers of their own in .pg-group/
# (PG_GROUP_*_PORT), so that they go on beside the first pass; stopped again afterwards.
PG_GROUP_PRIMARY_PORT ?= 25462
PG_GROUP_STANDBY_PORT ?= 25463
PG_GROUP_STANDBY_2_PORT ?= 25464
GROUP_PAIR_ENV := PG_DIR=$(CURDIR)/.pg-group PG_STANDBYS=2 PG_REPLICATION_MODE=asynchronous \
	PG_PRIMARY_PORT=$(PG_GROUP_PRIMARY_PORT) PG_STANDBY_PORT=$(PG_GROUP_STANDBY_PORT) \
	PG_STANDBY_2_PORT=$(PG_GROUP_STANDBY_2_PORT)

# Every server make test uses, up (no Python: it runs beside the virtual environment's install).
test-servers-up:
	PG_STANDBYS=2 $(PG_PAIR) up
	$(GROUP_PAIR_ENV) $(PG_PAIR) up
	$(CHAOS_PAIR_ENV) $(PG_PAIR) up
	$(FAILOVER_PAIR_ENV) $(PG_PAIR) up

test-servers-down:
	$(GROUP_PAIR_ENV) $(PG_PAIR) down
	$(CHAOS_PAIR_ENV) $(PG_PAIR) down
	$(FAILOVER_PAIR_ENV) $(PG_PAIR) down

test-pg-group-apart: install
	$(GROUP_PAIR_ENV) $(PG_PAIR) up
	$(GROUP_PAIR_ENV) DATABASE_URL=$(PG_URL):$(PG_GROUP_PRIMARY_PORT)/timetrack \
		STANDBY_DATABASE_URLS=$(PG_URL):$(PG_GROUP_STANDBY_PORT)/timetrack,$(PG_URL):$(PG_GROUP_STANDBY_2_PORT)/timetrack \
		$(PY) -m pytest -p no:cacheprovider -m postgres_group; \
		status=$$?; $(GROUP_PAIR_ENV) $(PG_PAIR) down; exit $$status

# Compose reads its credentials from .env; the first `make up` writes one from
# .env.example with fresh random secrets (git-ignored, never committed).
.env:
	$(PYTHON) -c "import pathlib, re, secrets; \
	text = pathlib.Path('.env.example').read_text(); \
	pathlib.Path('.env').write_text(re.sub('change-me', lambda _: secrets.token_hex(24), text))"
	@echo "wrote .env with random secrets"

# How many standbys compose runs beside the leader: 2 (three nodes) unless STANDBYS says
# otherwise; with 1, node-3 (the third-node profile) stays off and web lists two nodes.
COMPOSE_STANDBY_COUNT := $(if $(filter command line environment,$(origin STANDBYS)),$(STANDBYS),2)
COMPOSE_STANDBYS_1 := DATABASE_NODES=node-1:5432,node-2:5432 STANDBY_HOSTS=node-1,node-2
COMPOSE_STANDBYS_2 := COMPOSE_PROFILES=third-node

docker-ready:
	@docker info >/dev/null 2>&1 || { echo "make: no Docker engine answers: start dockerd" \
		"(as root: dockerd --storage-driver=vfs &), or run \`make compose-test\` as root," \
		"which installs and starts it" >&2; exit 1; }

web-wheels: install ## Build the web image's dependency wheels on the host (docker/web/wheels/)
	bash docker/web/wheels.sh $(PY)

up: docker-ready web-wheels | .env ## docker compose: build and start etcd, three Patroni nodes (STANDBYS=1: two) and web; wait until healthy
	bash docker/base-image.sh
	$(COMPOSE_STANDBYS_$(COMPOSE_STANDBY_COUNT)) $(COMPOSE) up --build --detach
	$(COMPOSE_STANDBYS_$(COMPOSE_STANDBY_COUNT)) COMPOSE="$(COMPOSE)" bash docker/compose-wait.sh
	@# The replication mode and Patroni's timings of .env, also on a cluster made before.
	$(COMPOSE) exec -T node-1 setpriv --reuid=postgres --regid=postgres --init-groups \
		/opt/timetrack/postgres/patroni-settings.sh
	@echo "the site: http://127.0.0.1:$${WEB_HOST_PORT:-8000} (make compose-seed for demo data)"

down: ## docker compose: stop and remove the stack, third node and data volumes included
	COMPOSE_PROFILES=third-node $(COMPOSE) down --volumes --remove-orphans

logs: ## docker compose: follow the logs of every service
	$(COMPOSE) logs --follow

compose-seed: ## docker compose: fill the demo data on the primary (only when it is empty)
	$(COMPOSE) exec -T web python manage.py seed --if-empty \
		--site-url http://127.0.0.1:$${WEB_HOST_PORT:-8000}/

compose-test: install ## docker compose for real: up, seed, check through the published port, down
	COMPOSE="$(COMPOSE)" bash docker/compose-test.sh
