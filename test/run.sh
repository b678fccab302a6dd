#!/usr/bin/env bash
# Runs the whole suite. The keychain tests need a real Secret Service: where gnome-keyring
# is installed, the suite runs inside a private D-Bus session with a throwaway, unlocked
# keyring, so it never touches the developer's own keychain. Elsewhere those tests skip,
# except in CI (CI=true), where a missing keyring is a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${OCS_AUTH_TEST_SESSION:-}" ] && command -v dbus-run-session >/dev/null && command -v gnome-keyring-daemon >/dev/null; then
  keyring_home=$(mktemp -d)
  trap 'rm -rf "$keyring_home"' EXIT
  OCS_AUTH_TEST_SESSION=1 XDG_DATA_HOME="$keyring_home" dbus-run-session -- bash "$0" "$@"
  exit $?
fi

if [ -n "${OCS_AUTH_TEST_SESSION:-}" ]; then
  # A fresh keyring is created with this password and left unlocked for the session.
  printf 'ocs-auth-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  export OCS_AUTH_TEST_KEYRING=1
fi

# Arguments name test files to run; none means all of them.
if [ $# -gt 0 ]; then files=("$@"); else mapfile -t files < <(find test -name '*.test.ts' | sort); fi

# The browsers and shells the tests start write into HOME (~/.config/chromium, ~/.config/fish,
# ~/.cache/dconf): they get a throwaway one, never the developer's.
test_home=$(mktemp -d)
export HOME="$test_home" XDG_CONFIG_HOME="$test_home/.config" XDG_CACHE_HOME="$test_home/.cache"

# OCS_AUTH_TEST_LOG=FILE (.ci/run): the readable spec report goes to FILE, TAP to stdout.
reporters=()
if [ -n "${OCS_AUTH_TEST_LOG:-}" ]; then
  reporters=(--test-reporter=spec "--test-reporter-destination=$OCS_AUTH_TEST_LOG" --test-reporter=tap --test-reporter-destination=stdout)
fi
status=0
node --import tsx --test --test-concurrency=2 "${reporters[@]}" "${files[@]}" || status=$?
rm -rf "$test_home"
exit "$status"
