#!/usr/bin/env bash
# Runs the e2e suite RUNS times back to back (default 5) while LOAD busy processes (default 2)
# keep the CPUs occupied, as a loaded CI machine would, and prints one line per run and a table.
# A test that fails in any run is a flake to fix. Usage: bash scripts/flake-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
LOAD="${LOAD:-2}"
out="${FLAKE_DIR:-$(mktemp -d)}"
mkdir -p "$out"

busy=()
for _ in $(seq "$LOAD"); do
  node -e 'for (;;) {}' &
  busy+=("$!")
done
trap 'kill "${busy[@]}" 2>/dev/null || true' EXIT

npm run build >/dev/null
bash scripts/cluster.sh up >/dev/null
echo "flake check: $RUNS e2e runs under $LOAD busy processes; logs in $out"
printf '%-4s %-8s %-10s %s\n' run result seconds failed-tests
for run in $(seq "$RUNS"); do
  log="$out/run-$run.log"
  start=$(date +%s)
  if NODE_OPTIONS=--experimental-vm-modules npx jest --selectProjects e2e >"$log" 2>&1; then
    result=pass
  else
    result=FAIL
  fi
  failed=$(grep -E '^\s+✕' "$log" | sed -E 's/^\s+✕ //; s/ \([0-9.]+ m?s\)$//' | paste -sd ';' - || true)
  tests=$(grep -E '^Tests:' "$log" | tail -1)
  printf '%-4s %-8s %-10s %s\n' "$run" "$result" "$(($(date +%s) - start))" "${failed:-none} ($tests)"
done
