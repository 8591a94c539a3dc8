#!/usr/bin/env bash
# Wait until every container of the compose stack is healthy (or, for one without a health
# check, running), for `make up`: docker-compose 1.29 has no `up --wait`. Fails, with the
# logs of the culprit, when a container exits or turns unhealthy, or after the deadline.
#
#   COMPOSE="docker-compose" docker/compose-wait.sh [SECONDS]   (default 180)
set -o errexit -o nounset -o pipefail

compose="${COMPOSE:-docker-compose}"
deadline=$((SECONDS + ${1:-180}))

state_of() {
	docker inspect --format \
		'{{.Name}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$1"
}

while :; do
	waiting=""
	for container in $($compose ps -q); do
		read -r name state <<<"$(state_of "$container")"
		case "$state" in
		healthy | running) ;;
		starting) waiting="$waiting ${name#/}" ;;
		*)
			echo "compose-wait: ${name#/} is $state; its last log lines:" >&2
			docker logs --tail 30 "$container" >&2 || true
			exit 1
			;;
		esac
	done
	if [ -z "$waiting" ]; then
		echo "compose-wait: every service is up ($((SECONDS)) s)"
		exit 0
	fi
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "compose-wait: still starting after the deadline:$waiting" >&2
		exit 1
	fi
	sleep 1
done
