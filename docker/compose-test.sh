#!/usr/bin/env bash
# `make compose-test`: the compose stack built and run for real, checked through its
# published port, then removed, whatever happens.
#
#   1. A Docker engine: when none answers, as root, install Debian's docker.io and
#      docker-compose if missing and start dockerd (vfs storage driver).
#   2. `make up` (base image, wheels, images, start, wait until healthy), `make
#      compose-seed`.
#   3. docker/compose-check.py: as the logged-in staff demo user, through
#      http://127.0.0.1:$WEB_HOST_PORT, the report pages served by standby nodes, a
#      timecard saved through the site on every standby; then the leader's container
#      killed: a save goes through on the new leader (sent again after each 503), nothing
#      confirmed is lost or saved twice, the reports on a standby of the new leader, and
#      the old leader back as a standby.
#   4. `make down`: the stack, its network and its volumes removed (also on failure), and
#      checked gone.
#
# Synchronous replication (REPLICATION_MODE, unless set): a save is confirmed only once a
# standby has it, so the failover may lose none. Bounded by COMPOSE_TEST_TIMEOUT_SECONDS
# (600, image builds on a cold machine included; the teardown comes on top).
set -o errexit -o nounset -o pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
compose="${COMPOSE:-docker-compose}"
project="${COMPOSE_PROJECT_NAME:-timetrack}"
export COMPOSE_PROJECT_NAME="$project"
# A short cool-down, so that the reports return to a restarted standby within the test.
export STANDBY_COOL_DOWN_SECONDS="${STANDBY_COOL_DOWN_SECONDS:-2}"
export REPLICATION_MODE="${REPLICATION_MODE:-synchronous}"
started=$SECONDS

say() {
	echo "compose-test: $* ($((SECONDS - started)) s)"
}

engine_answers() {
	docker info >/dev/null 2>&1
}

ensure_engine() {
	engine_answers && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "compose-test: no Docker engine answers, and starting one needs root" >&2
		exit 1
	fi
	if ! command -v dockerd >/dev/null || ! command -v docker-compose >/dev/null; then
		say "installing Debian's docker.io and docker-compose"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			docker.io docker-compose iptables >/dev/null
	fi
	say "starting dockerd (vfs storage driver)"
	mkdir -p /var/log
	nohup dockerd --storage-driver=vfs >/var/log/dockerd-compose-test.log 2>&1 &
	local deadline=$((SECONDS + 60))
	until engine_answers; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "compose-test: dockerd did not answer within 60 s:" >&2
			tail -n 20 /var/log/dockerd-compose-test.log >&2
			exit 1
		fi
		sleep 0.5
	done
}

leftovers() {
	local label="label=com.docker.compose.project=$project"
	{
		docker ps --all --quiet --filter "$label"
		docker volume ls --quiet --filter "$label"
		docker network ls --quiet --filter "$label"
	} | wc -l
}

teardown() {
	local status=$?
	trap - EXIT
	if [ "$status" != 0 ]; then
		echo "compose-test: FAILED; the stack's last log lines:" >&2
		$compose logs --tail 40 >&2 || true
	fi
	make --no-print-directory down COMPOSE="$compose" >/dev/null 2>&1 || true
	if [ "$(leftovers)" != 0 ]; then
		echo "compose-test: containers, volumes or networks of $project are left behind" >&2
		status=1
	else
		say "the stack, its network and its volumes are gone"
	fi
	exit "$status"
}

# Each step may take what is left of the budget: the whole run stays within it, and the
# teardown (an EXIT trap of this shell) still runs when a step is stopped.
deadline=$((SECONDS + ${COMPOSE_TEST_TIMEOUT_SECONDS:-600}))

within_budget() {
	local left=$((deadline - SECONDS))
	if [ "$left" -le 0 ]; then
		echo "compose-test: out of time before: $*" >&2
		return 1
	fi
	timeout --kill-after=10 "$left" "$@"
}

ensure_engine
trap teardown EXIT
# A stack of an earlier, interrupted run would make this one pass or fail for nothing.
make --no-print-directory down COMPOSE="$compose" >/dev/null 2>&1 || true
say "make up"
within_budget make --no-print-directory up COMPOSE="$compose"
say "make compose-seed"
within_budget make --no-print-directory compose-seed COMPOSE="$compose"
say "checking the site through its published port"
COMPOSE="$compose" within_budget python3 docker/compose-check.py
say "passed"
