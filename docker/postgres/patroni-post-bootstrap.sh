#!/usr/bin/env bash
# Patroni's post_bootstrap (docker/postgres/entrypoint.sh): run once, on the node that
# initialised the cluster, with a connection URL to it as the argument. Creates the
# site's database, POSTGRES_DB; the standbys get it by replication.
set -o errexit -o nounset -o pipefail

psql "$1" --no-psqlrc --quiet --set ON_ERROR_STOP=1 --set db="${POSTGRES_DB:-timetrack}" <<-'SQL'
	select format('create database %I', :'db')
	where not exists (select from pg_database where datname = :'db') \gexec
SQL
