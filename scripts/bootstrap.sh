#!/bin/sh
# Install the Debian packages the build needs, if any is missing.
# Needs root (or sudo) only when something must be installed.
set -eu

need=""
command -v meson >/dev/null 2>&1 || need="$need meson"
command -v ninja >/dev/null 2>&1 || need="$need ninja-build"
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
if command -v pkg-config >/dev/null 2>&1; then
	pkg-config --exists liburcu-memb || need="$need liburcu-dev"
	pkg-config --exists cmocka || need="$need libcmocka-dev"
else
	need="$need liburcu-dev libcmocka-dev"
fi
# The sanitizer runtimes gcc links for make check / make tsan.
for lib in libasan.so.8 libubsan.so.1 libtsan.so.2; do
	ldconfig -p 2>/dev/null | grep -q "$lib" || { need="$need libgcc-12-dev"; break; }
done

[ -z "$need" ] && exit 0

echo "bootstrap: installing$need" >&2
if [ "$(id -u)" -eq 0 ]; then
	sudo=""
elif command -v sudo >/dev/null 2>&1; then
	sudo="sudo"
else
	echo "bootstrap: need root to install:$need" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq $need >/dev/null
