#!/usr/bin/env bash
# Lints action.yml's neighbours: the example workflows and .github/workflows, with actionlint
# (built once from the Go module proxy into the cache) and shellcheck for their `run:` scripts.
set -euo pipefail
cd "$(dirname "$0")/.."
readonly VERSION=v1.7.12
readonly BIN="${XDG_CACHE_HOME:-$HOME/.cache}/bifrost-aks/actionlint-$VERSION/actionlint"
if [ ! -x "$BIN" ]; then
  command -v go >/dev/null || { echo "actionlint: Go is needed to build actionlint $VERSION once" >&2; exit 1; }
  echo "actionlint: building $VERSION once (about 30 s) …" >&2
  GOBIN="$(dirname "$BIN")" GOTOOLCHAIN=local GOFLAGS=-mod=mod go install "github.com/rhysd/actionlint/cmd/actionlint@$VERSION"
fi
files=(workflows-examples/*.yml)
[ -d .github/workflows ] && files+=(.github/workflows/*.yml)
shellcheck_flag=()
command -v shellcheck >/dev/null || shellcheck_flag=(-shellcheck=)
"$BIN" "${shellcheck_flag[@]}" "${files[@]}"
echo "actionlint: ${#files[@]} workflow files clean"
