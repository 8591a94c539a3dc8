#!/usr/bin/env bash
# Entrypoint of the compose `standby` service (official postgres image, started as root).
#
# Before the server starts, standby-clone.sh makes the data volume a copy of the primary
# (pg_basebackup -R into an empty volume; again when the primary was initialised anew),
# as the postgres user. Then the image's own entrypoint takes over: it finds PG_VERSION,
# skips initdb and the init scripts, and starts a hot standby (standby.signal is there).
# Compose starts this service only once the primary is healthy (depends_on).
set -o errexit -o nounset -o pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

# The volume's mount point belongs to root on some engines: hand it to postgres first.
mkdir -p "$PGDATA"
chown postgres:postgres "$PGDATA"
chmod 0700 "$PGDATA"

PGPASSWORD="${REPLICATION_PASSWORD:?REPLICATION_PASSWORD must be set}" \
	gosu postgres "$(dirname "$0")/standby-clone.sh"

exec docker-entrypoint.sh "$@"
