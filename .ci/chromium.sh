#!/usr/bin/env bash
# Install Debian's Chromium and its WebDriver for the console's browser tests
# (tests/console/, Selenium driving the system browser headless).
#
#   bash .ci/chromium.sh      # no-op when chromium and chromedriver are installed
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium.sh: install the Debian packages 'chromium' and 'chromium-driver'" \
    "(sudo apt-get install chromium chromium-driver)" >&2
  exit 1
fi
echo "chromium.sh: installing chromium and chromium-driver from Debian packages" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
