#!/usr/bin/env bash
# Prepare a freshly initialised primary for its streaming standby: a replication role, a
# physical replication slot, a pg_hba.conf line that lets the role replicate, and an
# `include` of the shared reporting-replica.conf.
#
# docker/postgres/native-pair.sh runs it against the native leader with PGHOST/PGPORT
# set, on every `up`: each step is idempotent. (In compose, Patroni makes the role and
# the slots itself, and includes reporting-replica.conf as its custom_conf.)
#
# Environment:
#   PGDATA                   data folder of the primary (edits its .conf files)
#   POSTGRES_USER            superuser to connect as (default postgres)
#   REPLICATION_USER         role the standby connects as (default replicator)
#   REPLICATION_PASSWORD     its password; empty for a role without one (trust on loopback)
#   REPLICATION_SLOT         physical slot the standby streams from (default standby)
#   REPLICATION_HBA_ADDRESS  where the standby may replicate from (default all)
#   REPLICATION_HBA_METHOD   how it authenticates (default scram-sha-256)
#   REPORTING_REPLICA_CONF   shared settings file to include (empty: include none)
set -o errexit -o nounset -o pipefail

: "${PGDATA:?set PGDATA to the data folder of the primary}"
superuser="${POSTGRES_USER:-postgres}"
replication_user="${REPLICATION_USER:-replicator}"
replication_password="${REPLICATION_PASSWORD:-}"
replication_slot="${REPLICATION_SLOT:-standby}"
hba_address="${REPLICATION_HBA_ADDRESS:-all}"
hba_method="${REPLICATION_HBA_METHOD:-scram-sha-256}"
settings_file="${REPORTING_REPLICA_CONF:-}"

# Append a line to a file unless the file already has it, so a second run changes nothing.
append_once() {
	local line="$1" file="$2"
	if ! grep --quiet --line-regexp --fixed-strings -- "$line" "$file"; then
		printf '%s\n' "$line" >>"$file"
	fi
}

if [ -n "$settings_file" ]; then
	if [ ! -r "$settings_file" ]; then
		echo "primary-init: cannot read $settings_file" >&2
		exit 1
	fi
	append_once "include '$settings_file'" "$PGDATA/postgresql.conf"
fi

# A "host all" line does not cover replication connections: they need their own line.
append_once "host replication $replication_user $hba_address $hba_method" "$PGDATA/pg_hba.conf"

# The slot reserves WAL from now on (immediately_reserve), so a standby that is cloned a
# little later still finds every segment it needs.
psql --no-psqlrc --quiet --output=/dev/null -v ON_ERROR_STOP=1 \
	--username "$superuser" --dbname postgres \
	--set=replication_user="$replication_user" \
	--set=replication_password="$replication_password" \
	--set=replication_slot="$replication_slot" <<-'SQL'
		select format('create role %I', :'replication_user')
		where not exists (select from pg_roles where rolname = :'replication_user') \gexec
		select format('alter role %I with login replication password %L',
		              :'replication_user', nullif(:'replication_password', '')) \gexec
		select pg_create_physical_replication_slot(:'replication_slot', true)
		where not exists (
		    select from pg_replication_slots where slot_name = :'replication_slot'
		);
		select pg_reload_conf();
	SQL
echo "primary-init: role $replication_user, slot $replication_slot, replication allowed from $hba_address"
