#!/usr/bin/env bash
# Checks, in well under a second and before any long build, that this machine has what
# `npm run local` and `npm test` need (the local control plane, the host executor, the test
# registry, the linters). Run by `npm run local` / `npm test` (prelocal, pretest), `.ci/run` and
# the e2e global setup.
#   - as root with apt-get: installs the missing Debian packages (`apt-get update` once, then one
#     `apt-get install`), then checks again;
#   - otherwise: prints ONE message naming every missing tool with the command that installs it,
#     and exits 1.
# PREREQS_NO_INSTALL=1 only checks (never installs).
set -uo pipefail

# The one list to edit. Fields, separated by "|":
#   command | minimum version ("" = any) | Debian package ("" = not from Debian) | how to get it otherwise | what needs it
REQUIREMENTS=(
  "go|1.26||https://go.dev/dl/ (Debian's golang-go is too old)|builds the local control plane once (scripts/cluster.sh build)"
  "node|20||https://nodejs.org/ or https://github.com/nodesource/distributions|runs the action and the tests"
  "npm|||comes with Node.js|installs the dependencies"
  "kubectl||kubectl|https://kubernetes.io/docs/tasks/tools/ (the kubectl package needs the Kubernetes or Google Cloud apt repository)|scripts/cluster.sh up (applies the node and kwok's CRDs)"
  "bwrap||bubblewrap||the host executor runs refresher pods in a sandbox"
  "ip||iproute2||the pod network namespace (gateway /health through the API server proxy)"
  "openssl||openssl||the control plane's certificates"
  "curl||curl||the control plane's readiness probes"
  "docker-registry||docker-registry||the test registry (Debian's docker-registry 2.8)"
  "shellcheck||shellcheck||npm run lint (actionlint checks the workflows' run: scripts with it)"
)

# Prints the first dotted version number in a tool's --version output.
version_of() {
  local out
  case "$1" in
    go) out="$(go env GOVERSION 2>/dev/null)" ;;
    *) out="$("$1" --version 2>/dev/null | head -n 1)" ;;
  esac
  [[ "$out" =~ ([0-9]+(\.[0-9]+)+) ]] && printf '%s\n' "${BASH_REMATCH[1]}"
}

# version_ge <have> <want>: numeric, field by field.
version_ge() {
  local i have want
  IFS=. read -ra have <<<"$1"
  IFS=. read -ra want <<<"$2"
  for ((i = 0; i < ${#want[@]}; i++)); do
    ((10#${have[i]:-0} > 10#${want[i]})) && return 0
    ((10#${have[i]:-0} < 10#${want[i]})) && return 1
  done
  return 0
}

# Fills MISSING (lines "command|problem|package|otherwise|why") and PACKAGES.
check() {
  MISSING=()
  PACKAGES=()
  local entry name min package otherwise why have
  for entry in "${REQUIREMENTS[@]}"; do
    IFS='|' read -r name min package otherwise why <<<"$entry"
    if ! command -v "$name" >/dev/null 2>&1; then
      MISSING+=("$name|not installed|$package|$otherwise|$why")
    elif [[ -n "$min" ]]; then
      have="$(version_of "$name")"
      version_ge "${have:-0}" "$min" ||
        MISSING+=("$name|version ${have:-unknown} found, >= $min needed|$package|$otherwise|$why")
    else
      continue
    fi
    [[ -n "$package" ]] && PACKAGES+=("$package")
  done
}

check
if ((${#MISSING[@]} == 0)); then
  printf 'prereqs: %d tools present (scripts/prereqs.sh)\n' "${#REQUIREMENTS[@]}" >&2
  exit 0
fi

if ((${#PACKAGES[@]})) && [[ "$(id -u)" == 0 && -z "${PREREQS_NO_INSTALL:-}" ]] && command -v apt-get >/dev/null; then
  printf 'prereqs: installing %s\n' "${PACKAGES[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 && apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}" >&2 ||
    printf 'prereqs: apt-get install failed\n' >&2
  check
  ((${#MISSING[@]} == 0)) && exit 0
fi

{
  printf 'prereqs: %d of %d tools that npm run local / npm test need are missing:\n' "${#MISSING[@]}" "${#REQUIREMENTS[@]}"
  apt=()
  for entry in "${MISSING[@]}"; do
    IFS='|' read -r name problem package otherwise why <<<"$entry"
    how="${package:+apt-get install -y $package}"
    [[ -n "$otherwise" ]] && how="${how:+$how, or }$otherwise"
    printf '  - %-16s %s; needed for: %s\n      install: %s\n' "$name" "$problem" "$why" "$how"
    [[ -n "$package" ]] && apt+=("$package")
  done
  if ((${#apt[@]})); then
    printf 'All Debian packages at once: sudo apt-get update && sudo apt-get install -y %s\n' "${apt[*]}"
  fi
  printf 'Then run the command again. The list is REQUIREMENTS in scripts/prereqs.sh.\n'
} >&2
exit 1
