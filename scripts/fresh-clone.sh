#!/usr/bin/env bash
# What a new contributor gets: clones this repository's committed HEAD (or the ref given) into an
# empty temporary directory — nothing beside it, not even the team's shared folder — then runs the README's
# `npm ci` and the unit suite there, and prints how long each took. Uncommitted changes are not
# in the clone. The directory is removed afterwards (KEEP=1 keeps it). BUILD=1 rebuilds dist/
# before the tests (for a branch whose committed dist/ is older than its src/).
#   bash scripts/fresh-clone.sh [ref]
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
commit="$(git -C "$repo" rev-parse --verify "${1:-HEAD}^{commit}")"
parent="$(mktemp -d)"
[[ -n "${KEEP:-}" ]] || trap 'rm -rf "$parent"' EXIT
dir="$parent/bifrost-aks-deploy"

started=$SECONDS
git clone -q --no-checkout "$repo" "$dir"
git -C "$dir" checkout -q --detach "$commit"
echo "fresh-clone: $commit in $dir (beside it: $(find "$parent" -mindepth 1 -maxdepth 1 -printf '%f '))" >&2

cd "$dir"
t=$SECONDS
npm ci --no-audit --no-fund
npm_ci=$((SECONDS - t))
if [[ -n "${BUILD:-}" ]]; then
  t=$SECONDS
  npm run build >/dev/null
  echo "fresh-clone: npm run build $((SECONDS - t)) s" >&2
fi
t=$SECONDS
status=0
npm run test:unit || status=$?
unit=$((SECONDS - t))
echo "fresh-clone: npm ci ${npm_ci} s, unit suite ${unit} s (exit ${status}), total $((SECONDS - started)) s" >&2
exit "$status"
