#!/usr/bin/env bash
# Make $PGDATA a streaming hot standby of the primary, unless it already is a copy of it.
#
# Used by docker/postgres/native-pair.sh (the native servers, with the standby stopped;
# in compose, Patroni clones its standbys itself). Run it as the user that owns the data
# folder, with the server binaries on PATH.
#
#   - $PGDATA holds a copy of this primary (same database system identifier, still a
#     standby) and its slot still holds the WAL it needs: nothing to do, the server resumes
#     streaming where it stopped. A slot that is gone or was given up (past
#     max_slot_wal_keep_size, while the standby was away) means a new clone.
#   - $PGDATA holds a copy of another primary (the primary was initialised again, and the
#     standby would only log "database system identifier differs") or is no standby any
#     more: its contents are removed and it is cloned again. A standby is a copy: nothing
#     is lost that the primary does not have.
#   - The primary cannot be reached: an existing copy starts as it is (and streams once
#     the primary is back); an empty $PGDATA is an error.
#   - $PGDATA is empty: pg_basebackup -R clones the primary into it. -R writes
#     standby.signal, primary_conninfo and primary_slot_name (with PGPASSWORD set, the
#     password too, in plain text: keep the folder private).
#
# Environment:
#   PGDATA            data folder of the standby (kept, only its contents are replaced:
#                     it may be a volume's mount point)
#   PRIMARY_HOST      primary to clone and stream from
#   PRIMARY_PORT      its port (default 5432)
#   REPLICATION_USER  role with REPLICATION (default replicator); PGPASSWORD if it needs one
#   REPLICATION_SLOT  physical slot to stream from (default standby)
#   STANDBY_NAME      application_name the primary sees in pg_stat_replication (default standby)
set -o errexit -o nounset -o pipefail

: "${PGDATA:?set PGDATA to the data folder of the standby}"
: "${PRIMARY_HOST:?set PRIMARY_HOST to the host of the primary}"
slot="${REPLICATION_SLOT:-standby}"
primary="host=$PRIMARY_HOST port=${PRIMARY_PORT:-5432} user=${REPLICATION_USER:-replicator}"
primary="$primary application_name=${STANDBY_NAME:-standby} connect_timeout=10"

# One command of the replication protocol (IDENTIFY_SYSTEM, DROP_REPLICATION_SLOT): the
# replication role may open replication connections only, not query a database.
replication_command() {
	psql --no-psqlrc --no-password --tuples-only --no-align \
		--dbname "$primary replication=true" --command "$1"
}

is_standby_copy() {
	[ -s "$PGDATA/PG_VERSION" ] && [ -f "$PGDATA/standby.signal" ]
}

if ! identity="$(replication_command IDENTIFY_SYSTEM)"; then
	if is_standby_copy; then
		# A replica that serves slightly old data beats none while the primary is away.
		echo "standby-clone: the primary at $PRIMARY_HOST cannot be reached; starting the" \
			"existing copy, which streams again once the primary is back" >&2
		exit 0
	fi
	echo "standby-clone: the primary at $PRIMARY_HOST cannot be reached to clone it" >&2
	exit 1
fi
primary_system="${identity%%|*}"

# The slot's restart position: empty when the slot is gone, or when it was given up
# past max_slot_wal_keep_size (the WAL this copy still needs is removed).
slot_position="$(replication_command "READ_REPLICATION_SLOT $slot" | cut -d '|' -f 2)"

if [ -s "$PGDATA/PG_VERSION" ]; then
	local_system="$(pg_controldata "$PGDATA" | sed -n 's/^Database system identifier: *//p')"
	if [ "$local_system" != "$primary_system" ]; then
		echo "standby-clone: $PGDATA is no standby of this primary (system ${local_system:-?}," \
			"primary $primary_system): cloning it again" >&2
	elif ! is_standby_copy; then
		# A primary that failed over rejoins as a copy: it may hold commits that the new
		# primary never received (it went another way), so it is not resumed.
		echo "standby-clone: $PGDATA is no standby (an old primary): cloning it again" >&2
	elif [ -z "$slot_position" ]; then
		echo "standby-clone: slot $slot is gone or lost the WAL this copy needs:" \
			"cloning it again" >&2
	else
		echo "standby-clone: $PGDATA is a standby of this primary (system $primary_system)"
		exit 0
	fi
fi

mkdir -p "$PGDATA"
chmod 0700 "$PGDATA"
find "$PGDATA" -mindepth 1 -delete

# A fresh copy takes a fresh slot: an old one may have been invalidated past
# max_slot_wal_keep_size, or may hold WAL for a copy that is gone. A slot that is still in
# use by a running standby is not dropped, and --create-slot then fails loudly.
if ! error="$(replication_command "DROP_REPLICATION_SLOT $slot" 2>&1 >/dev/null)"; then
	case "$error" in
	*"does not exist"*) ;;
	*) echo "standby-clone: could not drop slot $slot: $error" >&2 ;;
	esac
fi

pg_basebackup --dbname "$primary" --pgdata "$PGDATA" --no-password \
	--wal-method stream --checkpoint fast --create-slot --slot "$slot" --write-recovery-conf
echo "standby-clone: cloned the primary (system $primary_system) into $PGDATA, slot $slot"
