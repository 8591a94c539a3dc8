#!/usr/bin/env bash
# A PostgreSQL primary and its streaming hot standbys from the local server binaries.
#
#   native-pair.sh up       start the leader and PG_STANDBYS standbys (create them first if
#                           needed); reuses running ones, and brings a node that is no
#                           standby of the leader (an old primary) back as one
#   native-pair.sh down     stop every server, keep their data
#   native-pair.sh status   every server, the replication state and the lag; exit 3 if any
#                           of the PG_STANDBYS standbys (or a running one beyond them) is
#                           not streaming
#   native-pair.sh destroy  stop every server and remove their data
#   native-pair.sh stop-standby [N]  stop standby N (1, the default, or 2, ...) only
#                           (failure tests; `up` restarts it)
#   native-pair.sh failover [NODE]  the leader is lost: stop it (at once, if it still
#                           runs), promote the standby that received the most WAL (or
#                           NODE), point the other standbys at it; `up` brings the old
#                           leader back as a standby
#   native-pair.sh switchover NODE  the same without losing anything: the leader stops
#                           cleanly first (its standbys receive all of its WAL), then `up`;
#                           nothing to do when NODE leads already
#
# Nodes and roles. The servers are nodes named after the role each had when the pair was
# made: `primary` (PG_PRIMARY_PORT), `standby` (PG_STANDBY_PORT), `standby_2`, ... Each
# keeps its name, folder and port for good; which one leads is written in
# $PG_DIR/leader (`primary` until a failover). A client finds the leader whatever it is
# with every node in one URL and target_session_attrs=read-write (`make run-pg` does).
#
# Replication mode (PG_REPLICATION_MODE): `asynchronous` (the default) confirms a commit
# once the leader has it; a failover loses what no standby had received yet (at most the
# WAL a standby lags by). `synchronous` confirms a commit only once a standby has it on
# disk too (synchronous_standby_names = 'ANY 1 (every other node)'), and `failover`
# promotes the standby that received the most: no confirmed commit is lost. Written to
# $PG_DIR/replication-mode.conf, which every node includes; `up` rewrites it.
#
# The same scripts and settings as the compose stack: primary-init.sh (role, slot,
# pg_hba line, include of reporting-replica.conf), standby-clone.sh (pg_basebackup -R)
# and standby-healthcheck.sh. Loopback only, no Unix sockets, trust authentication:
# a development and test pair, not a production setup.
#
# Environment (defaults in brackets):
#   PG_DIR           data, logs and the copied settings [<repo>/.pg, git-ignored]
#   PG_STANDBYS      how many standbys `up` starts and `status` checks [1]
#   PG_REPLICATION_MODE  asynchronous or synchronous [asynchronous]
#   PG_PRIMARY_PORT  [25432]   PG_STANDBY_PORT [25433]   PG_STANDBY_2_PORT [25434]
#   PG_STANDBY_<N>_PORT for a third standby and beyond [25432 + N]
#                    (below Linux's ephemeral range, 32768-60999: a port in it can be
#                    held by any client's connection at the moment a server starts, and
#                    the server then fails to bind it)
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
PRIMARY_PORT="${PG_PRIMARY_PORT:-25432}"
STANDBYS="${PG_STANDBYS:-1}"
MODE="${PG_REPLICATION_MODE:-asynchronous}"
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

case "$MODE" in
asynchronous | synchronous) ;;
*)
	echo "native-pair: PG_REPLICATION_MODE must be asynchronous or synchronous, not '$MODE'" >&2
	exit 2
	;;
esac

# Node N (0 for `primary`, then 1, 2, ... for the standbys as made): its name, which is
# also its folder, its replication slot and the application_name the leader sees
# ("standby", "standby_2", as the site's aliases), and its port.
standby_name() {
	case "$1" in
	0) echo primary ;;
	1) echo standby ;;
	*) echo "standby_$1" ;;
	esac
}

standby_port() {
	local variable="PG_STANDBY_${1}_PORT"
	case "$1" in
	0) variable=PRIMARY_PORT ;;
	1) variable=PG_STANDBY_PORT ;;
	esac
	echo "${!variable:-$((25432 + $1))}"
}

node_number() {
	local n
	for n in $(seq 0 9); do
		if [ "$(standby_name "$n")" = "$1" ]; then
			echo "$n"
			return
		fi
	done
	die "no node is called '$1' (primary, standby, standby_2, ...)"
}

# The node that leads now: `primary` until a failover wrote another.
leader() {
	if [ -s "$PG_DIR/leader" ]; then cat "$PG_DIR/leader"; else echo primary; fi
}

leader_port() {
	standby_port "$(node_number "$(leader)")"
}

# The nodes of this pair (the leader and PG_STANDBYS others), by number.
nodes() {
	seq 0 "$STANDBYS"
}

# A standby beyond PG_STANDBYS that runs (an earlier `up` started it) counts too: for
# `status`, which lists it, and `failover`, which may promote or repoint it.
count_running_standbys() {
	local n
	for n in $(seq "$((STANDBYS + 1))" 9); do
		if is_running "$PG_DIR/$(standby_name "$n")"; then STANDBYS="$n"; fi
	done
}

# Every node but the leader, by number: the standbys that `up` starts.
followers() {
	local n lead
	lead="$(node_number "$(leader)")"
	for n in $(nodes); do
		[ "$n" = "$lead" ] || echo "$n"
	done
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

# The postmaster of a folder is a live process (not gone, not a zombie, not another
# program that was given its old pid).
postmaster_alive() {
	local pid
	pid="$(head -n 1 "$1/postmaster.pid" 2>/dev/null)" || return 1
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] &&
		[ "$(cut -d ' ' -f 3 "/proc/$pid/stat" 2>/dev/null)" != Z ] &&
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]
}

# pg_ctl status alone takes a killed postmaster that lingers as a zombie for running.
is_running() {
	[ -s "$1/PG_VERSION" ] && postmaster_alive "$1" &&
		as_server pg_ctl status --pgdata "$1" >/dev/null 2>&1
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
		--silent 9>&- || die "$name did not start; the end of $PG_DIR/$name.log:" \
		"$(tail -n 5 "$PG_DIR/$name.log" 2>/dev/null)"
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

# $PG_DIR/replication-mode.conf, which every node includes: in synchronous mode a commit
# waits until one other node (whichever is a standby then) has its WAL on disk.
write_replication_mode() {
	local n others=""
	for n in $(nodes); do
		others="$others${others:+, }$(standby_name "$n")"
	done
	{
		echo "# Written by native-pair.sh (PG_REPLICATION_MODE=$1); rewritten on every \`up\`."
		if [ "$1" = synchronous ]; then
			echo "synchronous_commit = on"
			echo "synchronous_standby_names = 'ANY 1 ($others)'"
		else
			echo "synchronous_standby_names = ''"
		fi
	} >"$PG_DIR/replication-mode.conf"
	chmod 0644 "$PG_DIR/replication-mode.conf"
}

# The lines of the native pair in a node's postgresql.conf (a clone copies them, so the
# port that each node appends after them wins).
node_settings() {
	cat <<-CONF

		# --- native pair (docker/postgres/native-pair.sh) ---
		listen_addresses = '$HOST'
		unix_socket_directories = ''
		include '$PG_DIR/reporting-replica.conf'
		include_if_exists '$PG_DIR/replication-mode.conf'
	CONF
}

ensure_leader() {
	local name data port
	name="$(leader)"
	data="$PG_DIR/$name"
	port="$(leader_port)"
	if [ ! -s "$data/PG_VERSION" ]; then
		[ "$name" = primary ] || die "the leader, $name, has no data in $data:" \
			"run \`$0 destroy\` and \`up\` to start afresh"
		# A standby of an earlier primary can never stream from a new one.
		stop_standbys
		rm -rf "$data" "$PG_DIR"/standby* "$PG_DIR/leader"
		as_server initdb --pgdata "$data" --username "$SUPERUSER" --auth trust \
			--encoding UTF8 --no-locale --no-sync --no-instructions >"$PG_DIR/initdb.log" ||
			die "initdb failed; see $PG_DIR/initdb.log"
		# Loopback only, no Unix sockets (their folder may not exist or be writable here,
		# and a deep path would be too long for one).
		node_settings | as_server tee -a "$data/postgresql.conf" >/dev/null
		say "primary initialised in $data"
	fi
	# A pair made before the replication mode existed includes it from now on.
	append_once "include_if_exists '$PG_DIR/replication-mode.conf'" "$data/postgresql.conf"
	if is_running "$data" && [ "$(value_at "$port" "select pg_is_in_recovery()")" = t ]; then
		die "$name should lead ($PG_DIR/leader says so) but is a standby: write the node" \
			"that leads there, or run \`$0 destroy\` and \`up\` to start afresh"
	fi
	if ! is_running "$data"; then
		start_server "$data" "$port" "$name"
		say "$name (the leader) started on $HOST:$port"
	fi
	as_server env PGDATA="$data" PGHOST="$HOST" PGPORT="$port" \
		POSTGRES_USER="$SUPERUSER" REPLICATION_USER="$REPLICATION_USER" \
		REPLICATION_PASSWORD= REPLICATION_SLOT="$(standby_name "$(followers | head -n 1)")" \
		REPLICATION_HBA_ADDRESS="$HOST/32" REPLICATION_HBA_METHOD=trust \
		REPORTING_REPLICA_CONF="$PG_DIR/reporting-replica.conf" \
		"$SCRIPTS/primary-init.sh" >/dev/null
	psql_at "$port" --dbname postgres --quiet --output /dev/null \
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
		append_once "include_if_exists '$PG_DIR/replication-mode.conf'" "$data/postgresql.conf"
		as_server pg_ctl reload --pgdata "$data" --silent
		return
	fi
	# Stopped, or running but not streaming (stale copy, leader restarted, an old leader):
	# a copy of this leader restarts and streams at once, any other copy is cloned again.
	stop_server "$data" "$name"
	as_server env PGDATA="$data" PRIMARY_HOST="$HOST" PRIMARY_PORT="$(leader_port)" \
		REPLICATION_USER="$REPLICATION_USER" REPLICATION_SLOT="$name" STANDBY_NAME="$name" \
		"$SCRIPTS/standby-clone.sh" >/dev/null
	append_once "include_if_exists '$PG_DIR/replication-mode.conf'" "$data/postgresql.conf"
	# The clone copied the leader's postgresql.conf: this node's port comes last, so it
	# wins.
	append_once "port = $port" "$data/postgresql.conf"
	start_server "$data" "$port" "$name"
	# A copy kept from before streams from where it was told then: a leader since
	# moved, or the same leader on another port (PG_*_PORT).
	repoint_standby "$1"
	say "$name started on $HOST:$port, a standby of $(leader)"
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

# Every node's folder there is, started or not, whatever PG_STANDBYS says now.
stop_standbys() {
	local data
	for data in "$PG_DIR"/primary "$PG_DIR"/standby*; do
		[ -d "$data" ] && [ "$(basename "$data")" != "$(leader)" ] &&
			stop_server "$data" "$(basename "$data")"
	done
	return 0
}

cmd_up() {
	local n ports="" names=""
	# Refuse a taken port before creating anything, not after initdb.
	for n in $(nodes); do
		is_running "$PG_DIR/$(standby_name "$n")" ||
			ensure_port_free "$(standby_port "$n")" "$(standby_name "$n")"
	done
	prepare_dir
	# Asynchronous while the nodes start when no standby streams yet: in synchronous
	# mode the leader's own setup (primary-init.sh) would wait for a standby that is not
	# started. With one streaming (`up` bringing an old leader back under load), commits
	# keep waiting for it: synchronous mode never lapses while a standby can confirm.
	local streaming=0
	for n in $(followers); do
		is_running "$PG_DIR/$(standby_name "$n")" && standby_healthy "$n" && streaming=1
	done
	if [ "$streaming" = 0 ]; then
		write_replication_mode asynchronous
	else
		write_replication_mode "$MODE"
	fi
	if is_running "$PG_DIR/$(leader)"; then
		as_server pg_ctl reload --pgdata "$PG_DIR/$(leader)" --silent
	fi
	ensure_leader
	for n in $(followers); do
		ensure_standby "$n"
	done
	for n in $(followers); do
		wait_until_streaming "$n"
		names="$names${names:+, }$(standby_name "$n") $HOST:$(standby_port "$n")"
	done
	write_replication_mode "$MODE"
	as_server pg_ctl reload --pgdata "$PG_DIR/$(leader)" --silent
	say "$(leader) $HOST:$(leader_port) -> $names, streaming ($MODE);" \
		"database $DATABASE, superuser $SUPERUSER"
}

cmd_down() {
	stop_standbys
	stop_server "$PG_DIR/$(leader)" "$(leader)"
	say "the servers are down (data kept in $PG_DIR)"
}

cmd_stop_standby() {
	local name
	name="$(standby_name "${1:-1}")"
	[ "$name" != "$(leader)" ] || die "$name leads now: it is no standby to stop"
	stop_server "$PG_DIR/$name" "$name"
}

cmd_destroy() {
	cmd_down
	rm -rf "$PG_DIR"
	say "removed $PG_DIR"
}

# A standby's received WAL position as a number, for choosing whom to promote (empty when
# it does not answer or is no standby).
received_position() {
	value_at "$(standby_port "$1")" "select pg_wal_lsn_diff(pg_last_wal_receive_lsn(), '0/0')
		where pg_is_in_recovery()"
}

# The running standby that received the most WAL: with synchronous commit, it has every
# commit that was confirmed.
most_advanced_standby() {
	local n position best="" best_position=-1
	for n in $(followers); do
		is_running "$PG_DIR/$(standby_name "$n")" || continue
		position="$(received_position "$n")"
		[ -n "$position" ] || continue
		if ((position > best_position)); then
			best="$n" best_position="$position"
		fi
	done
	echo "$best"
}

# Point a running standby at the leader now (and its slot there): it follows the new
# timeline on its own (recovery_target_timeline = latest), no restart.
repoint_standby() {
	local name port
	name="$(standby_name "$1")"
	port="$(standby_port "$1")"
	psql_at "$(leader_port)" --dbname postgres --quiet --output /dev/null \
		--set ON_ERROR_STOP=1 --set slot="$name" <<-'SQL'
			select pg_create_physical_replication_slot(:'slot', true)
			where not exists (select from pg_replication_slots where slot_name = :'slot');
		SQL
	psql_at "$port" --dbname postgres --quiet --output /dev/null --set ON_ERROR_STOP=1 \
		--set conninfo="host=$HOST port=$(leader_port) user=$REPLICATION_USER application_name=$name connect_timeout=10" \
		--set slot="$name" <<-'SQL'
			alter system set primary_conninfo = :'conninfo';
			alter system set primary_slot_name = :'slot';
			select pg_reload_conf();
		SQL
}

cmd_failover() {
	local target="${1:-}" old new n best started=$SECONDS repointed=0 deadline
	prepare_dir
	count_running_standbys
	old="$(leader)"
	# A postmaster killed outright leaves its pid file behind and may linger a moment as a
	# zombie: gone is gone.
	if postmaster_alive "$PG_DIR/$old"; then
		if [ "${CLEAN_STOP:-}" = 1 ]; then
			stop_server "$PG_DIR/$old" "$old"
		else # lost: whatever it did not send is gone with it
			as_server pg_ctl stop --pgdata "$PG_DIR/$old" --mode immediate --wait --silent ||
				die "$old still runs: stop it before promoting another node"
			say "$old stopped at once, as a lost server"
		fi
	fi
	if [ -n "$target" ]; then
		new="$(node_number "$target")"
		[ -n "$(received_position "$new")" ] || die "$target is no running standby to promote"
		# Another standby ahead of it could never follow it (it holds WAL the new
		# leader lacks): promote that one, or stop it first.
		best="$(most_advanced_standby)"
		if [ "$best" != "$new" ] &&
			(($(received_position "$best") > $(received_position "$new"))); then
			die "$(standby_name "$best") received more WAL than $target: promote it," \
				"or stop it first"
		fi
	else
		new="$(most_advanced_standby)"
		[ -n "$new" ] || die "no running standby to promote"
	fi
	as_server pg_ctl promote --pgdata "$PG_DIR/$(standby_name "$new")" --wait --silent ||
		die "$(standby_name "$new") was not promoted; see $PG_DIR/$(standby_name "$new").log"
	printf '%s\n' "$(standby_name "$new")" >"$PG_DIR/leader"
	say "$(standby_name "$new") promoted: it leads, on $HOST:$(leader_port)"
	for n in $(followers); do
		if is_running "$PG_DIR/$(standby_name "$n")" && [ -n "$(received_position "$n")" ]; then
			repoint_standby "$n"
			say "$(standby_name "$n") now streams from $(leader)"
		fi
	done
	# Synchronous mode with no standby left streaming would hold every commit until
	# `up` brings one back: until then commits are confirmed on the leader alone, as
	# Patroni does when no synchronous standby is left (synchronous_mode_strict off).
	deadline=$((SECONDS + 10))
	while [ "$MODE" = synchronous ] && [ "$SECONDS" -lt "$deadline" ]; do
		for n in $(followers); do
			standby_healthy "$n" && repointed=1
		done
		[ "$repointed" = 1 ] && break
		sleep 0.1
	done
	if [ "$MODE" = synchronous ] && [ "$repointed" = 0 ]; then
		write_replication_mode asynchronous
		say "no standby streams from $(leader): commits are confirmed without a copy" \
			"until \`up\` brings one back"
	fi
	as_server pg_ctl reload --pgdata "$PG_DIR/$(leader)" --silent
	say "failover from $old to $(leader) in $((SECONDS - started)) s;" \
		"\`up\` brings $old back as a standby"
}

cmd_switchover() {
	local target="${1:?switchover takes the node to lead: primary, standby, ...}"
	node_number "$target" >/dev/null
	if [ "$(leader)" = "$target" ]; then
		say "$target leads already"
		return
	fi
	CLEAN_STOP=1 cmd_failover "$target"
	exec 9>&- # `up` takes the lock again
	cmd_up
}

node_line() {
	local name="$1" data="$2" port="$3" recovery
	if ! is_running "$data"; then
		printf '%-10s %s:%s  stopped\n' "$name" "$HOST" "$port"
		return
	fi
	recovery="$(value_at "$port" "select case when pg_is_in_recovery() then 'standby' else 'leader' end")"
	printf '%-10s %s:%s  running  %s\n' "$name" "$HOST" "$port" "${recovery:-?}"
}

cmd_status() {
	local healthy=0 n lead leader_data
	lead="$(leader)"
	leader_data="$PG_DIR/$lead"
	count_running_standbys
	echo "PostgreSQL: $((STANDBYS + 1)) nodes in $PG_DIR, $lead leads ($(postgres --version))"
	for n in $(nodes); do
		node_line "$(standby_name "$n")" "$PG_DIR/$(standby_name "$n")" "$(standby_port "$n")"
	done
	if is_running "$leader_data"; then
		echo
		echo "On the leader, $lead: pg_stat_replication and the slots"
		psql_at "$(leader_port)" --dbname postgres --command "
			select r.application_name, r.client_addr, r.state, r.sync_state,
			       pg_wal_lsn_diff(pg_current_wal_lsn(), r.replay_lsn) as replay_behind_bytes,
			       r.replay_lag, s.slot_name, s.wal_status
			from pg_stat_replication r
			left join pg_replication_slots s on s.active_pid = r.pid" ||
			healthy=3
		psql_at "$(leader_port)" --dbname postgres --tuples-only --no-align --command "
			select 'slots: ' || coalesce(string_agg(format('%s (%s, %s)', slot_name,
			       case when active then 'active' else 'inactive' end, wal_status), ', '),
			       'none')
			from pg_replication_slots" || healthy=3
		psql_at "$(leader_port)" --dbname postgres --tuples-only --no-align --command "
			select 'replication mode: ' || case when current_setting('synchronous_standby_names') = ''
			       then 'asynchronous' else 'synchronous, ' || current_setting('synchronous_standby_names')
			       end" || healthy=3
	else
		healthy=3
	fi
	for n in $(followers); do
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
			       (select received_tli from pg_stat_wal_receiver) as timeline,
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
	failover) cmd_failover "${2:-}" ;;
	switchover) cmd_switchover "${2:-}" ;;
	stop-standby)
		case "${2:-1}" in
		[1-9]) cmd_stop_standby "${2:-1}" ;;
		*) die "stop-standby takes a standby's number (1, 2, ...), not '$2'" ;;
		esac
		;;
	*)
		echo "usage: $0 up|down|status|destroy|failover [NODE]|switchover NODE|stop-standby [N]" >&2
		exit 2
		;;
	esac
}

main "$@"
