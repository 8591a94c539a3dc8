#!/usr/bin/env bash
# Entrypoint of the web image: bring the primary's schema up to date, then run the
# command (gunicorn by default) in this process, so it receives the container's signals.
#
# Migrations run against the primary only: the standbys are read-only and receive the
# schema by replication (the router refuses to migrate them anyway). Compose starts this
# container once the first nodes run; Patroni may not have elected a leader yet, so a
# migration that finds no node accepting writes is tried again, for up to
# DATABASE_WAIT_SECONDS (90).
set -o errexit -o nounset -o pipefail

deadline=$((SECONDS + ${DATABASE_WAIT_SECONDS:-90}))
until python manage.py migrate --database default --noinput; do
	if [ "$SECONDS" -ge "$deadline" ]; then
		echo "entrypoint: no database accepted the migrations within ${DATABASE_WAIT_SECONDS:-90} s" >&2
		exit 1
	fi
	echo "entrypoint: no leader yet; trying again in 2 s" >&2
	sleep 2
done

exec "$@"
