#!/usr/bin/env bash
# The release check: pack ocs-auth as `npm publish` would, install the tarball globally into
# a throwaway prefix as a user would (runtime dependencies only, from the registry, nothing
# from this checkout's node_modules), and use the installed command: --version must be
# package.json's, --help must work, and it must get a token from the OCS emulator.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

work=$(mktemp -d)
emulator=
cleanup() {
  if [ -n "$emulator" ]; then kill "$emulator" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "check-package: $*" >&2; exit 1; }

# npm pack runs prepack (the build) and prints the tarball's name last.
tarball="$work/$(npm pack --silent --pack-destination "$work" | tail -n 1)"
[ -f "$tarball" ] || fail "npm pack made no tarball"

# Only what runs, and what a user reads: bin/, dist/, README.md, LICENSE, package.json.
tar -tzf "$tarball" | sort >"$work/files"
extra=$(grep -vE '^package/(bin/.+|dist/.+|README\.md|LICENSE|package\.json)$' "$work/files" || true)
[ -z "$extra" ] || fail "the package holds files nothing runs:"$'\n'"$extra"
for required in package/bin/ocs-auth.js package/dist/start.cjs package/dist/main.cjs package/README.md package/LICENSE; do
  grep -qx "$required" "$work/files" || fail "the package lacks ${required#package/}"
done
echo "package: $(wc -l <"$work/files") files, $(du -k "$tarball" | cut -f1) KiB"

# A prefix of its own would also mean that prefix's global npmrc: keep this machine's (its
# registry, proxy and CA file are what reach the registry here).
npm install --global --prefix "$work/prefix" --globalconfig "$(npm config get globalconfig)" --no-audit --no-fund --loglevel=error "$tarball"
installed="$work/prefix/bin/ocs-auth"
[ -x "$installed" ] || fail "npm install -g made no ocs-auth command"
cd "$work" # away from this checkout, so nothing resolves into its node_modules

expected=$(node -p 'require(process.argv[1]).version' "$repo/package.json")
actual=$("$installed" --version)
[ "$actual" = "$expected" ] || fail "--version says '$actual', package.json '$expected'"
"$installed" --help | grep -q 'Usage: ocs-auth' || fail "--help printed no usage"
"$installed" completion bash | bash -n || fail "the bash completion script does not parse"

# A real token from the emulator (run from the checkout, which has its devDependencies).
(cd "$repo" && exec node --import tsx test/emulator/cli.ts --port 0 --json) >"$work/emulator.json" 2>"$work/emulator.log" &
emulator=$!
for _ in $(seq 150); do
  [ -s "$work/emulator.json" ] && break
  kill -0 "$emulator" 2>/dev/null || fail "the emulator did not start: $(cat "$work/emulator.log")"
  sleep 0.1
done
settings=$(node -e '
  const s = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8").split("\n")[0]);
  console.log([s.resource, s.tenantId, s.confidentialClient.clientId, s.confidentialClient.clientSecret, s.tenantName].join("\n"));
' "$work/emulator.json")
{ read -r resource; read -r tenant; read -r client; read -r secret; read -r tenant_name; } <<<"$settings"
export OCS_RESOURCE="$resource" OCS_TENANT_ID="$tenant" OCS_CLIENT_ID="$client" OCS_CLIENT_SECRET="$secret"
export OCS_AUTH_CONFIG_DIR="$work/config" OCS_AUTH_STORAGE=file
token=$("$installed" token --client-credentials)
[[ "$token" =~ ^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$ ]] || fail "token printed no JWT"
"$installed" whoami | grep -q "$tenant_name" || fail "whoami did not name the tenant"
echo "installed ocs-auth $actual: --version, --help, completion, token and whoami work"
