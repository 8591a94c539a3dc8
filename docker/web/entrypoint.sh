#!/usr/bin/env bash
# Entrypoint of the web image: bring the primary's schema up to date, then run the
# command (gunicorn by default) in this process, so it receives the container's signals.
#
# Migrations run against the primary only: the standbys are read-only and receive the
# schema by replication (the router refuses to migrate them anyway). Compose starts this
# container once the first nodes run; Patroni may not have elected a leader yet, so the
# migrations wait until a node accepts writes, for up to DATABASE_WAIT_SECONDS (90). A
# migration that fails then fails the start, with its own error.
set -o errexit -o nounset -o pipefail

deadline=$((SECONDS + ${DATABASE_WAIT_SECONDS:-90}))
until python manage.py shell --no-imports \
	-c "from django.db import connection; connection.ensure_connection()" 2>/dev/null; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "entrypoint: no database accepted writes within ${DATABASE_WAIT_SECONDS:-90} s" >&2
		exit 1
	fi
	echo "entrypoint: no leader yet; trying again in 2 s" >&2
	sleep 2
done
python manage.py migrate --database default --noinput

exec "$@"
