// The refresher: the script the CronJob's container runs to turn the pod's federated identity
// into a GCP access token and write it into the registry pull secret.
//
// Fixes of the seed's script (docs/SEED-REVIEW.md):
//   D1  `entra` mode exchanges the ServiceAccount token at Entra ID first;
//   D3  `gcloud auth login --cred-file` before `print-access-token`;
//   D4  one atomic server-side apply instead of delete-then-create;
//   D12 the token's expiry is recorded on the Secret.
// Every value reaches the script through environment variables (refresherEnv), never through
// text interpolated into it: no input can inject shell, and the script is the same for every
// install. It runs as non-root on a read-only root filesystem: everything it writes goes under
// the scratch emptyDir (HOME, CLOUDSDK_CONFIG) or the Entra token emptyDir.

import type { V1EnvVar } from '@kubernetes/client-node';
import { EXPIRES_AT_ANNOTATION, REFRESHED_AT_ANNOTATION, type Settings } from './settings.js';

export const REFRESHER_CONTAINER = 'token-refresh';

export const REFRESHER_PATHS = {
  credentialConfigDir: '/etc/gcp',
  credentialConfigFile: 'credential-config.json',
  saTokenDir: '/var/run/secrets/azure/tokens',
  saTokenFile: 'azure-identity-token',
  entraTokenDir: '/var/run/secrets/entra',
  entraTokenFile: 'token',
  scratchDir: '/tmp',
};

/** The log line that starts each step, so a failure is attributable to the hop that failed. */
export const REFRESHER_STEPS = {
  checkInputs: 'step: check inputs',
  entraExchange: 'step: exchange at Entra ID',
  gcloudLogin: 'step: gcloud login',
  accessToken: 'step: get access token',
  applySecret: 'step: apply secret',
};

/** Field manager of the refresher's server-side apply of the pull secret. */
export const REFRESHER_FIELD_MANAGER = 'bifrost-refresher';

/** The bash script (container args). Reads only environment variables; see refresherEnv. */
export function refresherScript(): string {
  // A template literal: `\${` is a bash expansion, not a JS one. No backslash line continuations
  // (the template would eat them): long commands are bash arrays.
  return `set -euo pipefail
set +x # never trace: the token passes through variables
umask 077

fail() {
  echo "error: $*" >&2
  exit 1
}

echo "${REFRESHER_STEPS.checkInputs}"
for name in FEDERATION_MODE NAMESPACE PULL_SECRET REGISTRY_HOST TOKEN_LIFETIME_SECONDS GOOGLE_APPLICATION_CREDENTIALS SA_TOKEN_FILE HOME CLOUDSDK_CONFIG; do
  [ -n "\${!name:-}" ] || fail "environment variable $name is not set"
done
for tool in gcloud kubectl; do
  command -v "$tool" >/dev/null ||
    fail "$tool is not in the refresher image: use the full image, e.g. gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0 (:stable and :slim have no kubectl)"
done
[[ "$TOKEN_LIFETIME_SECONDS" =~ ^[1-9][0-9]*$ ]] || fail "TOKEN_LIFETIME_SECONDS is not a positive number of seconds"
[ -r "$GOOGLE_APPLICATION_CREDENTIALS" ] || fail "credential config $GOOGLE_APPLICATION_CREDENTIALS is missing (ConfigMap not mounted?)"
[ -s "$SA_TOKEN_FILE" ] || fail "ServiceAccount token $SA_TOKEN_FILE is missing or empty (projected volume not mounted?)"
mkdir -p "$HOME" "$CLOUDSDK_CONFIG"

exchange_at_entra() {
  for name in ENTRA_AUTHORITY_HOST ENTRA_TENANT_ID ENTRA_CLIENT_ID ENTRA_RESOURCE ENTRA_TOKEN_FILE; do
    [ -n "\${!name:-}" ] || fail "environment variable $name is not set (needed in entra mode)"
  done
  for tool in curl python3; do
    command -v "$tool" >/dev/null || fail "$tool is not in the refresher image (needed in entra mode): use the full image, e.g. gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0"
  done
  local url="\${ENTRA_AUTHORITY_HOST%/}/$ENTRA_TENANT_ID/oauth2/v2.0/token"
  echo "${REFRESHER_STEPS.entraExchange}: POST $url (client $ENTRA_CLIENT_ID, scope \${ENTRA_RESOURCE%/}/.default)"
  local response
  response=$(mktemp "\${TMPDIR:-/tmp}/entra-response.XXXXXX")
  # The assertion is read from the file by curl (@file): it never appears in a process argument.
  local form=(
    --data-urlencode "grant_type=client_credentials"
    --data-urlencode "client_id=$ENTRA_CLIENT_ID"
    --data-urlencode "scope=\${ENTRA_RESOURCE%/}/.default"
    --data-urlencode "client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    --data-urlencode "client_assertion@$SA_TOKEN_FILE"
  )
  local status
  status=$(curl --silent --show-error --max-time 30 --retry 2 --output "$response" --write-out '%{http_code}' "\${form[@]}" "$url") ||
    fail "could not reach Entra ID at $url"
  # Writes the access token (0600, atomically) or prints Entra's error fields: never the token.
  python3 - "$response" "$ENTRA_TOKEN_FILE" "$status" <<'PYTHON' || { rm -f "$response"; exit 1; }
import json, os, sys, tempfile
response_path, token_path, status = sys.argv[1], sys.argv[2], sys.argv[3]
with open(response_path, encoding="utf-8", errors="replace") as f:
    raw = f.read()
try:
    body = json.loads(raw)
except ValueError:
    body = None
if status != "200" or not isinstance(body, dict) or not body.get("access_token"):
    print("error: Entra ID answered HTTP " + status, file=sys.stderr)
    if isinstance(body, dict):
        for key in ("error", "error_description", "error_codes"):
            if key in body:
                print("  " + key + ": " + str(body[key]), file=sys.stderr)
    else:
        print("  body (not JSON): " + raw[:500], file=sys.stderr)
    sys.exit(1)
fd, temp_path = tempfile.mkstemp(dir=os.path.dirname(token_path) or ".", prefix=".token.")
with os.fdopen(fd, "w") as f:
    f.write(body["access_token"])
os.chmod(temp_path, 0o600)
os.replace(temp_path, token_path)
print("Entra ID token written to " + token_path + " (expires in " + str(body.get("expires_in", "?")) + " s)")
PYTHON
  rm -f "$response"
}

case "$FEDERATION_MODE" in
  kubernetes) ;;
  entra) exchange_at_entra ;;
  *) fail "FEDERATION_MODE must be kubernetes or entra, not '$FEDERATION_MODE'" ;;
esac

echo "${REFRESHER_STEPS.gcloudLogin}: gcloud auth login --cred-file=$GOOGLE_APPLICATION_CREDENTIALS"
gcloud auth login --cred-file="$GOOGLE_APPLICATION_CREDENTIALS" --quiet ||
  fail "gcloud could not load the credential config $GOOGLE_APPLICATION_CREDENTIALS"

echo "${REFRESHER_STEPS.accessToken}: gcloud auth print-access-token (STS exchange, then service account impersonation)"
requested_at=$(date -u +%s)
token=$(gcloud auth print-access-token) ||
  fail "gcloud could not get an access token: see gcloud's error above (STS or IAM Credentials)"
[ -n "$token" ] || fail "gcloud printed an empty access token"
refreshed_at=$(date -u -d "@$requested_at" +%Y-%m-%dT%H:%M:%SZ)
expires_at=$(date -u -d "@$((requested_at + TOKEN_LIFETIME_SECONDS))" +%Y-%m-%dT%H:%M:%SZ)

echo "${REFRESHER_STEPS.applySecret}: server-side apply of $NAMESPACE/$PULL_SECRET for $REGISTRY_HOST"
create_secret=(
  kubectl create secret docker-registry "$PULL_SECRET"
  --namespace="$NAMESPACE"
  --docker-server="$REGISTRY_HOST"
  --docker-username=oauth2accesstoken
  --docker-password="$token"
  --dry-run=client --output=json
)
annotate_secret=(
  kubectl annotate --local --filename=- --output=json
  "${EXPIRES_AT_ANNOTATION}=$expires_at"
  "${REFRESHED_AT_ANNOTATION}=$refreshed_at"
)
apply_secret=(
  kubectl apply --server-side --force-conflicts --field-manager=${REFRESHER_FIELD_MANAGER} --filename=-
)
if ! "\${create_secret[@]}" | "\${annotate_secret[@]}" | "\${apply_secret[@]}"; then
  fail "could not apply Secret $NAMESPACE/$PULL_SECRET: see kubectl's error above (RBAC: the refresher's Role must allow get/patch on it and create on secrets)"
fi
unset token
echo "Secret $NAMESPACE/$PULL_SECRET refreshed; expires $expires_at"
`;
}

/** Every value the script reads. Names avoid the AZURE_* variables the workload identity
 * webhook injects, so a mutated pod cannot change what the script does. */
export function refresherEnv(settings: Settings): V1EnvVar[] {
  const { names, identity, workload } = settings;
  const env: Record<string, string> = {
    FEDERATION_MODE: identity.federation,
    NAMESPACE: names.namespace,
    PULL_SECRET: names.pullSecret,
    REGISTRY_HOST: identity.registryHost,
    TOKEN_LIFETIME_SECONDS: String(workload.tokenLifetimeSeconds),
    GOOGLE_APPLICATION_CREDENTIALS: `${REFRESHER_PATHS.credentialConfigDir}/${REFRESHER_PATHS.credentialConfigFile}`,
    SA_TOKEN_FILE: `${REFRESHER_PATHS.saTokenDir}/${REFRESHER_PATHS.saTokenFile}`,
    // Writable places on a read-only root filesystem, for a non-root user.
    HOME: REFRESHER_PATHS.scratchDir,
    TMPDIR: REFRESHER_PATHS.scratchDir,
    CLOUDSDK_CONFIG: `${REFRESHER_PATHS.scratchDir}/gcloud`,
    // Non-interactive gcloud, and no metadata-server probe (the pod is not on GCE).
    CLOUDSDK_CORE_DISABLE_PROMPTS: '1',
    CLOUDSDK_CORE_PROJECT: identity.gcpProjectId, // else gcloud logs "Your current project is [None]"
    CLOUDSDK_CORE_CHECK_GCE_METADATA: 'false',
    CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK: 'true',
    CLOUDSDK_CORE_DISABLE_USAGE_REPORTING: 'true',
  };
  if (identity.federation === 'entra') {
    Object.assign(env, {
      ENTRA_AUTHORITY_HOST: identity.entraAuthorityHost,
      ENTRA_TENANT_ID: identity.tenantId,
      ENTRA_CLIENT_ID: identity.clientId,
      ENTRA_RESOURCE: identity.entraResource,
      ENTRA_TOKEN_FILE: `${REFRESHER_PATHS.entraTokenDir}/${REFRESHER_PATHS.entraTokenFile}`,
    });
  }
  return Object.entries(env).map(([name, value]) => ({ name, value }));
}
