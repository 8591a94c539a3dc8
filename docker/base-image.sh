#!/usr/bin/env bash
# Make sure Docker has the base image every image of the project starts from
# (debian:bookworm-slim by default, BASE_IMAGE to change it).
#
#   1. Docker has it already: nothing to do.
#   2. A registry answers: pull it.
#   3. Otherwise (no registry reachable, as on the machines this project is built on):
#      make it with debootstrap (--variant=minbase) from this machine's own Debian
#      package source, and import it under the same name.
#
# Building needs root (debootstrap); as root, debootstrap is installed when missing.
set -o errexit -o nounset -o pipefail

image="${BASE_IMAGE:-debian:bookworm-slim}"
suite="${BASE_SUITE:-bookworm}"

say() {
	echo "base-image: $*"
}

if docker image inspect "$image" >/dev/null 2>&1; then
	exit 0
fi
if timeout "${BASE_PULL_TIMEOUT_SECONDS:-30}" docker pull --quiet "$image" >/dev/null 2>&1; then
	say "pulled $image"
	exit 0
fi

# The machine's own source for the suite's main component, as apt sees it (both the
# sources.list and the deb822 .sources formats).
mirror="$(apt-cache policy 2>/dev/null |
	awk -v suite="$suite/main" '$3 == suite && $2 ~ /^https?:/ { print $2; exit }')"
if [ -z "$mirror" ]; then
	echo "base-image: $image cannot be pulled, and apt knows no source of Debian $suite" \
		"to build it from; pull or import it by hand" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "base-image: $image cannot be pulled; building it with debootstrap needs root" >&2
	exit 1
fi
if ! command -v debootstrap >/dev/null; then
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap \
		>/dev/null
fi

say "$image cannot be pulled (no registry reachable?): building it with debootstrap" \
	"from $mirror ($suite, minbase)"
rootfs="$(mktemp -d /tmp/base-image.XXXXXX)"
chmod 0755 "$rootfs" # it becomes the image's /: everyone must be able to enter it
trap 'rm -rf "$rootfs"' EXIT
started=$SECONDS
debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 || {
	tail -n 20 "$rootfs.log" >&2
	exit 1
}
rm -f "$rootfs.log"
# What a slim image leaves out: the package lists (each build fetches its own) and caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/log/*.log
tar --numeric-owner -C "$rootfs" -c . | docker import --change 'CMD ["bash"]' - "$image" >/dev/null
say "built $image in $((SECONDS - started)) s"
