#!/usr/bin/env bash
# Installs everything the test suite needs on a fresh Debian machine: Chromium (Debian's package; Playwright drives it
# at /usr/bin/chromium, as its own browser download cannot be used offline) and idpmap with its test extras.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core
fi
python -m pip install -q -e '.[test]'
