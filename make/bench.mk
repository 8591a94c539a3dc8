# The benchmark at scale: `make bench` (BENCH_SCALE timecards, a million by default).
# Included by the Makefile; uses its PY, install and pg-up. See BENCHMARKS.md.

BENCH_SCALE ?= 1000000

.PHONY: bench chaos chaos-short chaos-failover chaos-failover-short chaos-failover-compose

bench: install pg-up ## Benchmark at BENCH_SCALE timecards (default 1M) into BENCHMARKS.md
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	@command -v wrk >/dev/null || { echo "bench: wrk is missing (Debian: apt-get install wrk)" >&2; exit 1; }
	@# The figures are the primary's and one standby's: a second standby left running by
	@# `make test-pg` would replay the benchmark's WAL on the same cores.
	$(PG_PAIR) stop-standby 2
	BENCH_SCALE=$(BENCH_SCALE) $(PY) -m bench

CHAOS_SECONDS ?= 120

chaos: install pg-up ## The site under load while its standby fails (CHAOS_SECONDS, 120): RELIABILITY.md
	$(PY) -m bench.chaos --seconds $(CHAOS_SECONDS) --markdown RELIABILITY.md

# What `make test` runs: 15 s of the same (each failure in turn, held 2 s) at a slower
# pace (it shares the machine with the other tests), failing on any broken promise. It
# has a primary and standby of its own (.pg-chaos/, on PG_CHAOS_PRIMARY_PORT and
# PG_CHAOS_STANDBY_PORT), stopped again afterwards, so that it runs beside the
# PostgreSQL tests, which stop and pause the main pair's standbys.
PG_CHAOS_PRIMARY_PORT ?= 25442
PG_CHAOS_STANDBY_PORT ?= 25443
CHAOS_PAIR_ENV := PG_DIR=$(CURDIR)/.pg-chaos PG_STANDBYS=1 \
	PG_PRIMARY_PORT=$(PG_CHAOS_PRIMARY_PORT) PG_STANDBY_PORT=$(PG_CHAOS_STANDBY_PORT)

chaos-short: install
	$(CHAOS_PAIR_ENV) $(PG_PAIR) up
	$(CHAOS_PAIR_ENV) $(PY) -m bench.chaos --seconds 15 --hold 2 --calm 1 --pace 0.1 \
		--demo 6 8 \
		--out var/bench/chaos-short.json; status=$$?; $(CHAOS_PAIR_ENV) $(PG_PAIR) down; \
		exit $$status

# The primary killed under load (bench/failover.py): three nodes of its own in
# .pg-failover/ (PG_FAILOVER_*_PORT), stopped again afterwards. Synchronous replication;
# FAILOVER_MODE=asynchronous measures what that mode puts at risk instead.
PG_FAILOVER_PRIMARY_PORT ?= 25452
PG_FAILOVER_STANDBY_PORT ?= 25453
PG_FAILOVER_STANDBY_2_PORT ?= 25454
FAILOVER_SECONDS ?= 60
FAILOVER_MODE ?= synchronous
FAILOVER_PAIR_ENV := PG_DIR=$(CURDIR)/.pg-failover PG_STANDBYS=2 PG_REPLICATION_MODE=$(FAILOVER_MODE) \
	PG_PRIMARY_PORT=$(PG_FAILOVER_PRIMARY_PORT) PG_STANDBY_PORT=$(PG_FAILOVER_STANDBY_PORT) \
	PG_STANDBY_2_PORT=$(PG_FAILOVER_STANDBY_2_PORT)

chaos-failover: install ## The primary killed under load, a standby promoted, nothing confirmed lost: RELIABILITY.md
	$(FAILOVER_PAIR_ENV) $(PY) -m bench.failover --mode $(FAILOVER_MODE) \
		--seconds $(FAILOVER_SECONDS) --markdown RELIABILITY.md; \
		status=$$?; $(FAILOVER_PAIR_ENV) $(PG_PAIR) down; exit $$status

# The same against the compose stack (make up, seeded): Patroni promotes the standby.
chaos-failover-compose: install up compose-seed ## The same on compose: the leader's container killed, Patroni elects the next
	COMPOSE="$(COMPOSE)" $(PY) -m bench.failover --cluster compose \
		--seconds $(FAILOVER_SECONDS) --before-rejoin 20 --markdown RELIABILITY.md

# What `make test` runs: the same in 14 s at a slower pace (it shares the machine with the
# other tests), failing on any broken promise.
chaos-failover-short: install
	$(FAILOVER_PAIR_ENV) $(PY) -m bench.failover --mode synchronous \
		--seconds 14 --before-kill 3 --before-rejoin 3 \
		--pace 0.3 \
		--out var/bench/failover-short.json; status=$$?; $(FAILOVER_PAIR_ENV) $(PG_PAIR) down; \
		exit $$status
