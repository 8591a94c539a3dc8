#!/usr/bin/env bash
# Entrypoint of the web image: bring the primary's schema up to date, then run the
# command (gunicorn by default) in this process, so it receives the container's signals.
#
# Migrations run against the primary only: the standbys are read-only and receive the
# schema by replication (the router refuses to migrate them anyway). Compose starts this
# container once the primary and the first standby are healthy.
set -o errexit -o nounset -o pipefail

# The standbys to read (compose: STANDBY_HOSTS, "standby" or "standby,standby-2"), each
# reached as the primary is (the same port, database and credentials): their URLs are
# DATABASE_URL with the primary's host replaced. A STANDBY_DATABASE_URLS or
# STANDBY_DATABASE_URL of the environment wins.
if [ -n "${STANDBY_HOSTS:-}" ] && [ -z "${STANDBY_DATABASE_URLS:-}${STANDBY_DATABASE_URL:-}" ]; then
	: "${DATABASE_URL:?DATABASE_URL must be set}"
	case "$DATABASE_URL" in
	*@primary:*) ;;
	*)
		echo "entrypoint: STANDBY_HOSTS needs DATABASE_URL on the host 'primary'" \
			"(...@primary:5432/...); set STANDBY_DATABASE_URLS instead" >&2
		exit 1
		;;
	esac
	IFS=, read -r -a hosts <<<"$STANDBY_HOSTS"
	urls=""
	for host in "${hosts[@]}"; do
		urls="$urls${urls:+,}${DATABASE_URL/@primary:/@$host:}"
	done
	export STANDBY_DATABASE_URLS="$urls"
fi

python manage.py migrate --database default --noinput

exec "$@"
