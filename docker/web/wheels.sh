#!/usr/bin/env bash
# Build on the host the wheels of the web image's runtime dependencies (the pinned
# `dependencies` of pyproject.toml, no test tools) into docker/web/wheels/ (git-ignored),
# with requirements.txt beside them: the image installs them with --no-index. Pip on the
# host reaches and trusts the package index; pip inside a container here does not.
#
#   docker/web/wheels.sh PYTHON   (the project's .venv/bin/python: Python 3.11, as Debian's)
set -o errexit -o nounset -o pipefail

python="${1:?usage: wheels.sh PYTHON}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="$repo/docker/web/wheels"

mkdir -p "$out"
"$python" -c "import tomllib; \
print('\n'.join(tomllib.load(open('$repo/pyproject.toml', 'rb'))['project']['dependencies']))" \
	>"$out/requirements.txt.new"
if cmp --silent "$out/requirements.txt.new" "$out/requirements.txt" 2>/dev/null; then
	rm "$out/requirements.txt.new"
	exit 0
fi
# The host's Python is CPython 3.11 on this machine's glibc and architecture, as Debian
# bookworm's Python in the image is: the wheels it picks install there.
"$python" -m pip wheel --quiet --wheel-dir "$out" --requirement "$out/requirements.txt.new"
mv "$out/requirements.txt.new" "$out/requirements.txt"
echo "wheels: $(find "$out" -name '*.whl' | wc -l) wheels in $out"
