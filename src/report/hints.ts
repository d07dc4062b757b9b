// One catalogue that maps evidence (a pod log tail, a Job condition, an event message, an HTTP
// status + body from Entra / STS / IAM Credentials / a registry / Resource Manager, a kubectl error)
// to a concrete fix. Every other module asks here; none keeps its own list.
//
// Each `match` is written against the services' real words, as captured in __fixtures__
// (see SOURCES.md there). Order matters: `findHint` returns the first entry that matches, so the
// list runs from the most specific cause to the most generic symptom (a pull-secret that does not
// exist explains an "Unauthenticated request", which explains an ImagePullBackOff).
//
// Input names used in the fixes (`client-id`, `registry-region`, …) are the action's inputs;
// object names are the defaults (namespace bifrost, ServiceAccount bifrost-sa, …).

export interface Hint {
  id: string;
  title: string;
  /** Tested against the evidence text. Never give it the `g` or `y` flag (stateful `test`). */
  match: RegExp;
  fix: string;
  docs?: string;
}

const WIF_ENTRA_DOCS =
  'https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust-user-assigned-managed-identity';
const GCP_WIF_K8S_DOCS = 'https://cloud.google.com/iam/docs/workload-identity-federation-with-kubernetes';
const AR_ACCESS_DOCS = 'https://cloud.google.com/artifact-registry/docs/access-control';

// The seed's names, used in the command lines of the fixes.
const FEDERATED_CREDENTIAL_COMMAND =
  'az identity federated-credential create --name bifrost-federated-credential --identity-name bifrost-pull-identity ' +
  '--resource-group <identity resource group> --issuer "$(az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv)" ' +
  '--subject system:serviceaccount:bifrost:bifrost-sa --audience api://AzureADTokenExchange';

export const HINTS: readonly Hint[] = [
  // ── Microsoft Entra ID token endpoint (entra federation mode, azure/login) ──────────────────
  {
    id: 'entra-no-matching-federated-credential',
    title: 'No federated credential matches the ServiceAccount token',
    match: /AADSTS70021\b|"error_codes"\s*:\s*\[\s*70021\b/,
    fix:
      'Entra answered AADSTS70021 "No matching federated identity record found for presented assertion" and lists the ' +
      'Assertion Issuer, Subject and Audience it was given. The managed identity (input identity-name, default ' +
      'bifrost-pull-identity) needs a federated credential with exactly those values: issuer = the AKS OIDC issuer URL ' +
      '(with its trailing slash), subject = system:serviceaccount:<namespace>:<refresher ServiceAccount> ' +
      '(default system:serviceaccount:bifrost:bifrost-sa), audience = api://AzureADTokenExchange. Create it with ' +
      `\`${FEDERATED_CREDENTIAL_COMMAND}\`, or set the input manage-federated-credential: true. ` +
      'A new credential can take a few minutes to be honoured.',
    docs: WIF_ENTRA_DOCS,
  },
  {
    id: 'entra-issuer-mismatch',
    title: 'Federated credential issuer differs from the cluster OIDC issuer',
    match: /AADSTS700211\b|"error_codes"\s*:\s*\[\s*\**700211\b/,
    fix:
      'Entra answered AADSTS700211 "No matching federated identity record found for presented assertion issuer": the ' +
      "federated credential's issuer is not the issuer of the token. Set it to the cluster's OIDC issuer exactly as " +
      '`az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv` prints it (case and trailing slash ' +
      'matter; the URL changes when the cluster is recreated): `az identity federated-credential update --name ' +
      'bifrost-federated-credential --identity-name bifrost-pull-identity --resource-group <rg> --issuer <issuer URL>`, ' +
      'or let the action manage it (manage-federated-credential: true).',
    docs: WIF_ENTRA_DOCS,
  },
  {
    id: 'entra-audience-mismatch',
    title: 'Federated credential audience differs from the token audience',
    match: /AADSTS700212\b|"error_codes"\s*:\s*\[\s*700212\b/,
    fix:
      'Entra answered AADSTS700212 "No matching federated identity record found for presented assertion audience": the ' +
      "federated credential's audiences must be [api://AzureADTokenExchange] and the refresher's projected " +
      'ServiceAccount token must be requested for that same audience (pod spec ' +
      'volumes[].projected.sources[].serviceAccountToken.audience). Fix the credential with `az identity ' +
      'federated-credential update … --audiences api://AzureADTokenExchange` and redeploy (mode: deploy) to restore the ' +
      'CronJob.',
    docs: WIF_ENTRA_DOCS,
  },
  {
    id: 'entra-subject-mismatch',
    title: 'Federated credential subject differs from the ServiceAccount',
    match: /AADSTS700213\b|"error_codes"\s*:\s*\[\s*700213\b/,
    fix:
      'Entra answered AADSTS700213 "No matching federated identity record found for presented assertion subject": the ' +
      'subject must be system:serviceaccount:<namespace>:<ServiceAccount the refresher runs as> (default ' +
      'system:serviceaccount:bifrost:bifrost-sa). If you changed the namespace or the refresher ServiceAccount name, update ' +
      'the federated credential: `az identity federated-credential update --name bifrost-federated-credential ' +
      '--identity-name bifrost-pull-identity --resource-group <rg> --subject system:serviceaccount:<namespace>:<sa>`.',
    docs: WIF_ENTRA_DOCS,
  },
  {
    id: 'entra-app-not-found',
    title: 'Client id not found in the tenant',
    match: /AADSTS700016\b|"error_codes"\s*:\s*\[\s*700016\b/,
    fix:
      'Entra answered AADSTS700016 "Application with identifier \'…\' was not found in the directory": the client id was ' +
      'sent to a tenant that does not hold it. Compare the input client-id (and the ServiceAccount annotation ' +
      'azure.workload.identity/client-id rendered from it) and tenant-id with `az identity show -n bifrost-pull-identity ' +
      "-g <rg> --query '{clientId:clientId,tenantId:tenantId}'`. When the action itself logs in (login-client-id), the " +
      'same applies to that app registration.',
    docs: 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes',
  },
  {
    id: 'entra-tenant-not-found',
    title: 'Tenant not found',
    match: /AADSTS90002\b|"error_codes"\s*:\s*\[\s*90002\b/,
    fix:
      'Entra answered AADSTS90002 "Tenant \'…\' not found": the input tenant-id must be the directory GUID ' +
      '(`az account show --query tenantId -o tsv`), and the azure-environment input must be the cloud that tenant lives in ' +
      '(AzureCloud, AzureChinaCloud or AzureUSGovernment).',
    docs: 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes',
  },
  {
    id: 'entra-assertion-expired',
    title: 'ServiceAccount token expired before the exchange',
    match: /AADSTS700024\b|"error_codes"\s*:\s*\[\s*700024\b/,
    fix:
      'Entra answered AADSTS700024 "Client assertion is not within its valid time range": the ServiceAccount token was ' +
      'read too early or cached. The kubelet rotates the projected token file; read the file at exchange time (the ' +
      "action's refresher does) and do not copy tokens out of the pod. If times in the message are far apart from now, " +
      "check the node's clock.",
    docs: 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes',
  },

  // ── Google Security Token Service (sts.googleapis.com/v1/token) ──────────────────────────────
  {
    id: 'sts-invalid-audience',
    title: 'Credential config audience is not a provider resource name',
    match: /Invalid value for \\?"audience\\?"/,
    fix:
      'Google STS answered invalid_request "Invalid value for "audience". This value should be the full resource name of ' +
      'the Identity Provider": the audience in ConfigMap gcp-credential-config must be ' +
      '//iam.googleapis.com/projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider>. ' +
      'Check the inputs gcp-project-number (digits, not the project id), workload-identity-pool and ' +
      'workload-identity-provider, then redeploy (mode: deploy) to re-render the ConfigMap.',
    docs: GCP_WIF_K8S_DOCS,
  },
  {
    id: 'sts-invalid-target',
    title: 'Workload identity pool or provider missing or disabled',
    match:
      /"error"\s*:\s*"invalid_target"|The target service indicated by the \\?"audience\\?" parameters is invalid/,
    fix:
      'Google STS answered invalid_target "The target service indicated by the "audience" parameters is invalid … the pool ' +
      "or provider is disabled or deleted or … doesn't exist\": the pool/provider named in the credential config's " +
      'audience does not exist in that project number. Check gcp-project-number, workload-identity-pool and ' +
      'workload-identity-provider against `gcloud iam workload-identity-pools providers describe <provider> ' +
      '--workload-identity-pool=<pool> --location=global --project=<project>`; the Bifrost team owns the pool, so ask them ' +
      'if it was disabled or deleted.',
    docs: GCP_WIF_K8S_DOCS,
  },
  {
    id: 'sts-audience-mismatch',
    title: 'Token audience not accepted by the GCP provider',
    match: /does not match the expected audience/,
    fix:
      'Google STS answered invalid_grant "The audience in ID Token […] does not match the expected audience": the ' +
      "token's aud claim is not in the provider's allowed audiences. federation: kubernetes — the projected ServiceAccount " +
      'token has audience api://AzureADTokenExchange, so the provider needs ' +
      '`gcloud iam workload-identity-pools providers update-oidc <provider> --workload-identity-pool=<pool> ' +
      '--location=global --allowed-audiences=api://AzureADTokenExchange`; federation: entra — the Entra token is issued ' +
      'for the input entra-resource, which must be the allowed audience. The Bifrost team manages the provider.',
    docs: GCP_WIF_K8S_DOCS,
  },
  {
    id: 'sts-attribute-condition',
    title: 'Token rejected by the provider attribute condition',
    match: /rejected by the attribute condition/,
    fix:
      'Google STS answered unauthorized_client "The given credential is rejected by the attribute condition": the ' +
      "provider's condition does not accept this token's claims. federation: kubernetes — it usually pins " +
      "assertion.sub == 'system:serviceaccount:bifrost:bifrost-sa', so a changed namespace or refresher ServiceAccount " +
      'breaks it; federation: entra — it pins the tenant (tid) and the managed identity (client-id / object id). Restore the ' +
      'default names or send the Bifrost team your tenant-id, client-id and subject.',
    docs: GCP_WIF_K8S_DOCS,
  },
  {
    id: 'sts-invalid-grant',
    title: 'Google STS rejected the token',
    match: /"error"\s*:\s*"invalid_grant"|Error code invalid_grant/,
    fix:
      "Google STS answered invalid_grant: the token's issuer, signature or age is not what the provider expects; " +
      "error_description names the claim. federation: kubernetes — the provider's issuer URI must be the cluster's OIDC " +
      'issuer (`az aks show … --query oidcIssuerProfile.issuerUrl`); federation: entra — it must be ' +
      'https://login.microsoftonline.com/<tenant-id>/v2.0. Tell the Bifrost team which issuer you use.',
    docs: GCP_WIF_K8S_DOCS,
  },

  // ── IAM Credentials (service account impersonation) ─────────────────────────────────────────
  {
    id: 'iam-get-access-token-denied',
    title: 'Federated identity may not impersonate the service account',
    match: /iam\.serviceAccounts\.getAccessToken\W+denied|The caller does not have permission/,
    fix:
      "IAM Credentials answered 403 PERMISSION_DENIED (\"Permission 'iam.serviceAccounts.getAccessToken' denied on " +
      'resource (or it may not exist)" / "The caller does not have permission"): the federated principal lacks ' +
      'roles/iam.workloadIdentityUser on the service account, or the input gcp-service-account names one that does not ' +
      'exist. Grant it: `gcloud iam service-accounts add-iam-policy-binding <gcp-service-account> ' +
      '--role=roles/iam.workloadIdentityUser --member=principal://iam.googleapis.com/projects/<project number>/locations/' +
      'global/workloadIdentityPools/<pool>/subject/system:serviceaccount:bifrost:bifrost-sa` (the Bifrost team owns the ' +
      'service account), and check the e-mail in service_account_impersonation_url of gcp-credential-config.',
    docs: 'https://cloud.google.com/iam/docs/workload-identity-federation-with-kubernetes#impersonation',
  },

  // ── gcloud in a seed-style refresher (the action's refresh.mjs prints each service's own answer) ───────────────────────────────────────────────────────────────────
  {
    id: 'gcloud-impersonation-failed',
    title: 'gcloud could not get an impersonated token',
    match: /Unable to acquire impersonated credentials/,
    fix:
      'gcloud said "Unable to acquire impersonated credentials": IAM Credentials generateAccessToken returned no usable ' +
      'token. With a 403 body, grant roles/iam.workloadIdentityUser (see the IAM hint); with "No access token or invalid ' +
      'expiration in response" alone, the response lacked accessToken or an RFC 3339 expireTime. Check that ' +
      'service_account_impersonation_url in gcp-credential-config ends in ' +
      'serviceAccounts/<gcp-service-account>:generateAccessToken.',
  },
  {
    id: 'gcloud-no-active-account',
    title: 'gcloud ignores GOOGLE_APPLICATION_CREDENTIALS (no active account)',
    match: /You do not currently have an active account selected/,
    fix:
      'gcloud said "You do not currently have an active account selected": `gcloud auth print-access-token` does not ' +
      'read GOOGLE_APPLICATION_CREDENTIALS (seed defect D3). Log in with the credential config first: ' +
      '`gcloud auth login --cred-file="$GOOGLE_APPLICATION_CREDENTIALS" --quiet`, then `gcloud auth print-access-token`. ' +
      "The action's refresher needs no gcloud (refresh.mjs calls STS and IAM itself): redeploy (mode: deploy) to " +
      'replace a seed-style CronJob, or fix your own script.',
    docs: 'https://cloud.google.com/sdk/gcloud/reference/auth/login',
  },
  {
    id: 'gcloud-refresh-failed',
    title: 'gcloud could not refresh its credentials',
    match: /There was a problem refreshing your current auth tokens/,
    fix:
      'gcloud said "There was a problem refreshing your current auth tokens". If it names the Compute Engine metadata ' +
      'service, gcloud is not using the external_account credential config at all (AKS has no GCE metadata server): run ' +
      '`gcloud auth login --cred-file="$GOOGLE_APPLICATION_CREDENTIALS" --quiet` first (D3). Otherwise the text after ' +
      '"auth tokens:" is the STS or IAM answer: fix that.',
    docs: 'https://cloud.google.com/sdk/gcloud/reference/auth/login',
  },

  // ── kubectl / Kubernetes API in the refresher or the action ──────────────────────────────────
  {
    id: 'kubectl-not-found',
    title: 'Refresher image has no kubectl',
    match: /\bkubectl: (?:command )?not found/,
    fix:
      'The shell said "kubectl: command not found": a seed-style refresher runs kubectl, and the image has none ' +
      "(google/cloud-sdk:slim, seed defect D2). The action's refresher needs neither kubectl nor a shell: redeploy " +
      '(mode: deploy) to replace the CronJob with refresh.mjs on the distroless Node.js image (input refresher-image, ' +
      'default gcr.io/distroless/nodejs22-debian12:nonroot pinned by digest).',
  },
  {
    id: 'refresher-node-missing',
    title: 'Refresher image has no node',
    match:
      /exec: "\/nodejs\/bin\/node": stat \/nodejs\/bin\/node: no such file or directory|\/nodejs\/bin\/node: not found/,
    fix:
      'The container runtime could not start /nodejs/bin/node: the image given as refresher-image is not a distroless ' +
      'Node.js image. Leave refresher-image empty for the default gcr.io/distroless/nodejs22-debian12:nonroot (pinned by ' +
      'digest), or give a mirror of that image.',
  },
  {
    id: 'refresher-unreachable',
    title: 'The refresher could not reach a service',
    match: /could not reach (?:Entra ID|Google STS|IAM Credentials|the API server) at /,
    fix:
      'refresh.mjs tried the connection 4 times (refused, reset, timed out or unresolvable) and gave up. Allow the ' +
      "refresher pod's egress on HTTPS to login.microsoftonline.com (federation: entra), sts.googleapis.com and " +
      'iamcredentials.googleapis.com, and to the API server (a NetworkPolicy in the namespace, the cluster firewall or ' +
      'an egress proxy); check DNS from a pod in the namespace.',
  },
  {
    id: 'rbac-secrets-forbidden',
    title: 'Not allowed to write or read Secrets',
    match: /secrets(?: \\?"[^"\\]*\\?")? is forbidden/,
    fix:
      'The API server answered Forbidden "secrets … is forbidden: User … cannot <verb> resource "secrets"". If the user is ' +
      'system:serviceaccount:bifrost:bifrost-sa (the refresher), Role secret-manager must allow get and patch on ' +
      'resourceNames [ar-pull-secret] plus create on secrets (create cannot be limited by name), bound to bifrost-sa by ' +
      'RoleBinding secret-manager-binding: redeploy (mode: deploy) and check with `kubectl auth can-i patch ' +
      'secret/ar-pull-secret -n bifrost --as=system:serviceaccount:bifrost:bifrost-sa`. If it is the identity the action ' +
      'runs as, apply docs/rbac/deploy.yaml (mode: deploy) or docs/rbac/verify.yaml (mode: verify) for it; the built-in ' +
      '`view` role cannot read Secrets.',
    docs: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
  },
  {
    id: 'k8s-forbidden',
    title: 'Kubernetes RBAC denied the request',
    match: /is forbidden: User \\?"/,
    fix:
      'The API server answered Forbidden "… is forbidden: User … cannot <verb> resource …": the named user lacks that ' +
      "verb. For the action's own identity apply docs/rbac/deploy.yaml (mode: deploy) or docs/rbac/verify.yaml " +
      "(mode: verify): the built-in `view` role has no Secrets and no services/proxy (the gateway's /health). Check " +
      'with `kubectl auth can-i <verb> <resource> -n bifrost` (`--subresource=proxy` for services/proxy).',
    docs: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
  },
  {
    id: 'secret-already-exists',
    title: 'Pull secret create raced another refresh',
    match: /secrets \\?"[^"\\]+\\?" already exists/,
    fix:
      'kubectl said "secrets "…" already exists" (AlreadyExists): the seed\'s delete-then-create refresh raced another ' +
      'Job (a manual and a scheduled run; concurrencyPolicy Allow) — seed defect D4. The action refreshes with one ' +
      'server-side apply (`kubectl create secret docker-registry … --dry-run=client -o yaml | kubectl apply ' +
      '--server-side --force-conflicts -f -`) and concurrencyPolicy Forbid: redeploy (mode: deploy) to replace the CronJob.',
  },

  {
    id: 'apply-conflict',
    title: 'Someone else changed fields the action manages',
    // kube-apiserver's server-side apply 409: "Apply failed with 1 conflict: conflict with "kubectl-annotate" using v1: .metadata…"
    match: /Apply failed with \d+ conflicts?: conflicts? with \\?"/,
    fix:
      'The API server refused the server-side apply with 409 Conflict "Apply failed with N conflict(s): conflict with ' +
      '"<field manager>" …": after the action applied these objects, another field manager (kubectl-annotate, ' +
      "kubectl-patch, kubectl-edit, another tool) changed the fields listed after the manager's name. The verify checks " +
      'show which values drifted. To restore the rendered values, re-run with the input force-conflicts: true (the ' +
      "action's values win and it owns the fields again); if the change was intended, make it through the action's " +
      'inputs instead. `kubectl get <kind> <name> -n <namespace> --show-managed-fields -o yaml` shows who owns what.',
    docs: 'https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts',
  },

  // ── Image pulls (kubelet events, registry answers) ───────────────────────────────────────────
  {
    id: 'pull-secret-missing',
    title: 'Image pull secret does not exist',
    match: /FailedToRetrieveImagePullSecret|Unable to retrieve some image pull secrets/,
    fix:
      'The kubelet said "Unable to retrieve some image pull secrets (…); attempting to pull the image may not succeed": ' +
      "the Secret named in the pod's imagePullSecrets (ar-pull-secret) does not exist. The refresher Job creates it: see " +
      'the checks cronjob-healthy and pull-secret, run a refresh now with `kubectl create job ' +
      '--from=cronjob/refresh-ar-secret refresh-now -n bifrost`, or re-run the action in deploy mode (it runs the first ' +
      'refresh and waits for it).',
  },
  {
    id: 'referenced-object-missing',
    title: 'Pod references a Secret or ConfigMap that does not exist',
    match: /\b(?:secret|configmap) \\?"[^"\\]+\\?" not found/,
    fix:
      'The kubelet said "secret/configmap "…" not found" (FailedMount or CreateContainerConfigError). For secret ' +
      '"bifrost-config" pass the Bifrost config.json through the config input (the seed never creates it — D7); for ' +
      'configmap "gcp-credential-config" redeploy (mode: deploy).',
  },
  {
    id: 'ar-unauthenticated',
    title: 'Artifact Registry got no credentials',
    match: /Unauthenticated request/,
    fix:
      'Artifact Registry answered DENIED "Unauthenticated request. Unauthenticated requests do not have permission ' +
      '"artifactregistry.repositories.downloadArtifacts"": the pull carried no usable credentials. Check that the ' +
      "Deployment's imagePullSecrets names ar-pull-secret, that the secret's registry host is exactly the image's host " +
      "(<registry-region>-docker.pkg.dev, the refresher's --docker-server) and that it is fresh (check pull-secret).",
    docs: AR_ACCESS_DOCS,
  },
  {
    id: 'ar-permission-denied',
    title: 'Service account may not read the Artifact Registry repository',
    match: /Permission \\?"artifactregistry\.repositories\.downloadArtifacts\\?" denied/,
    fix:
      'Artifact Registry answered denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource ' +
      '"projects/…/repositories/…" (or it may not exist): the service account whose token is in ar-pull-secret ' +
      '(gcp-service-account) lacks roles/artifactregistry.reader on that repository, or the image path is wrong. Check ' +
      'the image <registry-region>-docker.pkg.dev/<gcp-project-id>/<hub-slug>/bifrost, then `gcloud artifacts ' +
      'repositories add-iam-policy-binding <hub-slug> --location=<registry-region> --project=<gcp-project-id> ' +
      '--member=serviceAccount:<gcp-service-account> --role=roles/artifactregistry.reader` (the Bifrost team owns it).',
    docs: AR_ACCESS_DOCS,
  },
  {
    id: 'registry-token-not-found',
    title: 'Registry token endpoint 404: wrong region, project or repository',
    match: /failed to fetch oauth token: \**unexpected status(?: from GET request to \S+)?: 404 Not Found/,
    fix:
      'containerd said "failed to fetch oauth token: unexpected status from GET request to https://<host>/v2/token?…: 404 ' +
      'Not Found": the registry host\'s location, the project or the repository in the image path does not exist. The ' +
      "host must be the repository's location (input registry-region → <region>-docker.pkg.dev); check gcp-project-id " +
      'and hub-slug with `gcloud artifacts repositories list --project=<gcp-project-id>`.',
    docs: 'https://cloud.google.com/artifact-registry/docs/docker/troubleshoot',
  },
  {
    id: 'registry-token-rejected',
    title: 'Registry refused the pull credentials',
    match:
      /failed to fetch (?:oauth|anonymous) token: \**unexpected status(?: from GET request to \S+)?: (?:401 Unauthorized|403 Forbidden)/,
    fix:
      'containerd said "failed to fetch oauth token: unexpected status …: 401 Unauthorized / 403 Forbidden" ' +
      '("anonymous token" means no secret was used): the token in ar-pull-secret is expired, missing, or belongs to a ' +
      'service account without roles/artifactregistry.reader. See the checks pull-secret and cronjob-healthy, then the ' +
      'IAM binding on the repository.',
    docs: 'https://cloud.google.com/artifact-registry/docs/docker/troubleshoot',
  },
  {
    id: 'registry-unauthorized',
    title: 'Registry rejected the credentials',
    match:
      /unauthorized: (?:failed authentication|authentication required|You don't have the needed permissions)|"code"\s*:\s*"UNAUTHORIZED"|error="invalid_token"|requested access to the resource is denied/,
    fix:
      'The registry answered unauthorized ("authentication required", "failed authentication", error="invalid_token"): ' +
      'the credentials were missing, expired or for another host. The pull secret must hold user oauth2accesstoken with a ' +
      'token younger than 60 minutes for <registry-region>-docker.pkg.dev: see the checks pull-secret and cronjob-healthy.',
    docs: 'https://cloud.google.com/artifact-registry/docs/docker/authentication#token',
  },
  {
    id: 'image-not-found',
    title: 'Image tag not found',
    match: /failed to resolve reference "[^"]+": \**\S+: not found|not found in repository|manifest unknown/,
    fix:
      'The registry has no such image ("failed to resolve reference …: not found" / "manifest unknown"): check the input ' +
      'image-tag and the image path, and list the tags with `gcloud artifacts docker tags list ' +
      '<registry-region>-docker.pkg.dev/<gcp-project-id>/<hub-slug>/bifrost`.',
  },
  {
    id: 'image-pull-backoff',
    title: 'Image pull failing',
    match: /ImagePullBackOff|ErrImagePull|Back-off pulling image|Failed to pull image/,
    fix:
      'The kubelet reports ErrImagePull / ImagePullBackOff ("Back-off pulling image …"). The cause is in the pod\'s ' +
      '"Failed to pull image" event: usually the pull secret is missing or older than the 60-minute token (checks ' +
      'pull-secret, cronjob-healthy), the registry host or image path is wrong (registry-region, gcp-project-id, hub-slug, ' +
      'image-tag) or the service account lacks roles/artifactregistry.reader. A :latest tag pulls on every pod start ' +
      '(D9), so pin image-tag.',
  },

  // ── Gateway runtime ──────────────────────────────────────────────────────────────────────────
  {
    id: 'crash-loop',
    title: 'Container keeps exiting',
    match: /CrashLoopBackOff|Back-off restarting failed container/,
    fix:
      'The kubelet reports CrashLoopBackOff ("Back-off restarting failed container"): the process starts and exits. Read ' +
      'the previous log with `kubectl logs deployment/bifrost -n bifrost --previous`. Common causes: an invalid ' +
      'config.json (config input), /app/data not writable (the pod must run as UID 1000 with fsGroup 1000), or a config ' +
      'store that cannot be reached.',
  },
  {
    id: 'service-no-endpoints',
    title: 'No ready pod behind the Service',
    match: /no endpoints available for service/,
    fix:
      'The API server answered 503 "no endpoints available for service …": no gateway pod is Ready. See the checks ' +
      'deployment-available and pods-healthy; the Service selector must match the pod labels (app: bifrost).',
  },

  // ── Azure Resource Manager (used by azure.ts) ───────────────────────────────────────────────
  {
    id: 'arm-authorization-failed',
    title: 'Azure identity lacks a role for this action',
    match: /AuthorizationFailed|does not have authorization to perform action/,
    fix:
      "Resource Manager answered AuthorizationFailed \"The client '…' … does not have authorization to perform action " +
      "'…' over scope '…'\": assign the identity the action logs in as a role that grants that action — " +
      "…/listClusterUserCredential/action: 'Azure Kubernetes Service Cluster User Role' on the cluster " +
      "(listClusterAdminCredential: 'Azure Kubernetes Service Cluster Admin Role'); " +
      "Microsoft.ManagedIdentity/userAssignedIdentities/federatedIdentityCredentials/write: 'Managed Identity " +
      "Contributor' on the identity; reads: 'Reader'. Role assignments take a few minutes; then re-run.",
    docs: 'https://learn.microsoft.com/azure/role-based-access-control/troubleshooting',
  },
  {
    id: 'arm-resource-not-found',
    title: 'Azure resource not found',
    match: /"code"\s*:\s*"ResourceNotFound"|The Resource '[^']+' under resource group '[^']+' was not found/,
    fix:
      "Resource Manager answered ResourceNotFound \"The Resource '…' under resource group '…' was not found\": check the " +
      'inputs subscription-id, resource-group and cluster-name (for the managed identity: identity-name and ' +
      'identity-resource-group). Resource names are case-insensitive but must exist in that subscription.',
    docs: 'https://aka.ms/ARMResourceNotFoundFix',
  },

  // ── A service that stayed down through every retry (net/retry.ts) ──────────────────────────
  {
    id: 'k8s-api-unreachable',
    title: 'Kubernetes API server unreachable',
    match: /\bAPI server unreachable at\b/,
    fix:
      'Every try to reach the API server failed (connection refused or reset, 429, 5xx or no answer) until the retries ' +
      'or the `timeout` ran out. Check that the cluster is running (`az aks show -g <rg> -n <cluster> --query ' +
      'powerState`), that the runner can reach the address shown (a private cluster needs a self-hosted runner in its ' +
      'network, or `az aks command invoke`), and whether the control plane is being upgraded; then re-run. Raise ' +
      '`timeout` if the API server is only slow.',
  },
  {
    id: 'arm-unreachable',
    title: 'Azure Resource Manager unreachable',
    match: /\bResource Manager unreachable at\b/,
    fix:
      'Every try to reach Resource Manager failed (connection refused or reset, 429, 5xx or no answer). Check ' +
      "resource-manager-url / azure-environment, the runner's network access and https://azure.status.microsoft, then re-run.",
  },
  {
    id: 'entra-unreachable',
    title: 'Microsoft Entra ID unreachable',
    match: /\bEntra ID unreachable at\b/,
    fix:
      'Every try to get a token from Entra ID failed (connection refused or reset, 429, 5xx or no answer). Check the ' +
      "authority host (azure-environment), the runner's network access and https://azure.status.microsoft, then re-run.",
  },

  // ── Generic Job failures: last, so a cause found in the logs wins ───────────────────────────
  {
    id: 'job-deadline-exceeded',
    title: 'Refresh Job ran past its deadline',
    match: /\bDeadlineExceeded\b|Job was active longer than specified deadline/,
    fix:
      'The Job condition says DeadlineExceeded "Job was active longer than specified deadline": the refresher pod did not ' +
      'finish in activeDeadlineSeconds — usually it never started (refresher image pull, missing ServiceAccount or ' +
      'ConfigMap: look at the pod events) or it hung on a network call to Entra/STS/IAM (egress blocked).',
  },
  {
    id: 'job-backoff-limit',
    title: 'Refresh Job failed repeatedly',
    match: /BackoffLimitExceeded|Job has reached the specified backoff limit/,
    fix:
      'The Job condition says BackoffLimitExceeded "Job has reached the specified backoff limit": every refresher pod ' +
      'failed. The cause is in the pod log: `kubectl logs -n bifrost -l job-name=<job name>` (the Job name, e.g. ' +
      'refresh-ar-secret-29012345, not the CronJob name — D11).',
  },
];

/** The first catalogue entry (most specific) whose words appear in the evidence. */
export function findHint(text: string): Hint | undefined {
  return HINTS.find((hint) => hint.match.test(text));
}

/** Every entry that matches, most specific first. */
export function findHints(text: string): Hint[] {
  return HINTS.filter((hint) => hint.match.test(text));
}

export function hintById(id: string): Hint {
  const hint = HINTS.find((entry) => entry.id === id);
  if (!hint) throw new Error(`unknown hint id ${id}`);
  return hint;
}

/** The text for a CheckResult's `hint` field or an annotation. */
export function formatHint(hint: Hint): string {
  return hint.docs ? `${hint.fix} (${hint.docs})` : hint.fix;
}
