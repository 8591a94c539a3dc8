#!/usr/bin/env bash
# Healthy when this server is a hot standby that is streaming from its primary.
#
# pg_isready is not enough: a standby whose primary was replaced still accepts
# connections while it never streams again. Used by the compose healthcheck (inside the
# standby container, POSTGRES_USER and POSTGRES_DB from its environment) and by
# native-pair.sh (PGHOST, PGPORT, PGUSER, PGDATABASE set). Exit status 0 means healthy.
set -o errexit -o nounset -o pipefail

export PGHOST="${PGHOST:-127.0.0.1}"
export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-postgres}}"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-3}"

healthy="$(psql --no-psqlrc --no-password --tuples-only --no-align --command "
	select pg_is_in_recovery()
	   and exists (select 1 from pg_stat_wal_receiver where status = 'streaming')")"
[ "$healthy" = t ]
