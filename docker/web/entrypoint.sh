#!/usr/bin/env bash
# Entrypoint of the web image: bring the primary's schema up to date, then run the
# command (gunicorn by default) in this process, so it receives the container's signals.
#
# Migrations run against the primary only: the standby is read-only and receives the
# schema by replication (the router refuses to migrate it anyway). Compose starts this
# container once both databases are healthy.
set -o errexit -o nounset -o pipefail

python manage.py migrate --database default --noinput

exec "$@"
