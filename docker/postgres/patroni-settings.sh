#!/usr/bin/env bash
# Apply the cluster-wide settings of the environment to a running cluster (`make up` runs
# it in a node, after every start): Patroni reads the bootstrap section of its
# configuration only when it initialises the cluster, and keeps these in etcd from then
# on, so a REPLICATION_MODE or PATRONI_TTL changed in .env later would otherwise be
# ignored. `patronictl edit-config` changes them for every node at once.
set -o errexit -o nounset -o pipefail

case "${REPLICATION_MODE:-asynchronous}" in
synchronous) synchronous_mode=true ;;
*) synchronous_mode=false ;;
esac

patronictl -c /etc/patroni/patroni.yml edit-config --force --quiet \
	--set "synchronous_mode=$synchronous_mode" \
	--set "ttl=${PATRONI_TTL:-10}" \
	--set "loop_wait=${PATRONI_LOOP_WAIT:-2}" \
	--set "retry_timeout=${PATRONI_RETRY_TIMEOUT:-4}" \
	--set "maximum_lag_on_failover=${MAXIMUM_LAG_ON_FAILOVER:-1048576}" >/dev/null
echo "patroni-settings: synchronous_mode=$synchronous_mode, ttl=${PATRONI_TTL:-10}"
