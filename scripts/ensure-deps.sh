#!/bin/sh
# ensure-deps.sh: install the Debian packages that building and testing tally need, but only
# when something is missing. Called by the Makefile before the first compile, so that on a fresh
# Debian 12 machine `make demo` and `make test` work with nothing but gcc and make installed.
set -eu

PKGS="pkg-config valgrind tmux libuv1-dev libzstd-dev zlib1g-dev libjansson-dev libutf8proc-dev libxxhash-dev libyaml-dev libcmocka-dev unicode-data zstd gzip xxhash python3 python3-jsonschema parallel"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "tally: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "tally: not root and no sudo; please install:$missing" >&2
        exit 1
    fi
else
    SUDO=""
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
