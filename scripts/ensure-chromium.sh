#!/bin/sh
# Makes sure Debian's headless-capable Chromium is at /usr/bin/chromium for the browser test
# (test/browser). A bare CI machine (root, Debian apt reachable) gets it installed; anything
# else gets a message saying what to do. Exit 0 when chromium is there, 1 otherwise.
set -eu

CHROMIUM=${PASSTHRU_CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROMIUM" ] && exit 0

fail() {
  echo "ensure-chromium: $1" >&2
  echo "ensure-chromium: install it by hand: sudo apt-get install -y chromium  (Debian), or set PASSTHRU_CHROMIUM to a Chromium binary" >&2
  exit 1
}

command -v apt-get >/dev/null 2>&1 || fail "$CHROMIUM is missing and apt-get is not available"
SUDO=
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    fail "$CHROMIUM is missing and installing it needs root (no passwordless sudo)"
  fi
fi

echo "ensure-chromium: $CHROMIUM missing, installing Debian's chromium with apt-get (one time, a minute or two)..." >&2
log=$(mktemp)
if ! { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
       $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >"$log" 2>&1; then
  tail -n 20 "$log" >&2
  rm -f "$log"
  fail "apt-get install chromium failed (output above)"
fi
rm -f "$log"
[ -x "$CHROMIUM" ] || fail "apt-get finished but $CHROMIUM is still missing"
