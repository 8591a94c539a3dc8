#!/usr/bin/env bash
# A PostgreSQL primary and its streaming hot standbys from the local server binaries.
#
#   native-pair.sh up       start the primary and PG_STANDBYS standbys (create them first if
#                           needed); reuses running ones
#   native-pair.sh down     stop every server, keep their data
#   native-pair.sh status   every server, the replication state and the lag; exit 3 if any
#                           of the PG_STANDBYS standbys (or a running one beyond them) is
#                           not streaming
#   native-pair.sh destroy  stop every server and remove their data
#   native-pair.sh stop-standby [N]  stop standby N (1, the default, or 2, ...) only
#                           (failure tests; `up` restarts it)
#
# The same scripts and settings as the compose stack: primary-init.sh (role, slot,
# pg_hba line, include of reporting-replica.conf), standby-clone.sh (pg_basebackup -R)
# and standby-healthcheck.sh. Loopback only, no Unix sockets, trust authentication:
# a development and test pair, not a production setup.
#
# Environment (defaults in brackets):
#   PG_DIR           data, logs and the copied settings [<repo>/.pg, git-ignored]
#   PG_STANDBYS      how many standbys `up` starts and `status` checks [1]
#   PG_PRIMARY_PORT  [55432]   PG_STANDBY_PORT [55433]   PG_STANDBY_2_PORT [55434]
#   PG_STANDBY_<N>_PORT for a third standby and beyond [55432 + N]
#   PG_DATABASE      [timetrack]
#   PG_BINDIR        server binaries [pg_config --bindir, else the newest
#                    /usr/lib/postgresql/*/bin]
#
# The servers refuse to run as root: invoked as root, every server-side command runs as
# the `postgres` OS user (runuser), which then owns PG_DIR.
set -o errexit -o nounset -o pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

PG_DIR="${PG_DIR:-$repo/.pg}"
PRIMARY_PORT="${PG_PRIMARY_PORT:-55432}"
STANDBYS="${PG_STANDBYS:-1}"
DATABASE="${PG_DATABASE:-timetrack}"
HOST=127.0.0.1
SUPERUSER=postgres
REPLICATION_USER=replicator
SERVER_USER=postgres

case "$STANDBYS" in
[1-9]) ;;
*)
	echo "native-pair: PG_STANDBYS must be a number from 1 to 9, not '$STANDBYS'" >&2
	exit 2
	;;
esac

# Standby N (1, 2, ...): its name, which is also its folder, its replication slot and the
# application_name the primary sees ("standby", "standby_2", as the site's aliases), and
# its port.
standby_name() {
	if [ "$1" = 1 ]; then echo standby; else echo "standby_$1"; fi
}

standby_port() {
	local variable="PG_STANDBY_${1}_PORT"
	if [ "$1" = 1 ]; then variable=PG_STANDBY_PORT; fi
	echo "${!variable:-$((55432 + $1))}"
}

die() {
	echo "native-pair: $*" >&2
	exit 1
}

say() {
	echo "native-pair: $*"
}

find_bindir() {
	local dir
	if [ -n "${PG_BINDIR:-}" ]; then
		dir="$PG_BINDIR"
	elif command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
		dir="$(pg_config --bindir)"
	else
		dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin 2>/dev/null |
			sort --version-sort | tail -n 1)"
	fi
	if [ -z "$dir" ] || [ ! -x "$dir/initdb" ] || [ ! -x "$dir/pg_basebackup" ]; then
		die "PostgreSQL server binaries not found (initdb, pg_basebackup):" \
			"install them (Debian: apt-get install postgresql) or set PG_BINDIR"
	fi
	printf '%s\n' "$dir"
}

# Run a server-side command (initdb, pg_ctl, pg_basebackup) as the owner of the data.
as_server() {
	if [ "$(id -u)" = 0 ]; then
		runuser -u "$SERVER_USER" -- env "PATH=$PATH" "$@"
	else
		"$@"
	fi
}

psql_at() {
	local port="$1"
	shift
	PGCONNECT_TIMEOUT=3 psql --no-psqlrc --no-password --host "$HOST" --port "$port" \
		--username "$SUPERUSER" "$@"
}

# One value from a query, empty when the server does not answer.
value_at() {
	psql_at "$1" --dbname postgres --tuples-only --no-align --command "$2" 2>/dev/null || true
}

is_running() {
	[ -s "$1/PG_VERSION" ] && as_server pg_ctl status --pgdata "$1" >/dev/null 2>&1
}

# A server of someone else's on our port would be mistaken for ours: refuse to go on.
ensure_port_free() {
	local answer=0
	pg_isready --host "$HOST" --port "$1" --timeout 1 >/dev/null 2>&1 || answer=$?
	# 0: accepting connections, 1: rejecting them (starting up): a server is there.
	if [ "$answer" -le 1 ]; then
		die "port $1 already has a PostgreSQL server that is not $2 in $PG_DIR;" \
			"stop it or set PG_PRIMARY_PORT / PG_STANDBY_PORT / PG_STANDBY_2_PORT"
	fi
}

append_once() {
	if ! grep --quiet --line-regexp --fixed-strings -- "$1" "$2"; then
		printf '%s\n' "$1" >>"$2"
	fi
}

start_server() {
	local data="$1" port="$2" name="$3"
	ensure_port_free "$port" "$name"
	# 9>&-: the server must not inherit the lock of this script, or it would hold it
	# for as long as it runs.
	# The port is given on the command line, so PG_*_PORT apply to an existing pair too.
	as_server pg_ctl start --pgdata "$data" --options "-p $port" --log "$PG_DIR/$name.log" \
		--wait --timeout 60 \
		--silent 9>&- || die "$name did not start; see $PG_DIR/$name.log"
}

stop_server() {
	local data="$1" name="$2"
	if is_running "$data"; then
		as_server pg_ctl stop --pgdata "$data" --mode fast --wait --silent
		say "$name stopped"
	fi
}

standby_healthy() {
	PGHOST="$HOST" PGPORT="$(standby_port "$1")" PGUSER="$SUPERUSER" PGDATABASE=postgres \
		"$here/standby-healthcheck.sh" 2>/dev/null
}

# PG_DIR must be reachable by the server user; a checkout under a private home folder is
# not, so the pair then lives in a folder of its own under /tmp.
choose_pg_dir() {
	if [ "$(id -u)" = 0 ] &&
		! runuser -u "$SERVER_USER" -- test -x "$(dirname "$PG_DIR")"; then
		local fallback
		fallback="/tmp/timetrack-pg-$(printf '%s' "$PG_DIR" | cksum | cut -d ' ' -f 1)"
		say "the $SERVER_USER user cannot reach $PG_DIR; using $fallback"
		PG_DIR="$fallback"
	fi
	PRIMARY_DATA="$PG_DIR/primary"
	SCRIPTS="$PG_DIR/scripts"
}

prepare_dir() {
	mkdir -p "$PG_DIR"
	if [ "$(id -u)" = 0 ]; then
		chown "$SERVER_USER:" "$PG_DIR"
	fi
	chmod 0700 "$PG_DIR"
	# Concurrent `up`s (parallel make, two shells) would race on initdb and the slot.
	exec 9>"$PG_DIR/.lock"
	flock 9
	# The server user reads the shared settings and runs the shared scripts from here:
	# PG_DIR is its own, the checkout may not be readable by it. Copied on every `up`
	# (the servers reload the settings then), so an edit in docker/postgres applies.
	mkdir -p "$SCRIPTS"
	install -m 0644 "$here/reporting-replica.conf" "$PG_DIR/reporting-replica.conf"
	install -m 0755 "$here/primary-init.sh" "$here/standby-clone.sh" "$SCRIPTS"
}

ensure_primary() {
	if [ ! -s "$PRIMARY_DATA/PG_VERSION" ]; then
		# A standby of an earlier primary can never stream from a new one.
		stop_standbys
		rm -rf "$PRIMARY_DATA" "$PG_DIR"/standby*
		as_server initdb --pgdata "$PRIMARY_DATA" --username "$SUPERUSER" --auth trust \
			--encoding UTF8 --no-locale --no-sync --no-instructions >"$PG_DIR/initdb.log" ||
			die "initdb failed; see $PG_DIR/initdb.log"
		# The native pair's own settings: loopback only, no Unix sockets (their folder may
		# not exist or be writable here, and a deep path would be too long for one).
		as_server tee -a "$PRIMARY_DATA/postgresql.conf" >/dev/null <<-CONF

			# --- native pair (docker/postgres/native-pair.sh) ---
			listen_addresses = '$HOST'
			port = $PRIMARY_PORT
			unix_socket_directories = ''
			include '$PG_DIR/reporting-replica.conf'
		CONF
		say "primary initialised in $PRIMARY_DATA"
	fi
	if ! is_running "$PRIMARY_DATA"; then
		start_server "$PRIMARY_DATA" "$PRIMARY_PORT" primary
		say "primary started on $HOST:$PRIMARY_PORT"
	fi
	as_server env PGDATA="$PRIMARY_DATA" PGHOST="$HOST" PGPORT="$PRIMARY_PORT" \
		POSTGRES_USER="$SUPERUSER" REPLICATION_USER="$REPLICATION_USER" \
		REPLICATION_PASSWORD= REPLICATION_SLOT=standby REPLICATION_HBA_ADDRESS="$HOST/32" \
		REPLICATION_HBA_METHOD=trust REPORTING_REPLICA_CONF="$PG_DIR/reporting-replica.conf" \
		"$SCRIPTS/primary-init.sh" >/dev/null
	psql_at "$PRIMARY_PORT" --dbname postgres --quiet --output /dev/null \
		--set ON_ERROR_STOP=1 --set db="$DATABASE" <<-'SQL'
			select format('create database %I', :'db')
			where not exists (select from pg_database where datname = :'db') \gexec
		SQL
}

ensure_standby() {
	local name data port
	name="$(standby_name "$1")"
	data="$PG_DIR/$name"
	port="$(standby_port "$1")"
	if is_running "$data" && standby_healthy "$1"; then
		as_server pg_ctl reload --pgdata "$data" --silent
		return
	fi
	# Stopped, or running but not streaming (stale copy, primary restarted): a copy of
	# this primary restarts and streams at once, any other copy is cloned again.
	stop_server "$data" "$name"
	as_server env PGDATA="$data" PRIMARY_HOST="$HOST" PRIMARY_PORT="$PRIMARY_PORT" \
		REPLICATION_USER="$REPLICATION_USER" REPLICATION_SLOT="$name" STANDBY_NAME="$name" \
		"$SCRIPTS/standby-clone.sh" >/dev/null
	# The clone copied the primary's postgresql.conf: the standby's port comes last, so
	# it wins.
	append_once "port = $port" "$data/postgresql.conf"
	start_server "$data" "$port" "$name"
	say "$name started on $HOST:$port"
}

wait_until_streaming() {
	local deadline=$((SECONDS + 30))
	until standby_healthy "$1"; do
		if [ "$SECONDS" -ge "$deadline" ]; then
			die "$(standby_name "$1") is not streaming after 30 s;" \
				"see $PG_DIR/$(standby_name "$1").log"
		fi
		sleep 0.05
	done
}

# Every standby folder there is, started or not, whatever PG_STANDBYS says now.
stop_standbys() {
	local data
	for data in "$PG_DIR"/standby*; do
		[ -d "$data" ] && stop_server "$data" "$(basename "$data")"
	done
	return 0
}

cmd_up() {
	local n ports="" names=""
	# Refuse a taken port before creating anything, not after initdb.
	is_running "$PRIMARY_DATA" || ensure_port_free "$PRIMARY_PORT" primary
	for n in $(seq "$STANDBYS"); do
		is_running "$PG_DIR/$(standby_name "$n")" ||
			ensure_port_free "$(standby_port "$n")" "$(standby_name "$n")"
	done
	prepare_dir
	ensure_primary
	for n in $(seq "$STANDBYS"); do
		ensure_standby "$n"
	done
	for n in $(seq "$STANDBYS"); do
		wait_until_streaming "$n"
		names="$names${names:+, }$(standby_name "$n") $HOST:$(standby_port "$n")"
	done
	say "primary $HOST:$PRIMARY_PORT -> $names, streaming;" \
		"database $DATABASE, superuser $SUPERUSER"
}

cmd_down() {
	stop_standbys
	stop_server "$PRIMARY_DATA" primary
	say "the servers are down (data kept in $PG_DIR)"
}

cmd_stop_standby() {
	stop_server "$PG_DIR/$(standby_name "${1:-1}")" "$(standby_name "${1:-1}")"
}

cmd_destroy() {
	cmd_down
	rm -rf "$PG_DIR"
	say "removed $PG_DIR"
}

node_line() {
	local name="$1" data="$2" port="$3" recovery
	if ! is_running "$data"; then
		printf '%-10s %s:%s  stopped\n' "$name" "$HOST" "$port"
		return
	fi
	recovery="$(value_at "$port" "select case when pg_is_in_recovery() then 'yes' else 'no' end")"
	printf '%-10s %s:%s  running  in recovery: %s\n' "$name" "$HOST" "$port" "${recovery:-?}"
}

cmd_status() {
	local healthy=0 n
	# A standby beyond PG_STANDBYS that runs (an earlier `up` started it) is listed too.
	for n in $(seq "$((STANDBYS + 1))" 9); do
		if is_running "$PG_DIR/$(standby_name "$n")"; then STANDBYS="$n"; fi
	done
	echo "PostgreSQL primary and $STANDBYS standby(s) in $PG_DIR ($(postgres --version))"
	node_line primary "$PRIMARY_DATA" "$PRIMARY_PORT"
	for n in $(seq "$STANDBYS"); do
		node_line "$(standby_name "$n")" "$PG_DIR/$(standby_name "$n")" "$(standby_port "$n")"
	done
	if is_running "$PRIMARY_DATA"; then
		echo
		echo "On the primary: pg_stat_replication and the slot"
		psql_at "$PRIMARY_PORT" --dbname postgres --command "
			select r.application_name, r.client_addr, r.state, r.sync_state,
			       pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) as replay_behind_bytes,
			       r.replay_lag, s.slot_name, s.wal_status
			from pg_stat_replication r
			left join pg_replication_slots s on s.active_pid = r.pid" ||
			healthy=3
		psql_at "$PRIMARY_PORT" --dbname postgres --tuples-only --no-align --command "
			select 'slots: ' || coalesce(string_agg(format('%s (%s, %s)', slot_name,
			       case when active then 'active' else 'inactive' end, wal_status), ', '),
			       'none')
			from pg_replication_slots" || healthy=3
	else
		healthy=3
	fi
	for n in $(seq "$STANDBYS"); do
		if ! is_running "$PG_DIR/$(standby_name "$n")"; then
			healthy=3
			continue
		fi
		echo
		echo "On $(standby_name "$n"): WAL receiver and replay lag"
		# The CASE keeps an idle, caught-up standby at 0 s instead of the time since the
		# last commit it replayed.
		psql_at "$(standby_port "$n")" --dbname postgres --command "
			select (select status from pg_stat_wal_receiver) as receiver,
			       case when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() then 0
			            else extract(epoch from now() - pg_last_xact_replay_timestamp())
			       end as lag_s,
			       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())
			           as lag_bytes,
			       pg_last_wal_replay_lsn() as replayed_lsn" || healthy=3
		standby_healthy "$n" || healthy=3
	done
	if [ "$healthy" = 0 ]; then
		echo
		echo "healthy: every standby is in recovery and streaming"
	else
		echo
		echo "NOT healthy: run \`make pg-up\` (logs in $PG_DIR/*.log)"
		return 3
	fi
}

main() {
	PATH="$(find_bindir):$PATH"
	export PATH
	case "$PG_DIR" in
	/*) ;;
	*) PG_DIR="$PWD/$PG_DIR" ;;
	esac
	choose_pg_dir
	# The server user may not be allowed into the caller's folder.
	cd /
	case "${1:-}" in
	up) cmd_up ;;
	down) cmd_down ;;
	status) cmd_status ;;
	destroy) cmd_destroy ;;
	stop-standby)
		case "${2:-1}" in
		[1-9]) cmd_stop_standby "${2:-1}" ;;
		*) die "stop-standby takes a standby's number (1, 2, ...), not '$2'" ;;
		esac
		;;
	*)
		echo "usage: $0 up|down|status|destroy|stop-standby [N]" >&2
		exit 2
		;;
	esac
}

main "$@"
