#!/usr/bin/env bash
# Install the Debian packages named as arguments, when some are missing and we can.
#
# As root with apt-get: `apt-get update` once, then one non-interactive install of the missing
# ones (a failure stops here, loudly). Otherwise the missing packages are named with the command
# that installs them; the tests that need them skip on a developer's machine and fail in CI.
set -euo pipefail

missing=()
for package in "$@"; do
  status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "Missing Debian packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  echo "  (tests that need them are skipped here, and fail in CI)" >&2
fi
