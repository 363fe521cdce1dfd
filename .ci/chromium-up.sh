#!/usr/bin/env bash
# chromium-up.sh - headless Chromium from Debian's packages, for the fleet dashboard's browser test
# (tests/fleet/test_dashboard_browser.py). No browser download: Debian's build, driven over DevTools.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(chromium --version 2>/dev/null | head -1)"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
echo "chromium: $(chromium --version 2>/dev/null | head -1)"
