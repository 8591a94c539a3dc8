#!/usr/bin/env bash
# Entrypoint of the web image: bring the primary's schema up to date, then run the
# command (gunicorn by default) in this process, so it receives the container's signals.
#
# Migrations run against the primary only: the standbys are read-only and receive the
# schema by replication (the router refuses to migrate them anyway). Compose starts this
# container once the primary and the first standby are healthy.
set -o errexit -o nounset -o pipefail

python manage.py migrate --database default --noinput

exec "$@"
