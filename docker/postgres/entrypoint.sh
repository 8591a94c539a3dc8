#!/usr/bin/env bash
# Entrypoint of the compose stack's PostgreSQL image (docker/postgres/Dockerfile), started
# as root; the server itself runs as the postgres user, as this process (exec), so that it
# receives the container's signals.
#
# POSTGRES_ROLE=primary: the first start (an empty data volume) creates the cluster, the
#   superuser POSTGRES_USER with POSTGRES_PASSWORD, the database POSTGRES_DB, and, with
#   primary-init.sh (as the native servers do), the replication role, its slot, its
#   pg_hba.conf line and the include of reporting-replica.conf. Later starts reuse it.
# POSTGRES_ROLE=standby: standby-clone.sh makes the data volume a copy of the primary
#   (pg_basebackup -R; again when the primary was made anew), then the server starts as a
#   hot standby that streams from it.
#
# Connections: any address with a password (scram-sha-256); inside the container, the
# local socket without one (the health checks). Compose publishes the ports on 127.0.0.1.
set -o errexit -o nounset -o pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA
here="$(dirname "$0")"

as_postgres() {
	setpriv --reuid=postgres --regid=postgres --init-groups "$@"
}

init_primary() {
	: "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
	local password_file
	password_file="$(mktemp)"
	printf '%s\n' "$POSTGRES_PASSWORD" >"$password_file"
	chown postgres: "$password_file"
	as_postgres initdb --pgdata "$PGDATA" --username "$POSTGRES_USER" \
		--pwfile "$password_file" --auth-local trust --auth-host scram-sha-256 \
		--encoding UTF8 --no-locale >/dev/null
	rm -f "$password_file"
	as_postgres tee -a "$PGDATA/postgresql.conf" >/dev/null <<-CONF

		# --- compose (docker/postgres/entrypoint.sh) ---
		listen_addresses = '*'
	CONF
	echo "host all all all scram-sha-256" | as_postgres tee -a "$PGDATA/pg_hba.conf" >/dev/null

	# A server on the local socket only while the cluster is prepared: nobody outside
	# connects to it, and the health check (over TCP) waits for the real start.
	as_postgres pg_ctl start --pgdata "$PGDATA" --wait --silent \
		--options "-c listen_addresses=''" --log "$PGDATA/init.log"
	as_postgres psql --no-psqlrc --quiet --username "$POSTGRES_USER" --dbname postgres \
		--set ON_ERROR_STOP=1 --set db="${POSTGRES_DB:-$POSTGRES_USER}" <<-'SQL'
			select format('create database %I', :'db')
			where not exists (select from pg_database where datname = :'db') \gexec
		SQL
	as_postgres env REPORTING_REPLICA_CONF="$here/reporting-replica.conf" \
		"$here/primary-init.sh"
	as_postgres pg_ctl stop --pgdata "$PGDATA" --mode fast --wait --silent
	rm -f "$PGDATA/init.log"
	echo "entrypoint: primary initialised in $PGDATA"
}

# The volume's mount point belongs to root on some engines: hand it to postgres first.
mkdir -p "$PGDATA"
chown postgres: "$PGDATA"
chmod 0700 "$PGDATA"

case "${POSTGRES_ROLE:-}" in
primary)
	if [ ! -s "$PGDATA/PG_VERSION" ]; then
		init_primary
	fi
	;;
standby)
	PGPASSWORD="${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}" \
		as_postgres "$here/standby-clone.sh"
	;;
*)
	echo "entrypoint: set POSTGRES_ROLE to primary or standby" >&2
	exit 2
	;;
esac

if [ "$1" = postgres ]; then
	shift
	exec setpriv --reuid=postgres --regid=postgres --init-groups postgres -D "$PGDATA" "$@"
fi
exec "$@"
