#!/usr/bin/env bash
# Entrypoint of the compose stack's PostgreSQL nodes (docker/postgres/Dockerfile), started
# as root: writes Patroni's configuration from the environment, then runs Patroni as the
# postgres user in this process (exec), so that it receives the container's signals.
#
# Patroni, not this script, decides each node's role: the first node to take the leader
# key in etcd initialises the cluster (initdb, the superuser POSTGRES_USER with
# POSTGRES_PASSWORD, the replication role, then patroni-post-bootstrap.sh: the database
# POSTGRES_DB) and leads; the others clone it (pg_basebackup) and stream from it. When
# the leader is lost (its key expires after `ttl`, or it hands the key over when stopped)
# a standby that is close enough (`maximum_lag_on_failover`) takes over; the old leader
# comes back as a standby (pg_rewind). Settings shared with the native servers:
# reporting-replica.conf, included as Patroni's custom_conf (in place of initdb's
# postgresql.conf, so PostgreSQL's own defaults hold for everything else: time zone
# GMT, which the site does not rely on, as it writes UTC).
#
# Environment: NODE_NAME (this node, also its host name on the compose network),
# POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB, REPLICATION_USER, REPLICATION_PASSWORD,
# REPLICATION_MODE (asynchronous or synchronous: Patroni's synchronous_mode), ETCD_HOSTS
# (etcd:2379), and Patroni's timings: PATRONI_TTL (10), PATRONI_LOOP_WAIT (2),
# PATRONI_RETRY_TIMEOUT (4), MAXIMUM_LAG_ON_FAILOVER (1048576 bytes).
#
# Connections: any address with a password (scram-sha-256); inside the container, the
# local socket without one (health checks, patronictl). Compose publishes the ports on
# 127.0.0.1.
set -o errexit -o nounset -o pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
here="$(cd "$(dirname "$0")" && pwd)"
config=/etc/patroni/patroni.yml

: "${NODE_NAME:?set NODE_NAME (node-1, node-2, ...)}"
: "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}"
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
case "${REPLICATION_MODE:=asynchronous}" in
asynchronous) synchronous_mode=false ;;
synchronous) synchronous_mode=true ;;
*)
	echo "entrypoint: REPLICATION_MODE must be asynchronous or synchronous, not '$REPLICATION_MODE'" >&2
	exit 2
	;;
esac

# The volume's mount point belongs to root on some engines: hand it to postgres first.
mkdir -p "$PGDATA" /etc/patroni /var/run/postgresql
chown postgres: "$PGDATA" /var/run/postgresql
chmod 0700 "$PGDATA"

# The credentials are not in it: Patroni reads them from its environment
# (PATRONI_SUPERUSER_*, PATRONI_REPLICATION_*, PATRONI_RESTAPI_*), given to it alone
# below, so no value needs quoting for YAML. The REST API answers health checks to
# anyone on the compose network, and changes (a switchover, a new configuration) only
# with its password (PATRONI_API_PASSWORD, else REPLICATION_PASSWORD). etcd itself has
# no authentication: keep the compose network private, as it is.
#
# Written on every start, so a changed setting applies. The bootstrap section matters
# only to the node that initialises the cluster; its `dcs` settings live in etcd from
# then on, and `make up` applies the environment's to them (patroni-settings.sh).
install -m 0600 -o postgres -g postgres /dev/null "$config"
cat >"$config" <<YAML
scope: timetrack
name: ${NODE_NAME}
log:
  level: INFO
restapi:
  listen: 0.0.0.0:8008
  connect_address: ${NODE_NAME}:8008
etcd3:
  hosts: ${ETCD_HOSTS:-etcd:2379}
bootstrap:
  dcs:
    ttl: ${PATRONI_TTL:-10}
    loop_wait: ${PATRONI_LOOP_WAIT:-2}
    retry_timeout: ${PATRONI_RETRY_TIMEOUT:-4}
    maximum_lag_on_failover: ${MAXIMUM_LAG_ON_FAILOVER:-1048576}
    synchronous_mode: ${synchronous_mode}
    postgresql:
      use_pg_rewind: true
      use_slots: true
      # An old leader that cannot be rewound onto the new timeline is cloned again.
      remove_data_directory_on_rewind_failure: true
      remove_data_directory_on_diverged_timelines: true
  initdb:
    - encoding: UTF8
    - no-locale
    - data-checksums
  pg_hba:
    - local all all trust
    - host replication ${REPLICATION_USER:-replicator} all scram-sha-256
    - host all all all scram-sha-256
  post_bootstrap: ${here}/patroni-post-bootstrap.sh
postgresql:
  listen: 0.0.0.0:5432
  connect_address: ${NODE_NAME}:5432
  data_dir: ${PGDATA}
  bin_dir: /usr/lib/postgresql/15/bin
  pgpass: /var/lib/postgresql/.pgpass-patroni
  # A standby's first copy starts at once (pg_basebackup's default waits for a spread
  # checkpoint: minutes on an idle leader).
  basebackup:
    - checkpoint: fast
  custom_conf: ${here}/reporting-replica.conf
  parameters:
    unix_socket_directories: /var/run/postgresql
    password_encryption: scram-sha-256
watchdog:
  mode: off
YAML

if [ "$1" = patroni ]; then
	shift
	exec setpriv --reuid=postgres --regid=postgres --init-groups \
		env POSTGRES_DB="${POSTGRES_DB:-timetrack}" \
		PATRONI_SUPERUSER_USERNAME="$POSTGRES_USER" \
		PATRONI_SUPERUSER_PASSWORD="$POSTGRES_PASSWORD" \
		PATRONI_REPLICATION_USERNAME="${REPLICATION_USER:-replicator}" \
		PATRONI_REPLICATION_PASSWORD="$REPLICATION_PASSWORD" \
		PATRONI_RESTAPI_USERNAME=patroni \
		PATRONI_RESTAPI_PASSWORD="${PATRONI_API_PASSWORD:-$REPLICATION_PASSWORD}" \
		patroni "$config" "$@"
fi
exec "$@"
