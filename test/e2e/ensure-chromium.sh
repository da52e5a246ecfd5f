#!/bin/sh
# The browser tests run in Debian's Chromium (Playwright cannot download browsers here).
set -e
[ -n "$CHROMIUM_PATH" ] && exit 0
[ -x /usr/bin/chromium ] && exit 0
echo "installing Debian's chromium for the browser tests" >&2
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
$SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium >/dev/null
