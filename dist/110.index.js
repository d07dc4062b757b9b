export const id = 110;
export const ids = [110];
export const modules = {

/***/ 3110:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: external "node:fs/promises"
var promises_ = __webpack_require__(1455);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: external "node:https"
var external_node_https_ = __webpack_require__(4708);
var external_node_https_default = /*#__PURE__*/__webpack_require__.n(external_node_https_);
;// CONCATENATED MODULE: ./src/hints.ts
// One catalogue that maps evidence (a pod log tail, a Job condition, an event message, an HTTP
// status + body from Entra / STS / IAM Credentials / a registry / Resource Manager, a kubectl error)
// to a concrete fix. Every other module asks here; none keeps its own list.
//
// Each `match` is written against the services' real words, as captured in ../shared/fixtures
// (see SOURCES.md there). Order matters: `findHint` returns the first entry that matches, so the
// list runs from the most specific cause to the most generic symptom (a pull-secret that does not
// exist explains an "Unauthenticated request", which explains an ImagePullBackOff).
//
// Input names used in the fixes (`client-id`, `registry-region`, …) are the action's inputs;
// object names are the defaults (namespace bifrost, ServiceAccount bifrost-sa, …).
const WIF_ENTRA_DOCS = 'https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust-user-assigned-managed-identity';
const GCP_WIF_K8S_DOCS = 'https://cloud.google.com/iam/docs/workload-identity-federation-with-kubernetes';
const AR_ACCESS_DOCS = 'https://cloud.google.com/artifact-registry/docs/access-control';
// The seed's names, used in the command lines of the fixes.
const FEDERATED_CREDENTIAL_COMMAND = 'az identity federated-credential create --name bifrost-federated-credential --identity-name bifrost-pull-identity ' +
    '--resource-group <identity resource group> --issuer "$(az aks show -g <rg> -n <cluster> --query oidcIssuerProfile.issuerUrl -o tsv)" ' +
    '--subject system:serviceaccount:bifrost:bifrost-sa --audience api://AzureADTokenExchange';
const HINTS = [
    // ── Microsoft Entra ID token endpoint (entra federation mode, azure/login) ──────────────────
    {
        id: 'entra-no-matching-federated-credential',
        title: 'No federated credential matches the ServiceAccount token',
        match: /AADSTS70021\b|"error_codes"\s*:\s*\[\s*70021\b/,
        fix: 'Entra answered AADSTS70021 "No matching federated identity record found for presented assertion" and lists the ' +
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
        fix: 'Entra answered AADSTS700211 "No matching federated identity record found for presented assertion issuer": the ' +
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
        fix: 'Entra answered AADSTS700212 "No matching federated identity record found for presented assertion audience": the ' +
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
        fix: 'Entra answered AADSTS700213 "No matching federated identity record found for presented assertion subject": the ' +
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
        fix: "Entra answered AADSTS700016 \"Application with identifier '…' was not found in the directory\": the client id was " +
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
        fix: "Entra answered AADSTS90002 \"Tenant '…' not found\": the input tenant-id must be the directory GUID " +
            '(`az account show --query tenantId -o tsv`), and the azure-environment input must be the cloud that tenant lives in ' +
            '(AzureCloud, AzureChinaCloud or AzureUSGovernment).',
        docs: 'https://learn.microsoft.com/entra/identity-platform/reference-error-codes',
    },
    {
        id: 'entra-assertion-expired',
        title: 'ServiceAccount token expired before the exchange',
        match: /AADSTS700024\b|"error_codes"\s*:\s*\[\s*700024\b/,
        fix: 'Entra answered AADSTS700024 "Client assertion is not within its valid time range": the ServiceAccount token was ' +
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
        fix: 'Google STS answered invalid_request "Invalid value for "audience". This value should be the full resource name of ' +
            'the Identity Provider": the audience in ConfigMap gcp-credential-config must be ' +
            '//iam.googleapis.com/projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider>. ' +
            'Check the inputs gcp-project-number (digits, not the project id), workload-identity-pool and ' +
            'workload-identity-provider, then redeploy (mode: deploy) to re-render the ConfigMap.',
        docs: GCP_WIF_K8S_DOCS,
    },
    {
        id: 'sts-invalid-target',
        title: 'Workload identity pool or provider missing or disabled',
        match: /"error"\s*:\s*"invalid_target"|The target service indicated by the \\?"audience\\?" parameters is invalid/,
        fix: 'Google STS answered invalid_target "The target service indicated by the "audience" parameters is invalid … the pool ' +
            "or provider is disabled or deleted or … doesn't exist\": the pool/provider named in the credential config's " +
            'audience does not exist in that project number. Check gcp-project-number, workload-identity-pool and ' +
            'workload-identity-provider against `gcloud iam workload-identity-pools providers describe <provider> ' +
            '--workload-identity-pool=<pool> --location=global --project=<project>`; the Bifrost team owns the pool, so ask them ' +
            'if it was disabled or deleted.',
        docs: GCP_WIF_K8S_DOCS,
    },
    {
        id: 'sts-audience-mismatch',
        title: "Token audience not accepted by the GCP provider",
        match: /does not match the expected audience/,
        fix: 'Google STS answered invalid_grant "The audience in ID Token […] does not match the expected audience": the ' +
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
        fix: 'Google STS answered unauthorized_client "The given credential is rejected by the attribute condition": the ' +
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
        fix: "Google STS answered invalid_grant: the token's issuer, signature or age is not what the provider expects; " +
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
        fix: "IAM Credentials answered 403 PERMISSION_DENIED (\"Permission 'iam.serviceAccounts.getAccessToken' denied on " +
            'resource (or it may not exist)" / "The caller does not have permission"): the federated principal lacks ' +
            'roles/iam.workloadIdentityUser on the service account, or the input gcp-service-account names one that does not ' +
            'exist. Grant it: `gcloud iam service-accounts add-iam-policy-binding <gcp-service-account> ' +
            '--role=roles/iam.workloadIdentityUser --member=principal://iam.googleapis.com/projects/<project number>/locations/' +
            'global/workloadIdentityPools/<pool>/subject/system:serviceaccount:bifrost:bifrost-sa` (the Bifrost team owns the ' +
            "service account), and check the e-mail in service_account_impersonation_url of gcp-credential-config.",
        docs: 'https://cloud.google.com/iam/docs/workload-identity-federation-with-kubernetes#impersonation',
    },
    // ── gcloud in the refresher ───────────────────────────────────────────────────────────────────
    {
        id: 'gcloud-impersonation-failed',
        title: 'gcloud could not get an impersonated token',
        match: /Unable to acquire impersonated credentials/,
        fix: 'gcloud said "Unable to acquire impersonated credentials": IAM Credentials generateAccessToken returned no usable ' +
            'token. With a 403 body, grant roles/iam.workloadIdentityUser (see the IAM hint); with "No access token or invalid ' +
            'expiration in response" alone, the response lacked accessToken or an RFC 3339 expireTime. Check that ' +
            'service_account_impersonation_url in gcp-credential-config ends in ' +
            'serviceAccounts/<gcp-service-account>:generateAccessToken.',
    },
    {
        id: 'gcloud-no-active-account',
        title: 'gcloud ignores GOOGLE_APPLICATION_CREDENTIALS (no active account)',
        match: /You do not currently have an active account selected/,
        fix: 'gcloud said "You do not currently have an active account selected": `gcloud auth print-access-token` does not ' +
            'read GOOGLE_APPLICATION_CREDENTIALS (seed defect D3). Log in with the credential config first: ' +
            '`gcloud auth login --cred-file="$GOOGLE_APPLICATION_CREDENTIALS" --quiet`, then `gcloud auth print-access-token`. ' +
            "The action's refresher does this; redeploy (mode: deploy) to replace a seed-style CronJob, or fix your own script.",
        docs: 'https://cloud.google.com/sdk/gcloud/reference/auth/login',
    },
    {
        id: 'gcloud-refresh-failed',
        title: 'gcloud could not refresh its credentials',
        match: /There was a problem refreshing your current auth tokens/,
        fix: 'gcloud said "There was a problem refreshing your current auth tokens". If it names the Compute Engine metadata ' +
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
        fix: 'The shell said "kubectl: command not found": the refresher image has no kubectl (google/cloud-sdk:slim, seed ' +
            'defect D2). Set the input refresher-image to an image with both gcloud and kubectl — the default ' +
            'gcr.io/google.com/cloudsdktool/google-cloud-cli (non-slim) ships kubectl. `gcloud components install kubectl` is ' +
            'disabled in these images; install the kubectl package when building your own.',
    },
    {
        id: 'rbac-secrets-forbidden',
        title: 'Not allowed to write or read Secrets',
        match: /secrets(?: \\?"[^"\\]*\\?")? is forbidden/,
        fix: 'The API server answered Forbidden "secrets … is forbidden: User … cannot <verb> resource "secrets"". If the user is ' +
            'system:serviceaccount:bifrost:bifrost-sa (the refresher), Role secret-manager must allow get and patch on ' +
            'resourceNames [ar-pull-secret] plus create on secrets (create cannot be limited by name), bound to bifrost-sa by ' +
            'RoleBinding secret-manager-binding: redeploy (mode: deploy) and check with `kubectl auth can-i patch ' +
            'secret/ar-pull-secret -n bifrost --as=system:serviceaccount:bifrost:bifrost-sa`. If it is the identity the action ' +
            "runs as, grant it admin on the namespace (Azure RBAC: 'Azure Kubernetes Service RBAC Admin' at namespace scope, " +
            'or a RoleBinding to the admin ClusterRole).',
        docs: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
    },
    {
        id: 'k8s-forbidden',
        title: 'Kubernetes RBAC denied the request',
        match: /is forbidden: User \\?"/,
        fix: 'The API server answered Forbidden "… is forbidden: User … cannot <verb> resource …": the named user lacks that ' +
            "verb. For the action's own identity grant admin on the namespace (Azure RBAC: 'Azure Kubernetes Service RBAC " +
            "Admin' at namespace scope, or a RoleBinding to the admin ClusterRole); check with `kubectl auth can-i <verb> " +
            '<resource> -n bifrost`.',
        docs: 'https://kubernetes.io/docs/reference/access-authn-authz/rbac/',
    },
    {
        id: 'secret-already-exists',
        title: 'Pull secret create raced another refresh',
        match: /secrets \\?"[^"\\]+\\?" already exists/,
        fix: 'kubectl said "secrets "…" already exists" (AlreadyExists): the seed\'s delete-then-create refresh raced another ' +
            'Job (a manual and a scheduled run; concurrencyPolicy Allow) — seed defect D4. The action refreshes with one ' +
            'server-side apply (`kubectl create secret docker-registry … --dry-run=client -o yaml | kubectl apply ' +
            '--server-side --force-conflicts -f -`) and concurrencyPolicy Forbid: redeploy (mode: deploy) to replace the CronJob.',
    },
    {
        id: 'apply-conflict',
        title: 'Someone else changed fields the action manages',
        // kube-apiserver's server-side apply 409: "Apply failed with 1 conflict: conflict with "kubectl-annotate" using v1: .metadata…"
        match: /Apply failed with \d+ conflicts?: conflicts? with \\?"/,
        fix: 'The API server refused the server-side apply with 409 Conflict "Apply failed with N conflict(s): conflict with ' +
            '"<field manager>" …": after the action applied these objects, another field manager (kubectl-annotate, ' +
            'kubectl-patch, kubectl-edit, another tool) changed the fields listed after the manager\'s name. The verify checks ' +
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
        fix: 'The kubelet said "Unable to retrieve some image pull secrets (…); attempting to pull the image may not succeed": ' +
            'the Secret named in the pod\'s imagePullSecrets (ar-pull-secret) does not exist. The refresher Job creates it: see ' +
            'the checks cronjob-healthy and pull-secret, run a refresh now with `kubectl create job ' +
            '--from=cronjob/refresh-ar-secret refresh-now -n bifrost`, or re-run the action in deploy mode (it runs the first ' +
            'refresh and waits for it).',
    },
    {
        id: 'referenced-object-missing',
        title: 'Pod references a Secret or ConfigMap that does not exist',
        match: /\b(?:secret|configmap) \\?"[^"\\]+\\?" not found/,
        fix: 'The kubelet said "secret/configmap "…" not found" (FailedMount or CreateContainerConfigError). For secret ' +
            '"bifrost-config" pass the Bifrost config.json through the config input (the seed never creates it — D7); for ' +
            'configmap "gcp-credential-config" redeploy (mode: deploy).',
    },
    {
        id: 'ar-unauthenticated',
        title: 'Artifact Registry got no credentials',
        match: /Unauthenticated request/,
        fix: 'Artifact Registry answered DENIED "Unauthenticated request. Unauthenticated requests do not have permission ' +
            '"artifactregistry.repositories.downloadArtifacts"": the pull carried no usable credentials. Check that the ' +
            "Deployment's imagePullSecrets names ar-pull-secret, that the secret's registry host is exactly the image's host " +
            '(<registry-region>-docker.pkg.dev, the refresher\'s --docker-server) and that it is fresh (check pull-secret).',
        docs: AR_ACCESS_DOCS,
    },
    {
        id: 'ar-permission-denied',
        title: 'Service account may not read the Artifact Registry repository',
        match: /Permission \\?"artifactregistry\.repositories\.downloadArtifacts\\?" denied/,
        fix: 'Artifact Registry answered denied: Permission "artifactregistry.repositories.downloadArtifacts" denied on resource ' +
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
        fix: 'containerd said "failed to fetch oauth token: unexpected status from GET request to https://<host>/v2/token?…: 404 ' +
            'Not Found": the registry host\'s location, the project or the repository in the image path does not exist. The ' +
            'host must be the repository\'s location (input registry-region → <region>-docker.pkg.dev); check gcp-project-id ' +
            'and hub-slug with `gcloud artifacts repositories list --project=<gcp-project-id>`.',
        docs: 'https://cloud.google.com/artifact-registry/docs/docker/troubleshoot',
    },
    {
        id: 'registry-token-rejected',
        title: 'Registry refused the pull credentials',
        match: /failed to fetch (?:oauth|anonymous) token: \**unexpected status(?: from GET request to \S+)?: (?:401 Unauthorized|403 Forbidden)/,
        fix: 'containerd said "failed to fetch oauth token: unexpected status …: 401 Unauthorized / 403 Forbidden" ' +
            '("anonymous token" means no secret was used): the token in ar-pull-secret is expired, missing, or belongs to a ' +
            'service account without roles/artifactregistry.reader. See the checks pull-secret and cronjob-healthy, then the ' +
            'IAM binding on the repository.',
        docs: 'https://cloud.google.com/artifact-registry/docs/docker/troubleshoot',
    },
    {
        id: 'registry-unauthorized',
        title: 'Registry rejected the credentials',
        match: /unauthorized: (?:failed authentication|authentication required|You don't have the needed permissions)|"code"\s*:\s*"UNAUTHORIZED"|error="invalid_token"|requested access to the resource is denied/,
        fix: 'The registry answered unauthorized ("authentication required", "failed authentication", error="invalid_token"): ' +
            'the credentials were missing, expired or for another host. The pull secret must hold user oauth2accesstoken with a ' +
            'token younger than 60 minutes for <registry-region>-docker.pkg.dev: see the checks pull-secret and cronjob-healthy.',
        docs: 'https://cloud.google.com/artifact-registry/docs/docker/authentication#token',
    },
    {
        id: 'image-not-found',
        title: 'Image tag not found',
        match: /failed to resolve reference "[^"]+": \**\S+: not found|not found in repository|manifest unknown/,
        fix: 'The registry has no such image ("failed to resolve reference …: not found" / "manifest unknown"): check the input ' +
            'image-tag and the image path, and list the tags with `gcloud artifacts docker tags list ' +
            '<registry-region>-docker.pkg.dev/<gcp-project-id>/<hub-slug>/bifrost`.',
    },
    {
        id: 'image-pull-backoff',
        title: 'Image pull failing',
        match: /ImagePullBackOff|ErrImagePull|Back-off pulling image|Failed to pull image/,
        fix: 'The kubelet reports ErrImagePull / ImagePullBackOff ("Back-off pulling image …"). The cause is in the pod\'s ' +
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
        fix: 'The kubelet reports CrashLoopBackOff ("Back-off restarting failed container"): the process starts and exits. Read ' +
            'the previous log with `kubectl logs deployment/bifrost -n bifrost --previous`. Common causes: an invalid ' +
            'config.json (config input), /app/data not writable (the pod must run as UID 1000 with fsGroup 1000), or a config ' +
            'store that cannot be reached.',
    },
    {
        id: 'service-no-endpoints',
        title: 'No ready pod behind the Service',
        match: /no endpoints available for service/,
        fix: 'The API server answered 503 "no endpoints available for service …": no gateway pod is Ready. See the checks ' +
            'deployment-available and pods-healthy; the Service selector must match the pod labels (app: bifrost).',
    },
    // ── Azure Resource Manager (used by azure.ts) ───────────────────────────────────────────────
    {
        id: 'arm-authorization-failed',
        title: 'Azure identity lacks a role for this action',
        match: /AuthorizationFailed|does not have authorization to perform action/,
        fix: "Resource Manager answered AuthorizationFailed \"The client '…' … does not have authorization to perform action " +
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
        fix: "Resource Manager answered ResourceNotFound \"The Resource '…' under resource group '…' was not found\": check the " +
            'inputs subscription-id, resource-group and cluster-name (for the managed identity: identity-name and ' +
            'identity-resource-group). Resource names are case-insensitive but must exist in that subscription.',
        docs: 'https://aka.ms/ARMResourceNotFoundFix',
    },
    // ── Generic Job failures: last, so a cause found in the logs wins ───────────────────────────
    {
        id: 'job-deadline-exceeded',
        title: 'Refresh Job ran past its deadline',
        match: /\bDeadlineExceeded\b|Job was active longer than specified deadline/,
        fix: 'The Job condition says DeadlineExceeded "Job was active longer than specified deadline": the refresher pod did not ' +
            'finish in activeDeadlineSeconds — usually it never started (refresher image pull, missing ServiceAccount or ' +
            'ConfigMap: look at the pod events) or it hung on a network call to Entra/STS/IAM (egress blocked).',
    },
    {
        id: 'job-backoff-limit',
        title: 'Refresh Job failed repeatedly',
        match: /BackoffLimitExceeded|Job has reached the specified backoff limit/,
        fix: 'The Job condition says BackoffLimitExceeded "Job has reached the specified backoff limit": every refresher pod ' +
            'failed. The cause is in the pod log: `kubectl logs -n bifrost -l job-name=<job name>` (the Job name, e.g. ' +
            'refresh-ar-secret-29012345, not the CronJob name — D11).',
    },
];
/** The first catalogue entry (most specific) whose words appear in the evidence. */
function findHint(text) {
    return HINTS.find((hint) => hint.match.test(text));
}
/** Every entry that matches, most specific first. */
function findHints(text) {
    return HINTS.filter((hint) => hint.match.test(text));
}
function hintById(id) {
    const hint = HINTS.find((entry) => entry.id === id);
    if (!hint)
        throw new Error(`unknown hint id ${id}`);
    return hint;
}
/** The text for a CheckResult's `hint` field or an annotation. */
function formatHint(hint) {
    return hint.docs ? `${hint.fix} (${hint.docs})` : hint.fix;
}

;// CONCATENATED MODULE: ./src/azure/errors.ts
// One error type for everything that goes wrong talking to Azure: which call, what the service
// said (HTTP status, ARM error code or AADSTS code, message) and how to fix it.
// Hints that depend on the call (which role this call needs; that the assertion was the GitHub
// OIDC token, not a ServiceAccount token) are written here; anything else comes from the
// project-wide catalogue in src/hints.ts.

class AzureError extends Error {
    operation;
    status;
    code;
    hint;
    constructor(message, details, options) {
        super(message, options);
        this.name = 'AzureError';
        this.operation = details.operation;
        this.status = details.status;
        this.code = details.code;
        this.hint = details.hint;
    }
}
const ROLE_FOR = {
    read: '"Reader" on the resource (or its resource group)',
    'cluster-user-credential': '"Azure Kubernetes Service Cluster User Role" on the cluster',
    'cluster-admin-credential': '"Azure Kubernetes Service Cluster Admin Role" on the cluster',
    'write-federated-credential': '"Managed Identity Contributor" on the managed identity',
};
function armErrorHint(code, permission, message = '') {
    switch (code) {
        case 'AuthorizationFailed':
            return (`The Azure identity the action signs in with lacks permission for this call. Assign it ` +
                `${ROLE_FOR[permission]}. New role assignments can take a few minutes to apply.`);
        case 'ResourceNotFound':
        case 'ResourceGroupNotFound':
            return 'Check subscription-id, resource-group, cluster-name / identity-name (and identity-resource-group): the resource does not exist where the action looked.';
        case 'SubscriptionNotFound':
        case 'InvalidSubscriptionId':
            return 'Check subscription-id, and that the signed-in identity can see that subscription.';
        case 'InvalidAuthenticationToken':
        case 'InvalidAuthenticationTokenAudience':
        case 'InvalidAuthenticationTokenTenant':
        case 'ExpiredAuthenticationToken':
            return 'Resource Manager rejected the token: check tenant-id and azure-environment (the token must come from the same cloud and tenant as the subscription).';
        case 'BadRequest':
            if (/local accounts/i.test(message)) {
                return 'This cluster has local accounts disabled, so admin credentials are not available: set admin to false and grant an Entra role instead.';
            }
            return catalogueHint(`${code}: ${message}`);
        default:
            return catalogueHint(`${code ?? ''}: ${message}`);
    }
}
function catalogueHint(evidence) {
    const hint = findHint(evidence);
    return hint && formatHint(hint);
}
function describeClaims(claims) {
    const aud = Array.isArray(claims.aud) ? claims.aud.join(', ') : claims.aud;
    return `issuer '${claims.iss ?? '?'}', subject '${claims.sub ?? '?'}', audience '${aud ?? '?'}'`;
}
/** Entra's answers when no federated credential matches the presented token. */
const FEDERATED_CREDENTIAL_MISMATCH = new Set(['AADSTS70021', 'AADSTS700211', 'AADSTS700212', 'AADSTS700213']);
function entraErrorHint(code, clientId, presented) {
    if (code && FEDERATED_CREDENTIAL_MISMATCH.has(code)) {
        return (`No federated credential of the Entra application/identity ${clientId} matches the token ` +
            `the action presented; Entra compares issuer, subject and audience exactly (case and ` +
            `trailing slash included). ` +
            (presented
                ? `Presented: ${describeClaims(presented)}. Add a federated credential with exactly this issuer and subject. `
                : '') +
            `A job that names an \`environment:\` presents repo:OWNER/REPO:environment:NAME, a pull ` +
            `request repo:OWNER/REPO:pull_request, a branch push repo:OWNER/REPO:ref:refs/heads/BRANCH.`);
    }
    switch (code) {
        case 'AADSTS700016':
            return `Entra has no application ${clientId} in this tenant: check login-client-id and tenant-id.`;
        case 'AADSTS90002':
            return 'Entra does not know this tenant: check tenant-id and azure-environment (the tenant must exist in that cloud).';
        case 'AADSTS700024':
            return 'The GitHub OIDC token had expired when Entra checked it. The action mints a fresh one before the last expires, so check the runner clock.';
        default:
            return code ? catalogueHint(code) : undefined;
    }
}
/** The same refusal for `azure-credential: environment` with a federated token file (e.g. a
 * self-hosted runner pod with AKS workload identity): which identity, which file, what it held. */
function tokenFileMismatchHint(clientId, file, presented) {
    return (`No federated credential of the Entra application/identity ${clientId ?? '(AZURE_CLIENT_ID is not set)'} ` +
        `matches the token in AZURE_FEDERATED_TOKEN_FILE (${file}); Entra compares issuer, subject and ` +
        `audience exactly (case and trailing slash included). Presented: ${describeClaims(presented)}. ` +
        `Add a federated credential with exactly this issuer and subject, or set AZURE_CLIENT_ID to the identity that has one.`);
}
/** The AADSTS code of an Entra error, from `errorResponse.errorCodes` or the message text. */
function aadstsCode(error) {
    const response = error?.errorResponse;
    if (response?.errorCodes?.length)
        return `AADSTS${response.errorCodes[0]}`;
    const match = /AADSTS\d+/.exec(error instanceof Error ? error.message : String(error));
    return match?.[0];
}

;// CONCATENATED MODULE: ./src/azure/arm.ts
// A small Azure Resource Manager REST client: the handful of calls this action makes, each
// error wrapped with the call, the HTTP status, ARM's error code and message, and a hint.
// Plain node:https so a test can hand in an agent that trusts its emulator's CA.


const AKS_API_VERSION = '2024-09-01';
const MANAGED_IDENTITY_API_VERSION = '2024-11-30';
const REQUEST_TIMEOUT_MS = 60_000;
class ArmClient {
    options;
    baseUrl;
    scope;
    constructor(options) {
        this.options = options;
        this.baseUrl = options.resourceManagerUrl.replace(/\/+$/, '');
        this.scope = `${new URL(this.baseUrl).origin}/.default`;
    }
    getManagedCluster(ref) {
        return this.call(`GET managedClusters/${ref.clusterName}`, 'read', 'GET', clusterPath(ref), AKS_API_VERSION);
    }
    /** Base64 kubeconfigs; `admin` asks for the cluster-admin (local account) one. */
    async listClusterCredential(ref, admin) {
        const action = admin ? 'listClusterAdminCredential' : 'listClusterUserCredential';
        const result = await this.call(`${action} on managedClusters/${ref.clusterName}`, admin ? 'cluster-admin-credential' : 'cluster-user-credential', 'POST', `${clusterPath(ref)}/${action}`, AKS_API_VERSION);
        return result.kubeconfigs ?? [];
    }
    getIdentity(ref) {
        return this.call(`GET userAssignedIdentities/${ref.identityName}`, 'read', 'GET', identityPath(ref), MANAGED_IDENTITY_API_VERSION);
    }
    /** Every federated credential of the identity (follows nextLink). */
    async listFederatedCredentials(ref) {
        const operation = `list federatedIdentityCredentials of ${ref.identityName}`;
        const all = [];
        let page = await this.call(operation, 'read', 'GET', `${identityPath(ref)}/federatedIdentityCredentials`, MANAGED_IDENTITY_API_VERSION);
        all.push(...(page.value ?? []));
        while (page.nextLink) {
            // The bearer token only ever goes to our Resource Manager, whatever host nextLink names.
            const next = new URL(page.nextLink);
            page = await this.callUrl(operation, 'read', 'GET', new URL(`${next.pathname}${next.search}`, this.baseUrl));
            all.push(...(page.value ?? []));
        }
        return all;
    }
    /** The named federated credential, or undefined when it does not exist (404). */
    async getFederatedCredential(ref, name) {
        try {
            return await this.call(`GET federatedIdentityCredentials/${name} of ${ref.identityName}`, 'read', 'GET', `${identityPath(ref)}/federatedIdentityCredentials/${encodeURIComponent(name)}`, MANAGED_IDENTITY_API_VERSION);
        }
        catch (error) {
            if (error instanceof AzureError && error.status === 404)
                return undefined;
            throw error;
        }
    }
    putFederatedCredential(ref, name, properties) {
        return this.call(`PUT federatedIdentityCredentials/${name} of ${ref.identityName}`, 'write-federated-credential', 'PUT', `${identityPath(ref)}/federatedIdentityCredentials/${encodeURIComponent(name)}`, MANAGED_IDENTITY_API_VERSION, { properties });
    }
    call(operation, permission, method, path, apiVersion, body) {
        const url = new URL(`${this.baseUrl}${path}`);
        url.searchParams.set('api-version', apiVersion);
        return this.callUrl(operation, permission, method, url, body);
    }
    async callUrl(operation, permission, method, url, body) {
        const token = await this.options.credential.getToken(this.scope);
        if (!token)
            throw new AzureError(`${operation}: the Azure credential returned no token`, { operation });
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers = {
            authorization: `Bearer ${token.token}`,
            accept: 'application/json',
            'user-agent': 'bifrost-aks-deploy',
            ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}),
        };
        let response;
        try {
            response = await send(url, method, headers, payload, this.options.agent);
            // Throttling and brief outages: one more try after Retry-After. Every call made here is
            // idempotent (GET, the list POSTs, PUT of a whole resource).
            if (RETRY_STATUSES.has(response.status)) {
                await sleep(retryDelayMs(response.retryAfter));
                response = await send(url, method, headers, payload, this.options.agent);
            }
        }
        catch (error) {
            throw new AzureError(`${operation}: could not reach Resource Manager at ${url.origin}: ${error.message}`, {
                operation,
                hint: 'Check resource-manager-url / azure-environment and the runner\'s network access.',
            }, { cause: error });
        }
        const parsed = parseJson(response.text);
        if (response.status >= 200 && response.status < 300)
            return (parsed ?? {});
        const armError = parsed?.error;
        const code = armError?.code;
        const message = armError?.message ?? (response.text.slice(0, 500) || '(empty body)');
        throw new AzureError(`${operation} failed: HTTP ${response.status}${code ? ` ${code}` : ''}: ${message}`, {
            operation,
            status: response.status,
            code,
            hint: armErrorHint(code, permission, message),
        });
    }
}
function clusterPath(ref) {
    return `/subscriptions/${enc(ref.subscriptionId)}/resourceGroups/${enc(ref.resourceGroup)}/providers/Microsoft.ContainerService/managedClusters/${enc(ref.clusterName)}`;
}
function identityPath(ref) {
    return `/subscriptions/${enc(ref.subscriptionId)}/resourceGroups/${enc(ref.resourceGroup)}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${enc(ref.identityName)}`;
}
const enc = encodeURIComponent;
function parseJson(text) {
    if (!text)
        return undefined;
    try {
        return JSON.parse(text);
    }
    catch {
        return undefined;
    }
}
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
const MAX_RETRY_DELAY_MS = 10_000;
function retryDelayMs(retryAfter) {
    const seconds = Number(retryAfter);
    return Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds * 1000, MAX_RETRY_DELAY_MS) : 1000;
}
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
function send(url, method, headers, body, agent) {
    return new Promise((resolve, reject) => {
        const request = external_node_https_default().request(url, { method, headers, agent, timeout: REQUEST_TIMEOUT_MS }, (response) => {
            const chunks = [];
            response.on('data', (chunk) => chunks.push(chunk));
            response.on('end', () => {
                const retryAfter = response.headers['retry-after'];
                resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter });
            });
            response.on('error', reject);
        });
        request.on('timeout', () => request.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS / 1000} s`)));
        request.on('error', reject);
        request.end(body);
    });
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
// EXTERNAL MODULE: ./node_modules/@azure/identity/dist/esm/index.js + 279 modules
var esm = __webpack_require__(1491);
;// CONCATENATED MODULE: ./src/settings.ts
// The typed settings every module works from. `inputs.ts` builds them from the action's inputs
// (and validates every value); nothing else reads INPUT_* variables.
/** Annotation the refresher writes on the pull secret: when its token stops working (D12). */
const EXPIRES_AT_ANNOTATION = 'bifrost.maximhq.dev/expires-at';
const REFRESHED_AT_ANNOTATION = 'bifrost.maximhq.dev/refreshed-at';
const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';
const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';

;// CONCATENATED MODULE: ./src/azure/clouds.ts
// Azure clouds: which Resource Manager and Entra authority each `azure-environment` uses.
// Explicit `resource-manager-url` / `authority-host` inputs win (sovereign variants, emulators).
const AZURE_CLOUDS = {
    AzureCloud: {
        resourceManagerUrl: 'https://management.azure.com',
        authorityHost: 'https://login.microsoftonline.com',
    },
    AzureChinaCloud: {
        resourceManagerUrl: 'https://management.chinacloudapi.cn',
        authorityHost: 'https://login.chinacloudapi.cn',
    },
    AzureUSGovernment: {
        resourceManagerUrl: 'https://management.usgovcloudapi.net',
        authorityHost: 'https://login.microsoftonline.us',
    },
};
/** The Entra application every AKS cluster with managed Entra integration accepts tokens for. */
const AKS_SERVER_APP_ID = '6dae42f8-4368-4678-94ff-3960e28e3630';
function isAzureEnvironment(value) {
    return Object.prototype.hasOwnProperty.call(AZURE_CLOUDS, value);
}
/** Endpoints for a cloud; non-empty overrides replace the cloud's own (trailing slashes dropped). */
function resolveAzureCloud(environment, overrides = {}) {
    const cloud = AZURE_CLOUDS[environment];
    return {
        resourceManagerUrl: trimSlashes(overrides.resourceManagerUrl || cloud.resourceManagerUrl),
        authorityHost: trimSlashes(overrides.authorityHost || cloud.authorityHost),
    };
}
/** True when the authority host is one of the public clouds' (MSAL knows their metadata). */
function isKnownAuthorityHost(authorityHost) {
    const host = trimSlashes(authorityHost);
    return Object.values(AZURE_CLOUDS).some((cloud) => cloud.authorityHost === host);
}
function trimSlashes(url) {
    return url.replace(/\/+$/, '');
}

;// CONCATENATED MODULE: ./src/azure/credential.ts
// How the action signs in to Azure (Entra ID), through @azure/identity only — no az CLI calls.
//
// - `github-oidc`: the job's GitHub OIDC token is the client assertion for `login-client-id`.
//   The assertion callback asks GitHub for a fresh token whenever the last one is about to
//   expire, because GitHub's tokens last about 5 minutes (Azure/login #180, #372).
// - `azure-cli`: reuse the session of an earlier azure/login step.
// - `environment`: DefaultAzureCredential (AZURE_* variables, workload or managed identity).
// - `auto`: OIDC when the job can mint OIDC tokens and login-client-id is set, else the CLI
//   session, else the environment.





function chooseCredentialKind(azure, env = process.env) {
    if (azure.credential !== 'auto')
        return azure.credential;
    if (env.ACTIONS_ID_TOKEN_REQUEST_URL && azure.loginClientId)
        return 'github-oidc';
    return 'azure-cli'; // falls through to the environment inside createAzureCredential
}
function createAzureCredential(azure, tenantId, deps = {}) {
    const kind = chooseCredentialKind(azure, deps.env);
    const options = {
        authorityHost: azure.authorityHost,
        // MSAL looks up unknown hosts at login.microsoftonline.com; an explicit host is trusted as given.
        disableInstanceDiscovery: !isKnownAuthorityHost(azure.authorityHost),
        ...(deps.agent ? { agent: deps.agent } : {}),
    };
    if (kind === 'github-oidc') {
        if (!azure.loginClientId) {
            throw new AzureError('azure-credential is github-oidc but login-client-id is empty.', {
                operation: 'Azure sign-in',
                hint: 'Set login-client-id to the client id of the app registration or managed identity that has a federated credential for this repository.',
            });
        }
        if (!deps.getIdToken)
            throw new Error('createAzureCredential: github-oidc needs an ID-token getter');
        const credential = new GitHubOidcCredential(tenantId, azure.loginClientId, deps.getIdToken, options);
        return { credential, kind, description: `GitHub OIDC federated to ${azure.loginClientId} in tenant ${tenantId}` };
    }
    const env = deps.env ?? process.env;
    const explainTokenFile = (code) => federatedTokenFileHint(code, env);
    if (kind === 'azure-cli') {
        const fallback = azure.credential === 'auto';
        const cli = new esm/* AzureCliCredential */.nG();
        const credential = fallback ? new esm/* ChainedTokenCredential */.Rk(cli, new esm/* DefaultAzureCredential */.gv(options)) : cli;
        return {
            credential: new ExplainedCredential(credential, kind, fallback ? explainTokenFile : undefined),
            kind,
            description: fallback ? 'the azure/login session, else the environment' : 'the azure/login session',
        };
    }
    return {
        credential: new ExplainedCredential(new esm/* DefaultAzureCredential */.gv(options), kind, explainTokenFile),
        kind,
        description: 'the environment (DefaultAzureCredential)',
    };
}
/** Wraps a credential so a failure says which sign-in failed and how to fix it. */
class ExplainedCredential {
    inner;
    kind;
    explainRefusal;
    constructor(inner, kind, 
    /** A hint for an Entra refusal (by AADSTS code), when there is a better one than the default. */
    explainRefusal) {
        this.inner = inner;
        this.kind = kind;
        this.explainRefusal = explainRefusal;
    }
    async getToken(scopes, options) {
        try {
            return await this.inner.getToken(scopes, options);
        }
        catch (error) {
            const code = aadstsCode(error);
            const hint = this.explainRefusal?.(code) ??
                (this.kind === 'azure-cli'
                    ? 'Run azure/login before this step, or set azure-credential: github-oidc with login-client-id.'
                    : 'Set AZURE_TENANT_ID / AZURE_CLIENT_ID (and a secret, certificate or federated token file), or use azure-credential: github-oidc.');
            throw new AzureError(`Azure sign-in (${this.kind}) failed: ${messageOf(error)}`, {
                operation: 'Azure sign-in',
                code,
                hint,
            }, { cause: error });
        }
    }
}
/** When Entra found no federated credential for AZURE_FEDERATED_TOKEN_FILE's token: its claims,
 * read from the file again now (it is what DefaultAzureCredential presented). Never the token. */
function federatedTokenFileHint(code, env) {
    const file = env.AZURE_FEDERATED_TOKEN_FILE;
    if (!file || !code || !FEDERATED_CREDENTIAL_MISMATCH.has(code))
        return undefined;
    let token = '';
    try {
        token = (0,external_node_fs_.readFileSync)(file, 'utf8').trim();
    }
    catch {
        // Unreadable now: the claims show as '?'.
    }
    return tokenFileMismatchHint(env.AZURE_CLIENT_ID, file, decodeJwtClaims(token));
}
/** Reuse a GitHub OIDC token only while it has at least this much life left. */
const ID_TOKEN_MIN_REMAINING_MS = 60_000;
/**
 * ClientAssertionCredential fed by GitHub's OIDC token, remembering what it presented.
 * MSAL calls the assertion callback twice per getToken, even when it then serves a cached
 * token, so a GitHub token is reused while it has a minute left and minted anew after that.
 */
class GitHubOidcCredential {
    clientId;
    getIdToken;
    inner;
    idToken;
    idTokenFailure;
    constructor(tenantId, clientId, getIdToken, options) {
        this.clientId = clientId;
        this.getIdToken = getIdToken;
        this.inner = new esm/* ClientAssertionCredential */.XI(tenantId, clientId, () => this.assertion(), options);
    }
    async assertion() {
        const current = this.idToken;
        if (current?.claims.exp && current.claims.exp * 1000 - Date.now() > ID_TOKEN_MIN_REMAINING_MS)
            return current.token;
        try {
            const token = await this.getIdToken(AZURE_TOKEN_EXCHANGE_AUDIENCE);
            this.idToken = { token, claims: decodeJwtClaims(token) };
            return token;
        }
        catch (error) {
            this.idTokenFailure = new AzureError(`Could not get a GitHub OIDC token: ${messageOf(error)}`, {
                operation: 'GitHub OIDC token',
                hint: 'Give the job `permissions: id-token: write` (and contents: read).',
            }, { cause: error });
            throw this.idTokenFailure;
        }
    }
    async getToken(scopes, options) {
        this.idTokenFailure = undefined;
        try {
            return await this.inner.getToken(scopes, options);
        }
        catch (error) {
            // MSAL rewraps errors thrown by the assertion callback; report ours as it was.
            if (this.idTokenFailure)
                throw this.idTokenFailure;
            const code = aadstsCode(error);
            throw new AzureError(`Entra ID rejected the GitHub OIDC sign-in as ${this.clientId}: ${messageOf(error)}`, {
                operation: 'Azure sign-in (github-oidc)',
                code,
                hint: entraErrorHint(code, this.clientId, this.idToken?.claims),
            }, { cause: error });
        }
    }
}
/** iss, sub and aud of a JWT, without checking it: only to tell the user what was presented. */
function decodeJwtClaims(jwt) {
    try {
        const payload = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
        return { iss: payload.iss, sub: payload.sub, aud: payload.aud, exp: typeof payload.exp === 'number' ? payload.exp : undefined };
    }
    catch {
        return {};
    }
}
function messageOf(error) {
    return error instanceof Error ? error.message : String(error);
}

;// CONCATENATED MODULE: ./src/azure/compare.ts
// Says how two strings differ, character for character: Entra matches the federated
// credential's issuer and subject exactly, and the usual mistakes are invisible at a glance
// (a trailing slash, letter case, a namespace typo).
/** Empty when equal; otherwise a few lines a person can act on. */
function explainDifference(label, expected, found) {
    if (expected === found)
        return '';
    const quoted = `expected ${JSON.stringify(expected)}, found ${JSON.stringify(found)}`;
    if (expected.toLowerCase() === found.toLowerCase()) {
        return `${label} differs only in letter case (Entra compares case-sensitively): ${quoted}`;
    }
    if (expected.replace(/\/+$/, '') === found.replace(/\/+$/, '')) {
        const which = expected.endsWith('/') ? 'expected ends with "/", found does not' : 'found ends with "/", expected does not';
        return `${label} differs only by a trailing slash (${which}): ${quoted}`;
    }
    if (expected === found.trim()) {
        return `${label} has surrounding whitespace: ${quoted}`;
    }
    const index = firstDifference(expected, found);
    const at = (text) => (index < text.length ? JSON.stringify(text[index]) : 'end of text');
    return (`${label} differs at character ${index} (expected ${at(expected)}, found ${at(found)}): ${quoted}\n` +
        `  expected ${JSON.stringify(expected)}\n` +
        `  found    ${JSON.stringify(found)}\n` +
        `           ${' '.repeat(index + 1)}^`);
}
function firstDifference(a, b) {
    const length = Math.min(a.length, b.length);
    for (let i = 0; i < length; i++)
        if (a[i] !== b[i])
            return i;
    return length;
}

;// CONCATENATED MODULE: ./src/azure/checks.ts
// Azure-side checks, through Resource Manager: is the cluster's OIDC issuer on, is Workload
// Identity on (securityProfile.workloadIdentity — not oidcIssuerProfile, seed defect D11), does
// the managed identity exist with the expected client id, and does a federated credential match
// the cluster issuer and the refresher's ServiceAccount exactly.
// First the facts are gathered (one GET each), then every check is a pure function of them.



function clusterRef(settings) {
    const { subscriptionId, resourceGroup, clusterName } = settings.azure;
    return subscriptionId && resourceGroup && clusterName ? { subscriptionId, resourceGroup, clusterName } : undefined;
}
function identityRef(settings) {
    const { subscriptionId, resourceGroup, identityResourceGroup, identityName } = settings.azure;
    const group = identityResourceGroup || resourceGroup;
    return subscriptionId && group && identityName ? { subscriptionId, resourceGroup: group, identityName } : undefined;
}
/** The subject Kubernetes puts in the refresher's ServiceAccount token. */
function expectedSubject(settings) {
    return `system:serviceaccount:${settings.names.namespace}:${settings.names.refresherServiceAccount}`;
}
function issuerOf(cluster) {
    const profile = cluster?.properties?.oidcIssuerProfile;
    return profile?.enabled && profile.issuerURL ? profile.issuerURL : undefined;
}
const NO_ACCESS = 'no Azure access configured (subscription-id and resource-group are not set)';
async function gatherAzureFacts(settings, arm) {
    const cluster = clusterRef(settings);
    const identity = identityRef(settings);
    const lookup = async (why, read) => {
        if (!arm)
            return { skipped: NO_ACCESS };
        if (why)
            return { skipped: why };
        try {
            return { value: await read() };
        }
        catch (error) {
            return { error: error };
        }
    };
    const [clusterFact, identityFact, ficFact] = await Promise.all([
        lookup(cluster ? undefined : 'cluster-name, subscription-id or resource-group is not set', () => arm.getManagedCluster(cluster)),
        lookup(identity ? undefined : 'identity-name, subscription-id or resource group is not set', () => arm.getIdentity(identity)),
        lookup(identity ? undefined : 'identity-name, subscription-id or resource group is not set', () => arm.listFederatedCredentials(identity)),
    ]);
    return { cluster: clusterFact, identity: identityFact, federatedCredentials: ficFact };
}
async function runAzureChecks(settings, arm) {
    return azureChecks(settings, await gatherAzureFacts(settings, arm));
}
function azureChecks(settings, facts) {
    return [
        checkOidcIssuer(facts),
        checkWorkloadIdentity(facts),
        checkManagedIdentity(settings, facts),
        checkFederatedCredential(settings, facts),
    ];
}
function checkOidcIssuer(facts) {
    const base = { id: 'aks-oidc-issuer', title: 'AKS OIDC issuer is enabled' };
    if (!('value' in facts.cluster))
        return notRead(base, facts.cluster);
    const profile = facts.cluster.value.properties?.oidcIssuerProfile;
    const evidence = `properties.oidcIssuerProfile.enabled=${profile?.enabled ?? '(absent)'}, issuerURL=${profile?.issuerURL ?? '(absent)'}`;
    if (issuerOf(facts.cluster.value))
        return { ...base, status: 'pass', evidence };
    return {
        ...base,
        status: 'fail',
        evidence,
        hint: 'Enable the OIDC issuer on the cluster: az aks update -g <resource-group> -n <cluster> --enable-oidc-issuer. The refresher\'s ServiceAccount tokens are only trusted through it.',
    };
}
function checkWorkloadIdentity(facts) {
    const base = { id: 'aks-workload-identity', title: 'AKS Workload Identity is enabled' };
    if (!('value' in facts.cluster))
        return notRead(base, facts.cluster);
    const enabled = facts.cluster.value.properties?.securityProfile?.workloadIdentity?.enabled;
    const evidence = `properties.securityProfile.workloadIdentity.enabled=${enabled ?? '(absent)'}`;
    if (enabled === true)
        return { ...base, status: 'pass', evidence };
    // The refresher projects its own ServiceAccount token, so it works without the webhook;
    // only the seed's `azure.workload.identity/use` label relies on it.
    return {
        ...base,
        status: 'warn',
        evidence,
        hint: 'Workload Identity (the webhook) is off: az aks update -g <resource-group> -n <cluster> --enable-workload-identity. The refresher projects its own token and does not need it, but pods relying on the azure.workload.identity/use label do.',
    };
}
function checkManagedIdentity(settings, facts) {
    const base = { id: 'managed-identity', title: `Managed identity ${settings.azure.identityName} matches client-id` };
    if (!('value' in facts.identity))
        return notRead(base, facts.identity, identitySeverity(settings));
    const properties = facts.identity.value.properties ?? {};
    const evidence = `properties.clientId=${properties.clientId ?? '(absent)'}, tenantId=${properties.tenantId ?? '(absent)'}`;
    const problems = [];
    if (!sameGuid(properties.clientId, settings.identity.clientId)) {
        problems.push(`client-id input is ${settings.identity.clientId} but the identity's clientId is ${properties.clientId ?? '(absent)'}`);
    }
    if (properties.tenantId && !sameGuid(properties.tenantId, settings.identity.tenantId)) {
        problems.push(`tenant-id input is ${settings.identity.tenantId} but the identity lives in tenant ${properties.tenantId}`);
    }
    if (problems.length === 0)
        return { ...base, status: 'pass', evidence };
    return { ...base, status: identitySeverity(settings), evidence, hint: `${problems.join('; ')}. Use the identity's values (they are what the Bifrost team configures).` };
}
function checkFederatedCredential(settings, facts) {
    const base = { id: 'federated-credential', title: 'Federated credential matches the cluster issuer and ServiceAccount' };
    const severity = identitySeverity(settings);
    if (!('value' in facts.federatedCredentials))
        return notRead(base, facts.federatedCredentials, severity);
    if (!('value' in facts.cluster))
        return { ...base, status: 'skipped', evidence: 'the cluster\'s OIDC issuer is unknown (see aks-oidc-issuer)' };
    const issuer = issuerOf(facts.cluster.value);
    if (!issuer)
        return { ...base, status: 'skipped', evidence: 'the cluster has no OIDC issuer (see aks-oidc-issuer)' };
    const subject = expectedSubject(settings);
    const credentials = facts.federatedCredentials.value;
    const match = credentials.find((c) => mismatches(c, issuer, subject).length === 0);
    if (match) {
        return { ...base, status: 'pass', evidence: `${match.name}: issuer ${match.properties.issuer}, subject ${match.properties.subject}` };
    }
    if (credentials.length === 0) {
        return {
            ...base,
            status: severity,
            evidence: `identity ${settings.azure.identityName} has no federated credentials`,
            hint: `Create one with issuer ${JSON.stringify(issuer)}, subject ${JSON.stringify(subject)} and audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}, or set manage-federated-credential: true.`,
        };
    }
    const closest = closestCredential(credentials, settings.azure.federatedCredentialName, issuer, subject);
    return {
        ...base,
        status: severity,
        evidence: `${credentials.length} federated credential(s), none matches; closest is ${closest.name}: issuer ${closest.properties.issuer}, subject ${closest.properties.subject}, audiences ${JSON.stringify(closest.properties.audiences)}`,
        hint: `${mismatches(closest, issuer, subject).join('\n')}\nFix ${closest.name} (or set manage-federated-credential: true) so both match exactly.`,
    };
}
/** What is wrong with one credential, against the expected issuer, subject and audience. */
function mismatches(credential, issuer, subject) {
    const { properties } = credential;
    const problems = [explainDifference('issuer', issuer, properties.issuer ?? ''), explainDifference('subject', subject, properties.subject ?? '')];
    if (!(properties.audiences ?? []).includes(AZURE_TOKEN_EXCHANGE_AUDIENCE)) {
        problems.push(`audiences ${JSON.stringify(properties.audiences ?? [])} do not contain ${AZURE_TOKEN_EXCHANGE_AUDIENCE}`);
    }
    return problems.filter(Boolean);
}
function closestCredential(credentials, name, issuer, subject) {
    return (credentials.find((c) => c.name === name) ??
        credentials.find((c) => c.properties.subject === subject) ??
        credentials.find((c) => c.properties.issuer === issuer) ??
        credentials[0]);
}
/** The identity hop is only used in `entra` federation mode; in `kubernetes` mode GCP trusts the
 * AKS issuer directly, so a wrong identity or credential is a warning, not a failure. */
function identitySeverity(settings) {
    return settings.identity.federation === 'entra' ? 'fail' : 'warn';
}
function notRead(base, lookup, severity = 'fail') {
    if ('skipped' in lookup)
        return { ...base, status: 'skipped', evidence: lookup.skipped };
    const hint = lookup.error instanceof AzureError ? lookup.error.hint : undefined;
    return { ...base, status: severity, evidence: lookup.error.message, hint: hint ?? 'See the error above.' };
}
function sameGuid(a, b) {
    return !!a && !!b && a.toLowerCase() === b.toLowerCase();
}
/** What the Bifrost team needs to configure GCP (seed Step 4), read from Azure when possible. */
function bifrostTeamDetails(settings, facts) {
    const identity = 'value' in facts.identity ? facts.identity.value.properties : undefined;
    const issuerUrl = 'value' in facts.cluster ? issuerOf(facts.cluster.value) : undefined;
    return {
        tenantId: identity?.tenantId ?? settings.identity.tenantId,
        clientId: identity?.clientId ?? settings.identity.clientId,
        issuerUrl,
        source: identity?.clientId ? 'resource-manager' : 'inputs',
    };
}

;// CONCATENATED MODULE: ./src/azure/federated-credential.ts
// Creates or updates the managed identity's federated credential for the refresher's
// ServiceAccount (seed Step 3), idempotently: GET, compare, PUT only when it differs.



/** Entra's limit of federated credentials on one identity or application. */
const FEDERATED_CREDENTIALS_PER_IDENTITY = 20;
async function ensureFederatedCredential(arm, identity, name, desired) {
    const existing = await arm.getFederatedCredential(identity, name);
    if (existing) {
        if (sameCredential(existing.properties, desired))
            return { action: 'unchanged', name, properties: existing.properties };
        const updated = await arm.putFederatedCredential(identity, name, desired);
        return { action: 'updated', name, properties: updated.properties ?? desired, note: `was ${describe(existing.properties)}` };
    }
    // A new credential: Entra refuses a 21st, and refuses a second one with the same issuer and
    // subject, so look at the others first.
    const all = await arm.listFederatedCredentials(identity);
    const equivalent = all.find((c) => sameCredential(c.properties, desired));
    if (equivalent) {
        return {
            action: 'unchanged',
            name: equivalent.name,
            properties: equivalent.properties,
            note: `an equivalent credential named ${equivalent.name} already exists; ${name} was not created`,
        };
    }
    if (all.length >= FEDERATED_CREDENTIALS_PER_IDENTITY) {
        const operation = `create federatedIdentityCredentials/${name} of ${identity.identityName}`;
        throw new AzureError(`${operation} refused: the identity already has ${all.length} federated credentials (the limit is ${FEDERATED_CREDENTIALS_PER_IDENTITY}).`, {
            operation,
            code: 'FederatedCredentialLimit',
            hint: `Delete an unused one (existing: ${all.map((c) => c.name).join(', ')}), or point federated-credential-name at one of them to update it in place.`,
        });
    }
    const created = await arm.putFederatedCredential(identity, name, desired);
    return { action: 'created', name, properties: created.properties ?? desired };
}
/** The refresher's federated credential, for this cluster's issuer, from the settings. */
async function ensureRefresherFederatedCredential(settings, arm) {
    const cluster = clusterRef(settings);
    const identity = identityRef(settings);
    const operation = 'manage-federated-credential';
    if (!cluster || !identity) {
        throw new AzureError('manage-federated-credential needs the cluster and the identity.', {
            operation,
            hint: 'Set subscription-id, resource-group, cluster-name and identity-name (and identity-resource-group when it differs).',
        });
    }
    const issuer = issuerOf(await arm.getManagedCluster(cluster));
    if (!issuer) {
        throw new AzureError(`Cluster ${cluster.clusterName} has no OIDC issuer, so no federated credential can trust it.`, {
            operation,
            hint: `Enable it first: az aks update -g ${cluster.resourceGroup} -n ${cluster.clusterName} --enable-oidc-issuer.`,
        });
    }
    return ensureFederatedCredential(arm, identity, settings.azure.federatedCredentialName, {
        issuer,
        subject: expectedSubject(settings),
        audiences: [AZURE_TOKEN_EXCHANGE_AUDIENCE],
    });
}
function sameCredential(a, b) {
    const audiences = (x) => [...(x.audiences ?? [])].sort().join('\n');
    return a.issuer === b.issuer && a.subject === b.subject && audiences(a) === audiences(b);
}
function describe(p) {
    return `issuer ${p.issuer}, subject ${p.subject}, audiences ${JSON.stringify(p.audiences)}`;
}

// EXTERNAL MODULE: ./node_modules/@kubernetes/client-node/dist/index.js + 828 modules
var dist = __webpack_require__(7048);
;// CONCATENATED MODULE: ./src/azure/kubeconfig.ts
// Cluster access for the Kubernetes client: from the `kubeconfig` input, from Resource
// Manager (listClusterUserCredential / listClusterAdminCredential), or from the runner's
// default kubeconfig. The Resource Manager kubeconfig stays in memory, never in the workspace.
//
// Entra-enabled clusters hand out a kubeconfig whose user runs `kubelogin` (an exec plugin,
// or the retired `azure` auth-provider). The runner has no kubelogin and no interactive login,
// so that user is replaced by a bearer token for the AKS server application, taken from the
// credential the action already signed in with and refreshed before it expires.


/** Renew the AKS token this long before it expires. */
const TOKEN_RENEWAL_MS = 5 * 60_000;
/**
 * Picks the cluster the action talks to. First match wins:
 *  1. the `kubeconfig` input — the user named a cluster explicitly;
 *  2. Resource Manager, when `cluster-name` is set (with subscription-id and resource-group);
 *  3. KUBECONFIG / ~/.kube/config / the in-cluster ServiceAccount (client-node's
 *     loadFromDefault), e.g. after azure/aks-set-context.
 * `connectAzure` is only called for case 2, so no Azure sign-in happens without need.
 */
async function resolveClusterAccess(settings, connectAzure) {
    if (settings.kubeconfig) {
        const kubeConfig = new dist/* KubeConfig */.ypW();
        kubeConfig.loadFromString(settings.kubeconfig);
        return { kubeConfig, source: 'input', description: `kubeconfig input, context ${kubeConfig.getCurrentContext()}` };
    }
    const { subscriptionId, resourceGroup, clusterName, admin, aksServerAppId } = settings.azure;
    if (clusterName) {
        if (!subscriptionId || !resourceGroup) {
            throw new AzureError('cluster-name is set but subscription-id or resource-group is empty.', {
                operation: 'cluster access',
                hint: 'Set subscription-id and resource-group of the AKS cluster, or pass a kubeconfig instead.',
            });
        }
        const { arm, credential } = connectAzure();
        return kubeConfigFromResourceManager(arm, credential, { subscriptionId, resourceGroup, clusterName }, { admin, aksServerAppId });
    }
    const kubeConfig = new dist/* KubeConfig */.ypW();
    kubeConfig.loadFromDefault();
    if (isClientNodeFallback(kubeConfig)) {
        throw new AzureError('No cluster is configured.', {
            operation: 'cluster access',
            hint: 'Pass the kubeconfig input, or cluster-name with subscription-id and resource-group, or run azure/aks-set-context before this step.',
        });
    }
    return { kubeConfig, source: 'default', description: `default kubeconfig, context ${kubeConfig.getCurrentContext()}` };
}
async function kubeConfigFromResourceManager(arm, credential, cluster, options) {
    const kubeconfigs = await arm.listClusterCredential(cluster, options.admin);
    const operation = `${options.admin ? 'listClusterAdminCredential' : 'listClusterUserCredential'} on managedClusters/${cluster.clusterName}`;
    if (!kubeconfigs[0]?.value) {
        throw new AzureError(`${operation} returned no kubeconfig.`, { operation });
    }
    const kubeConfig = new dist/* KubeConfig */.ypW();
    try {
        kubeConfig.loadFromString(Buffer.from(kubeconfigs[0].value, 'base64').toString('utf8'));
    }
    catch (error) {
        throw new AzureError(`${operation} returned a kubeconfig that does not parse: ${error.message}`, { operation });
    }
    const entraUsers = kubeConfig.users.filter(isEntraUser);
    let signIn = options.admin ? 'cluster admin (local account)' : 'cluster user (local account)';
    if (entraUsers.length > 0) {
        const tokens = new AksTokenSource(credential, `${options.aksServerAppId}/.default`);
        const firstToken = await tokens.get(); // fail here, with context, rather than on the first API call
        const replaced = new Set();
        const users = kubeConfig.users.map((user) => {
            if (!isEntraUser(user))
                return user;
            const tokenUser = { name: user.name, token: firstToken };
            replaced.add(tokenUser);
            return tokenUser;
        });
        kubeConfig.loadFromOptions({
            clusters: kubeConfig.clusters,
            contexts: kubeConfig.contexts,
            users,
            currentContext: kubeConfig.getCurrentContext(),
        });
        kubeConfig.addAuthenticator(new RefreshingTokenAuthenticator(replaced, tokens));
        signIn = `Entra token for the AKS server application ${options.aksServerAppId} (replaces kubelogin)`;
    }
    return {
        kubeConfig,
        source: 'resource-manager',
        description: `Resource Manager kubeconfig of ${cluster.resourceGroup}/${cluster.clusterName}, ${signIn}`,
    };
}
/** A user that would run kubelogin: the exec plugin, or the retired `azure` auth-provider. */
function isEntraUser(user) {
    const command = user.exec?.command;
    if (typeof command === 'string' && /(^|[\\/])kubelogin(\.exe)?$/.test(command))
        return true;
    return user.authProvider?.name === 'azure';
}
/** An access token for one scope, fetched again shortly before it expires. */
class AksTokenSource {
    credential;
    scope;
    current;
    pending;
    constructor(credential, scope) {
        this.credential = credential;
        this.scope = scope;
    }
    async get() {
        if (this.current && !this.isDue(this.current))
            return this.current.token;
        this.pending ??= this.fetch().finally(() => (this.pending = undefined));
        this.current = await this.pending;
        return this.current.token;
    }
    isDue(token) {
        const renewAt = token.refreshAfterTimestamp ?? token.expiresOnTimestamp - TOKEN_RENEWAL_MS;
        return Date.now() >= Math.min(renewAt, token.expiresOnTimestamp - TOKEN_RENEWAL_MS);
    }
    async fetch() {
        const token = await this.credential.getToken(this.scope);
        if (!token) {
            throw new AzureError(`The Azure credential returned no token for ${this.scope}.`, { operation: 'AKS cluster token' });
        }
        return token;
    }
}
/** client-node authenticator for the users created above: keeps their `token` fresh. */
class RefreshingTokenAuthenticator {
    users;
    tokens;
    constructor(users, tokens) {
        this.users = users;
        this.tokens = tokens;
    }
    isAuthProvider(user) {
        return this.users.has(user);
    }
    async applyAuthentication(user, opts) {
        const token = await this.tokens.get();
        // client-node sets the Authorization header from `user.token` after the authenticator runs,
        // so the fresh token goes on the user itself (an object this module created).
        user.token = token;
        opts.headers ??= {};
        opts.headers.Authorization = `Bearer ${token}`;
    }
}
/** loadFromDefault's last resort when it found nothing: http://localhost:8080 with no user. */
function isClientNodeFallback(kubeConfig) {
    const cluster = kubeConfig.getCurrentCluster();
    return cluster?.name === 'cluster' && cluster.server === 'http://localhost:8080' && kubeConfig.getCurrentUser()?.name === 'user';
}

;// CONCATENATED MODULE: ./src/azure.ts
// Azure for this action: Entra ID sign-in, Resource Manager, cluster access and Azure-side
// checks. One small file per concern under ./azure/; this module wires them and re-exports.










/** True when the inputs say where Azure resources live (else Azure-side checks are skipped). */
function hasAzureAccess(settings) {
    return Boolean(settings.azure.subscriptionId && (settings.azure.resourceGroup || settings.azure.identityResourceGroup));
}
/** Signs in (lazily: the first token request does) and returns a Resource Manager client. */
function connectAzure(settings, deps = {}) {
    const login = createAzureCredential(settings.azure, settings.identity.tenantId, deps);
    const arm = new ArmClient({ resourceManagerUrl: settings.azure.resourceManagerUrl, credential: login.credential, agent: deps.agent });
    return { login, arm };
}

;// CONCATENATED MODULE: ./src/checks/time.ts
// Date helpers shared by the snapshot reader and the judges: the API gives Date objects, fixtures
// and annotations give strings, and evidence speaks in minutes.
/** client-node gives Date objects; YAML fixtures and annotations give strings. */
function toDate(value) {
    if (value === undefined || value === null || value === '')
        return undefined;
    const date = value instanceof Date ? value : new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date;
}
function time(value) {
    return toDate(value)?.getTime() ?? 0;
}
function newest(dates) {
    return dates.reduce((best, date) => (date && (!best || date > best) ? date : best), undefined);
}
function minutesAgo(date, now) {
    const minutes = Math.round((now.getTime() - date.getTime()) / 60_000);
    return minutes >= 0 ? `${minutes} min ago` : `in ${-minutes} min`;
}

;// CONCATENATED MODULE: ./src/checks/jobs.ts
// The refresher's Jobs: how one ended, which of them needs explaining, and which pod and container
// hold the log that explains it. Used by the snapshot reader (to fetch that log) and by the judges.

function jobCondition(job, type) {
    return job.status?.conditions?.find((condition) => condition.type === type && condition.status === 'True');
}
/** Complete/Failed decide; FailureTarget (k8s ≥ 1.31) already means the Job will fail. */
function jobOutcome(job) {
    if (jobCondition(job, 'Complete'))
        return 'complete';
    if (jobCondition(job, 'Failed') || jobCondition(job, 'FailureTarget'))
        return 'failed';
    return 'running';
}
function jobFailure(job) {
    const condition = jobCondition(job, 'Failed') ?? jobCondition(job, 'FailureTarget');
    return condition ? { reason: condition.reason, message: condition.message } : undefined;
}
const newestFirst = (items) => [...items].sort((a, b) => time(b.metadata?.creationTimestamp) - time(a.metadata?.creationTimestamp));
function podsOfJob(pods, jobName) {
    return pods.filter((pod) => {
        const labels = pod.metadata?.labels ?? {};
        return labels['job-name'] === jobName || labels['batch.kubernetes.io/job-name'] === jobName;
    });
}
/**
 * The Job whose log explains the current state: the newest Job that failed (or is failing) with no
 * later success. Its newest failed pod, and the container that failed (an init container first).
 */
function pickRefresherLogTarget(jobs, pods) {
    for (const job of newestFirst(jobs)) {
        const outcome = jobOutcome(job);
        if (outcome === 'complete')
            return undefined;
        if (outcome === 'running' && !(job.status?.failed && job.status.failed > 0))
            continue;
        const jobName = job.metadata?.name ?? '';
        const candidates = newestFirst(podsOfJob(pods, jobName));
        const pod = candidates.find((candidate) => candidate.status?.phase === 'Failed') ?? candidates[0];
        return { jobName, podName: pod?.metadata?.name, container: pod ? failedContainer(pod) : undefined };
    }
    return undefined;
}
function failedContainer(pod) {
    const failed = (statuses) => (statuses ?? []).find((status) => (status.state?.terminated?.exitCode ?? 0) !== 0 ||
        (status.lastState?.terminated?.exitCode ?? 0) !== 0 ||
        status.state?.waiting?.reason === 'CrashLoopBackOff')?.name;
    return (failed(pod.status?.initContainerStatuses) ?? failed(pod.status?.containerStatuses) ?? pod.spec?.containers[0]?.name);
}

;// CONCATENATED MODULE: ./src/checks/snapshot.ts
// The snapshot reader: collectSnapshot reads every object the checks need through the API, in
// parallel, each once, and keeps only what the judges use. Secret data never leaves this file: the
// pull secret is summarised to hosts and usernames, and log tails, bodies and API messages pass
// through redactSecrets (defined here; the judges use it for event messages too).


const LOG_TAIL_LINES = 30;
const BODY_LIMIT = 600;
async function collectSnapshot(apis, settings) {
    const { core, apps, batch } = apis;
    const { names } = settings;
    const namespace = names.namespace;
    let apiRequests = 0;
    const observe = async (read) => {
        apiRequests++;
        try {
            return { state: 'found', value: await read() };
        }
        catch (error) {
            const status = httpStatus(error);
            return status === 404 ? { state: 'absent' } : { state: 'error', status, message: apiErrorMessage(error) };
        }
    };
    // Round 1: every object, in parallel.
    const [namespaceRead, serviceAccount, credentialConfig, cronJob, jobList, secret, deployment, service, podList, eventList,] = await Promise.all([
        observe(() => core.readNamespace({ name: namespace })),
        observe(() => core.readNamespacedServiceAccount({ name: names.refresherServiceAccount, namespace })),
        observe(() => core.readNamespacedConfigMap({ name: names.credentialConfigMap, namespace })),
        observe(() => batch.readNamespacedCronJob({ name: names.cronJob, namespace })),
        observe(() => batch.listNamespacedJob({ namespace })),
        observe(() => core.readNamespacedSecret({ name: names.pullSecret, namespace })),
        observe(() => apps.readNamespacedDeployment({ name: names.deployment, namespace })),
        observe(() => core.readNamespacedService({ name: names.service, namespace })),
        observe(() => core.listNamespacedPod({ namespace })),
        observe(() => core.listNamespacedEvent({ namespace, fieldSelector: 'type=Warning' })),
    ]);
    const jobs = mapObserved(jobList, (list) => list.items.filter((job) => isOwnedByCronJob(job, names.cronJob)));
    // Summarise the secret at once; the V1Secret (with the token) is not kept.
    const pullSecret = mapObserved(secret, summarisePullSecret);
    const pods = mapObserved(podList, (list) => list.items);
    const warningEvents = mapObserved(eventList, (list) => list.items);
    // Round 2: what depends on round 1 — the failing refresher pod's log and the gateway's /health.
    const logTarget = jobs.state === 'found' && pods.state === 'found' ? pickRefresherLogTarget(jobs.value, pods.value) : undefined;
    const [refresherLog, health] = await Promise.all([
        logTarget ? readRefresherLog(logTarget) : Promise.resolve(undefined),
        service.state === 'found' ? readHealth(service.value) : Promise.resolve(undefined),
    ]);
    return {
        namespace: namespaceRead,
        serviceAccount,
        credentialConfig,
        cronJob,
        jobs,
        pullSecret,
        deployment,
        service,
        pods,
        warningEvents,
        refresherLog,
        health,
        apiRequests,
    };
    async function readRefresherLog(target) {
        const base = { jobName: target.jobName, podName: target.podName, container: target.container };
        if (!target.podName)
            return { ...base, error: 'no pod of this Job exists any more' };
        apiRequests++;
        try {
            const text = await core.readNamespacedPodLog({
                name: target.podName,
                namespace,
                container: target.container,
                tailLines: LOG_TAIL_LINES,
            });
            return { ...base, tail: redactSecrets(String(text ?? '')).trimEnd() };
        }
        catch (error) {
            return { ...base, error: apiErrorMessage(error) };
        }
    }
    async function readHealth(svc) {
        // Service proxy name is `<service>:<port name or number>`; the port must be given when it is named.
        const port = svc.spec?.ports?.[0];
        const proxyName = port ? `${names.service}:${port.name || port.port}` : names.service;
        const proxyPath = `/api/v1/namespaces/${namespace}/services/${proxyName}/proxy/health`;
        apiRequests++;
        try {
            const body = await core.connectGetNamespacedServiceProxyWithPath({ name: proxyName, namespace, path: 'health' });
            return { path: proxyPath, status: 200, body: bodyText(body) };
        }
        catch (error) {
            const status = httpStatus(error);
            if (status === undefined)
                return { path: proxyPath, body: '', error: apiErrorMessage(error) };
            return { path: proxyPath, status, body: bodyText(error.body) };
        }
    }
}
function mapObserved(observed, map) {
    return observed.state === 'found' ? { state: 'found', value: map(observed.value) } : observed;
}
function httpStatus(error) {
    const code = error?.code;
    return typeof code === 'number' ? code : undefined;
}
/** The API's own message (a Status body) rather than ApiException's text, which carries headers. */
function apiErrorMessage(error) {
    const status = httpStatus(error);
    const body = error?.body;
    let message;
    if (typeof body === 'string') {
        try {
            message = JSON.parse(body).message ?? body;
        }
        catch {
            message = body;
        }
    }
    else if (body && typeof body === 'object' && typeof body.message === 'string') {
        message = body.message;
    }
    message ??= error instanceof Error ? error.message.split('\n')[0] : String(error);
    return redactSecrets(status ? `HTTP ${status}: ${message}` : message).slice(0, BODY_LIMIT);
}
function bodyText(body) {
    const text = typeof body === 'string' ? body : body === undefined ? '' : JSON.stringify(body);
    return redactSecrets(text.trim()).slice(0, BODY_LIMIT);
}
/** Drop anything token-like before it can reach evidence (a refresher that echoes its token). */
function redactSecrets(text) {
    return text
        .replace(/ya29\.[\w.-]+/g, 'ya29.***')
        .replace(/eyJ[\w-]{5,}\.[\w-]{5,}\.[\w-]*/g, '***jwt***')
        .replace(/(--docker-password[= ])\S+/g, '$1***')
        .replace(/("(?:password|auth|access_token|accessToken|token)"\s*:\s*")[^"]*"/g, '$1***"');
}
function isOwnedByCronJob(job, cronJobName) {
    return (job.metadata?.ownerReferences ?? []).some((ref) => ref.kind === 'CronJob' && ref.name === cronJobName);
}
/**
 * Summarise a dockerconfigjson Secret: hosts, usernames, annotations and times. The decoded
 * config is parsed in memory and dropped here; passwords and `auth` never leave this function.
 */
function summarisePullSecret(secret) {
    const summary = {
        type: secret.type,
        registries: [],
        annotations: { ...(secret.metadata?.annotations ?? {}) },
        createdAt: toDate(secret.metadata?.creationTimestamp),
        lastWriteAt: newest((secret.metadata?.managedFields ?? []).map((field) => toDate(field.time))),
    };
    const encoded = secret.data?.['.dockerconfigjson'];
    if (encoded === undefined) {
        summary.parseError = 'no .dockerconfigjson key';
        return summary;
    }
    try {
        const config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
        for (const [host, entry] of Object.entries(config.auths ?? {})) {
            let username = typeof entry?.username === 'string' ? entry.username : undefined;
            if (username === undefined && typeof entry?.auth === 'string') {
                const userAndPassword = Buffer.from(entry.auth, 'base64').toString('utf8');
                username = userAndPassword.slice(0, Math.max(0, userAndPassword.indexOf(':')));
            }
            summary.registries.push({ host, username });
        }
    }
    catch {
        summary.parseError = '.dockerconfigjson is not valid base64 JSON';
    }
    return summary;
}

;// CONCATENATED MODULE: ./src/refresher.ts
// The refresher: the script the CronJob's container runs to turn the pod's federated identity
// into a GCP access token and write it into the registry pull secret.
//
// Fixes of the seed's script (shared/reference/seed-review.md):
//   D1  `entra` mode exchanges the ServiceAccount token at Entra ID first;
//   D3  `gcloud auth login --cred-file` before `print-access-token`;
//   D4  one atomic server-side apply instead of delete-then-create;
//   D12 the token's expiry is recorded on the Secret.
// Every value reaches the script through environment variables (refresherEnv), never through
// text interpolated into it: no input can inject shell, and the script is the same for every
// install. It runs as non-root on a read-only root filesystem: everything it writes goes under
// the scratch emptyDir (HOME, CLOUDSDK_CONFIG) or the Entra token emptyDir.

const REFRESHER_CONTAINER = 'token-refresh';
const REFRESHER_PATHS = {
    credentialConfigDir: '/etc/gcp',
    credentialConfigFile: 'credential-config.json',
    saTokenDir: '/var/run/secrets/azure/tokens',
    saTokenFile: 'azure-identity-token',
    entraTokenDir: '/var/run/secrets/entra',
    entraTokenFile: 'token',
    scratchDir: '/tmp',
};
/** The log line that starts each step, so a failure is attributable to the hop that failed. */
const REFRESHER_STEPS = {
    checkInputs: 'step: check inputs',
    entraExchange: 'step: exchange at Entra ID',
    gcloudLogin: 'step: gcloud login',
    accessToken: 'step: get access token',
    applySecret: 'step: apply secret',
};
/** Field manager of the refresher's server-side apply of the pull secret. */
const REFRESHER_FIELD_MANAGER = 'bifrost-refresher';
/** The bash script (container args). Reads only environment variables; see refresherEnv. */
function refresherScript() {
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
function refresherEnv(settings) {
    const { names, identity, workload } = settings;
    const env = {
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

;// CONCATENATED MODULE: ./src/gcp.ts
// GCP side of the identity chain: the names Google derives from the hub slug and the
// `external_account` credential config the refresher hands to gcloud. Built as objects, never as
// text templates, so no input can change the JSON's shape.

const DEFAULT_STS_URL = 'https://sts.googleapis.com/v1/token';
const DEFAULT_IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';
const JWT_SUBJECT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
/** The seed's pool and provider names (shared/seed Step 5). */
function defaultWorkloadIdentityPool(hubSlug) {
    return `${hubSlug}-azure-pool`;
}
function defaultWorkloadIdentityProvider(hubSlug) {
    return `${hubSlug}-azure-provider`;
}
/** Artifact Registry's Docker host for a region or multi-region (`us` → `us-docker.pkg.dev`). */
function registryHostForRegion(region) {
    return `${region}-docker.pkg.dev`;
}
/** `<host>/<project>/<hub-slug>/bifrost` plus `:<tag>`, or `@sha256:…` for a pinned digest. */
function bifrostImage(identity, tagOrDigest) {
    const repository = `${identity.registryHost}/${identity.gcpProjectId}/${identity.hubSlug}/bifrost`;
    return tagOrDigest.startsWith('sha256:')
        ? `${repository}@${tagOrDigest}`
        : `${repository}:${tagOrDigest}`;
}
/** The STS audience: the full resource name of the workload identity provider. */
function workloadIdentityAudience(identity) {
    return (`//iam.googleapis.com/projects/${identity.gcpProjectNumber}/locations/global/` +
        `workloadIdentityPools/${identity.workloadIdentityPool}/providers/${identity.workloadIdentityProvider}`);
}
function impersonationUrl(identity) {
    const base = identity.iamCredentialsUrl.replace(/\/+$/, '');
    return `${base}/v1/projects/-/serviceAccounts/${identity.gcpServiceAccount}:generateAccessToken`;
}
/** Where, inside the refresher pod, the credential config finds the subject token (D1). */
function subjectTokenPath(federation) {
    return federation === 'entra'
        ? `${REFRESHER_PATHS.entraTokenDir}/${REFRESHER_PATHS.entraTokenFile}`
        : `${REFRESHER_PATHS.saTokenDir}/${REFRESHER_PATHS.saTokenFile}`;
}
/** Key order follows the seed's Step 5 so the ConfigMap reads like the page. */
function credentialConfig(identity) {
    return {
        type: 'external_account',
        audience: workloadIdentityAudience(identity),
        subject_token_type: JWT_SUBJECT_TOKEN_TYPE,
        service_account_impersonation_url: impersonationUrl(identity),
        token_url: identity.stsUrl,
        credential_source: { file: subjectTokenPath(identity.federation), format: { type: 'text' } },
    };
}

;// CONCATENATED MODULE: ./src/checks/verdict.ts
// What every judge shares: the shape of a verdict (a CheckResult without id and title), the pass /
// skipped / problem builders (a problem takes its hint from the catalogue in hints.ts when the
// evidence carries a service's words), the answer for an object that could not be read, and the
// warning-event summaries that go into evidence.



const pass = (evidence) => ({ status: 'pass', evidence });
const skipped = (evidence) => ({ status: 'skipped', evidence });
/** A fail or warn: the catalogue's hint when the evidence carries a known message, else `fallback`. */
function problem(status, evidence, fallback, hintSource = evidence) {
    const known = findHint(hintSource);
    return { status, evidence, hint: known ? formatHint(known) : fallback };
}
const REDEPLOY = 'Re-run the action with mode: deploy to create it.';
/** The shared answer for a read that did not succeed. */
function unreadable(observed, what) {
    if (observed.state === 'absent')
        return problem('fail', `${what} not found`, REDEPLOY);
    return problem('fail', `could not read ${what}: ${observed.message}`, 'The identity the action runs as could not read this object; give it read access to the namespace.');
}
function podName(pod) {
    return pod.metadata?.name ?? '';
}
function eventsFor(snapshot, objectNames) {
    if (snapshot.warningEvents.state !== 'found')
        return [];
    const wanted = new Set(objectNames);
    return snapshot.warningEvents.value.filter((event) => wanted.has(event.involvedObject.name ?? ''));
}
/** One line per distinct reason + message, newest first, with counts. */
function summariseEvents(events) {
    const byText = new Map();
    for (const event of events) {
        const text = `${event.reason ?? ''}: ${redactSecrets(event.message ?? '')}`;
        const seen = byText.get(text) ?? { count: 0, last: 0 };
        seen.count += event.count ?? 1;
        seen.last = Math.max(seen.last, time(event.lastTimestamp ?? event.eventTime ?? event.metadata?.creationTimestamp));
        byText.set(text, seen);
    }
    return [...byText.entries()]
        .sort((a, b) => b[1].last - a[1].last)
        .slice(0, 8)
        .map(([text, { count }]) => (count > 1 ? `${text} (x${count})` : text))
        .join('\n');
}

;// CONCATENATED MODULE: ./src/checks/identity-judges.ts
// Judges of the refresher's identity: can its pod prove who it is to Entra and Google? The
// ServiceAccount's client id, the workload identity label on the pod template, the GCP credential
// config, and the token the webhook (or the pod itself) mounts into the running pod.





const WORKLOAD_IDENTITY_LABEL = 'azure.workload.identity/use';
const CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
const FEDERATED_TOKEN_FILE_ENV = 'AZURE_FEDERATED_TOKEN_FILE';
/** Where the azure-workload-identity webhook puts the token when the pod does not mount its own (D6). */
const WEBHOOK_TOKEN_FILES = [
    '/var/run/secrets/azure/tokens/azure-identity-token', // webhook ≤ 1.5
    '/var/run/secrets/azure/wi/token/azure-identity-token', // webhook ≥ 1.6
];
function judgeServiceAccount(snapshot, settings) {
    const name = settings.names.refresherServiceAccount;
    const observed = snapshot.serviceAccount;
    if (observed.state === 'absent') {
        return problem('fail', `ServiceAccount ${name} not found`, `The refresher runs as ${name}, and the workload identity webhook refuses pods whose ServiceAccount ` +
            `is missing (D6). ${REDEPLOY}`);
    }
    if (observed.state !== 'found')
        return unreadable(observed, `ServiceAccount ${name}`);
    const annotated = observed.value.metadata?.annotations?.[CLIENT_ID_ANNOTATION];
    const expected = settings.identity.clientId;
    if (annotated !== undefined && annotated.toLowerCase() === expected.toLowerCase()) {
        return pass(`${CLIENT_ID_ANNOTATION}: ${annotated}`);
    }
    const seen = annotated === undefined ? `no ${CLIENT_ID_ANNOTATION} annotation` : `${CLIENT_ID_ANNOTATION}: ${annotated}`;
    // Only the entra mode sends this client id to Entra; in kubernetes mode it is just drift.
    const status = settings.identity.federation === 'entra' ? 'fail' : 'warn';
    return problem(status, `${seen}; the client-id input is ${expected}`, `Set the annotation to the managed identity's client id (input client-id): re-run with mode: deploy, or ` +
        `\`kubectl annotate serviceaccount ${name} -n ${settings.names.namespace} --overwrite ` +
        `${CLIENT_ID_ANNOTATION}=${expected}\`. ` +
        'The webhook injects it as AZURE_CLIENT_ID into the refresher pod.');
}
function cronJobPodSpec(snapshot) {
    return snapshot.cronJob.state === 'found' ? snapshot.cronJob.value.spec?.jobTemplate.spec?.template.spec : undefined;
}
function judgeWorkloadIdentityLabel(snapshot, settings) {
    const observed = snapshot.cronJob;
    if (observed.state !== 'found')
        return skipped(`CronJob ${settings.names.cronJob} not readable (see cronjob-healthy)`);
    const template = observed.value.spec?.jobTemplate.spec?.template;
    const value = template?.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL];
    if (value === 'true')
        return pass(`pod template label ${WORKLOAD_IDENTITY_LABEL}: "true"`);
    const saLabel = snapshot.serviceAccount.state === 'found'
        ? snapshot.serviceAccount.value.metadata?.labels?.[WORKLOAD_IDENTITY_LABEL]
        : undefined;
    const evidence = `pod template label ${WORKLOAD_IDENTITY_LABEL} is ${value === undefined ? 'missing' : `"${value}"`}` +
        (saLabel !== undefined ? ` (the ServiceAccount has it, but the webhook only reads the pod label — D6)` : '');
    const ownToken = projectedTokenFiles(template?.spec).length > 0;
    return problem(ownToken ? 'warn' : 'fail', ownToken
        ? `${evidence}; the pod mounts its own projected token, so only the AZURE_* variables are missing`
        : evidence, `Put ${WORKLOAD_IDENTITY_LABEL}: "true" on spec.jobTemplate.spec.template.metadata.labels of the CronJob (the label on ` +
        'the ServiceAccount does nothing): re-run with mode: deploy.');
}
/** Files of projected ServiceAccount tokens for the token-exchange audience, as mounted in the containers. */
function projectedTokenFiles(spec) {
    if (!spec)
        return [];
    const tokenVolumes = new Map(); // volume name → token path inside the volume
    for (const volume of spec.volumes ?? []) {
        for (const source of volume.projected?.sources ?? []) {
            const token = source.serviceAccountToken;
            if (token && token.audience === AZURE_TOKEN_EXCHANGE_AUDIENCE)
                tokenVolumes.set(volume.name, token.path);
        }
    }
    return allContainers(spec).flatMap((container) => (container.volumeMounts ?? [])
        .filter((mount) => tokenVolumes.has(mount.name))
        .map((mount) => external_node_path_default().posix.join(mount.mountPath, tokenVolumes.get(mount.name))));
}
/** Mount paths of emptyDir volumes: where the entra mode's refresher writes the Entra token. */
function emptyDirMounts(spec) {
    if (!spec)
        return [];
    const emptyDirs = new Set((spec.volumes ?? []).filter((volume) => volume.emptyDir).map((volume) => volume.name));
    return allContainers(spec).flatMap((container) => (container.volumeMounts ?? []).filter((mount) => emptyDirs.has(mount.name)).map((mount) => mount.mountPath));
}
function allContainers(spec) {
    return [...(spec.initContainers ?? []), ...spec.containers];
}
function judgeCredentialConfig(snapshot, settings) {
    const name = settings.names.credentialConfigMap;
    if (snapshot.credentialConfig.state !== 'found')
        return unreadable(snapshot.credentialConfig, `ConfigMap ${name}`);
    const data = snapshot.credentialConfig.value.data ?? {};
    const key = 'credential-config.json' in data ? 'credential-config.json' : Object.keys(data).find((k) => k.endsWith('.json'));
    if (!key)
        return problem('fail', `ConfigMap ${name} has no credential-config.json key`, REDEPLOY);
    let config;
    try {
        config = JSON.parse(data[key]);
    }
    catch {
        return problem('fail', `${key} in ConfigMap ${name} is not valid JSON`, REDEPLOY);
    }
    const wrong = [];
    const expectField = (field, actual, expected, consequence) => {
        if (actual === expected)
            return;
        wrong.push(`${field} is ${JSON.stringify(actual)}, expected "${expected}" (${consequence})`);
    };
    expectField('type', config.type, 'external_account', 'gcloud would not treat it as federation');
    expectField('audience', config.audience, workloadIdentityAudience(settings.identity), 'STS answers invalid_request/invalid_target');
    expectField('token_url', config.token_url, settings.identity.stsUrl, 'the exchange goes elsewhere');
    expectField('service_account_impersonation_url', config.service_account_impersonation_url, impersonationUrl(settings.identity), 'a different service account is impersonated');
    if (config.subject_token_type !== JWT_SUBJECT_TOKEN_TYPE) {
        wrong.push(`subject_token_type is ${JSON.stringify(config.subject_token_type)}, expected a JWT token type`);
    }
    const file = config.credential_source?.file;
    const spec = cronJobPodSpec(snapshot);
    const notes = [];
    if (typeof file !== 'string') {
        wrong.push('credential_source.file is missing');
    }
    else if (!spec) {
        notes.push(`credential_source.file ${file} not compared: CronJob not readable`);
    }
    else if (settings.identity.federation === 'kubernetes') {
        const ownFiles = projectedTokenFiles(spec);
        if (ownFiles.length > 0 && !ownFiles.includes(file)) {
            wrong.push(`credential_source.file is ${file}, but the refresher's projected token is at ${ownFiles.join(', ')}`);
        }
        else if (ownFiles.length === 0 && WEBHOOK_TOKEN_FILES.includes(file)) {
            notes.push(`credential_source.file ${file} relies on the webhook's injected token path, which changed in 1.6 (D6)`);
        }
        else if (ownFiles.length === 0) {
            wrong.push(`credential_source.file is ${file}, and the refresher pod template mounts no projected token`);
        }
    }
    else {
        // entra: the file is the Entra token the refresher writes into an emptyDir, not the raw SA token.
        if (projectedTokenFiles(spec).includes(file)) {
            wrong.push(`credential_source.file is the raw ServiceAccount token ${file}; federation: entra reads the Entra token file`);
        }
        else if (!emptyDirMounts(spec).some((mount) => file.startsWith(`${mount.replace(/\/+$/, '')}/`))) {
            wrong.push(`credential_source.file ${file} is not inside an emptyDir mounted in the refresher pod`);
        }
    }
    if (wrong.length > 0) {
        return problem('fail', `${key}: ${wrong.join('; ')}`, 'The ConfigMap differs from the inputs (gcp-project-number, workload-identity-pool, workload-identity-provider, ' +
            'gcp-service-account, federation): re-run with mode: deploy to re-render it, or fix the inputs if the ConfigMap ' +
            'is right.');
    }
    const summary = `external_account, audience ${config.audience}, ` +
        `impersonates ${settings.identity.gcpServiceAccount}, token file ${file}`;
    if (notes.length > 0) {
        return problem('warn', `${summary}; ${notes.join('; ')}`, 'Mount the projected token in the CronJob yourself (the seed volume azure-identity-token) so the path does not ' +
            'depend on the webhook version: re-run with mode: deploy.');
    }
    return pass(summary);
}
function judgeIdentityInjection(snapshot) {
    const jobs = snapshot.jobs.state === 'found' ? snapshot.jobs.value : [];
    const pods = snapshot.pods.state === 'found' ? snapshot.pods.value : [];
    const jobNames = new Set(jobs.map((job) => job.metadata?.name));
    const refresherPods = newestFirst(pods.filter((pod) => {
        const labels = pod.metadata?.labels ?? {};
        return jobNames.has(labels['job-name']) || jobNames.has(labels['batch.kubernetes.io/job-name']);
    }));
    const pod = refresherPods[0];
    if (!pod)
        return skipped('no refresher pod exists now (finished Jobs keep their pods only until the history limit)');
    const spec = pod.spec;
    const files = projectedTokenFiles(spec);
    const envFiles = spec
        ? allContainers(spec).flatMap((container) => (container.env ?? []).filter((env) => env.name === FEDERATED_TOKEN_FILE_ENV).map((env) => env.value ?? ''))
        : [];
    if (files.length > 0 || envFiles.length > 0) {
        const parts = [
            files.length > 0
                ? `projected token (audience ${AZURE_TOKEN_EXCHANGE_AUDIENCE}) at ${[...new Set(files)].join(', ')}`
                : '',
            envFiles.length > 0 ? `${FEDERATED_TOKEN_FILE_ENV}=${[...new Set(envFiles)].join(', ')}` : '',
        ].filter(Boolean);
        return pass(`pod ${podName(pod)}: ${parts.join('; ')}`);
    }
    return problem('fail', `pod ${podName(pod)} has no projected token for ${AZURE_TOKEN_EXCHANGE_AUDIENCE} and no ${FEDERATED_TOKEN_FILE_ENV}`, `The webhook injects the token only into pods labelled ${WORKLOAD_IDENTITY_LABEL}: "true" (on the pod, not the ` +
        'ServiceAccount — D6) and only when AKS workload identity is enabled (`az aks update --enable-oidc-issuer ' +
        '--enable-workload-identity`). Re-run with mode: deploy: the rendered CronJob mounts its own token.');
}

;// CONCATENATED MODULE: ./src/checks/schedule.ts
// How often a CronJob runs, from its cron schedule: the refresher judge calls a success stale after
// two periods. Only the shapes this action and its users write are read exactly; anything else
// counts as hourly.
/** Minutes between runs of a 5-field cron schedule; simple cases only, else one hour. */
function schedulePeriodMinutes(schedule) {
    const macros = {
        '@hourly': 60,
        '@daily': 1440,
        '@midnight': 1440,
        '@weekly': 10080,
    };
    const trimmed = schedule.trim();
    if (trimmed in macros)
        return macros[trimmed];
    const fields = trimmed.split(/\s+/);
    if (fields.length !== 5)
        return 60;
    const [minute, hour, dayOfMonth, month, dayOfWeek] = fields;
    const step = (field) => /^\*\/(\d+)$/.exec(field)?.[1];
    const fixed = (field) => /^\d+$/.test(field);
    if (dayOfMonth !== '*' || month !== '*')
        return 60;
    if (dayOfWeek !== '*')
        return fixed(minute) && fixed(hour) && fixed(dayOfWeek) ? 10080 : 60;
    if (minute === '*' && hour === '*')
        return 1;
    const minuteStep = step(minute);
    if (minuteStep && hour === '*')
        return Number(minuteStep);
    if (/^\d+(,\d+)+$/.test(minute) && hour === '*')
        return largestGap(minute.split(',').map(Number), 60);
    if (fixed(minute) && hour === '*')
        return 60;
    const hourStep = step(hour);
    if (fixed(minute) && hourStep)
        return 60 * Number(hourStep);
    if (fixed(minute) && fixed(hour))
        return 1440;
    return 60;
}
function largestGap(points, cycle) {
    const sorted = [...new Set(points)].sort((a, b) => a - b);
    return Math.max(...sorted.map((point, i) => (i + 1 < sorted.length ? sorted[i + 1] : sorted[0] + cycle) - point));
}

;// CONCATENATED MODULE: ./src/checks/refresher-judges.ts
// Judges of the refresher's work: does the CronJob run and succeed often enough, and is the pull
// secret it writes there, shaped for Artifact Registry, and not yet expired?





const PULL_SECRET_USERNAME = 'oauth2accesstoken';
/** Warn when the pull secret's token has less left than this. */
const EXPIRY_WARNING_MS = 5 * 60_000;
function judgeCronJob(snapshot, settings, now) {
    const name = settings.names.cronJob;
    if (snapshot.cronJob.state !== 'found')
        return unreadable(snapshot.cronJob, `CronJob ${name}`);
    const cronJob = snapshot.cronJob.value;
    const schedule = cronJob.spec?.schedule ?? '';
    if (cronJob.spec?.suspend) {
        return problem('fail', `CronJob ${name} is suspended (schedule ${schedule})`, `Resume it: \`kubectl patch cronjob ${name} -n ${settings.names.namespace} -p '{"spec":{"suspend":false}}'\`, ` +
            'or re-run with mode: deploy.');
    }
    const jobs = snapshot.jobs.state === 'found' ? newestFirst(snapshot.jobs.value) : [];
    const pods = snapshot.pods.state === 'found' ? snapshot.pods.value : [];
    const periodMinutes = schedulePeriodMinutes(schedule);
    const staleAfterMs = 2 * periodMinutes * 60_000;
    const lastSuccess = newest([
        toDate(cronJob.status?.lastSuccessfulTime),
        ...jobs.filter((job) => jobOutcome(job) === 'complete').map((job) => toDate(job.status?.completionTime)),
    ]);
    const successText = lastSuccess
        ? `last success ${minutesAgo(lastSuccess, now)} (${lastSuccess.toISOString()})`
        : 'no successful run recorded';
    const scheduleText = `schedule "${schedule}" (every ${periodMinutes} min)`;
    // The newest finished Job decides; a failure not superseded by a success is explained with its
    // log. So is the newest Job while it retries after failed pods (e.g. right after a failed deploy):
    // it may still succeed, so that alone is a warning.
    const newestFinished = jobs.find((job) => jobOutcome(job) !== 'running');
    const failed = newestFinished && jobOutcome(newestFinished) === 'failed' ? newestFinished : undefined;
    const newestJob = jobs[0];
    const retrying = newestJob && jobOutcome(newestJob) === 'running' && (newestJob.status?.failed ?? 0) > 0 ? newestJob : undefined;
    if (failed || retrying) {
        const failedName = failed?.metadata?.name ?? '';
        const retryingName = retrying?.metadata?.name ?? '';
        const jobNames = [retryingName, failedName].filter(Boolean);
        const condition = failed ? jobFailure(failed) : undefined;
        const events = summariseEvents(eventsFor(snapshot, jobNames.flatMap((jobName) => [jobName, ...podsOfJob(pods, jobName).map(podName)])));
        // collectSnapshot read the log of the newest Job with failed pods: the retrying one if any.
        const log = snapshot.refresherLog && jobNames.includes(snapshot.refresherLog.jobName) ? snapshot.refresherLog : undefined;
        const logText = log?.tail
            ? `pod ${log.podName} log tail:\n${log.tail}`
            : log?.error
                ? `log unavailable: ${log.error}`
                : '';
        const evidence = [
            retrying
                ? `Job ${retryingName} is retrying: ${retrying.status?.failed} pod(s) failed so far ` +
                    `(backoffLimit ${retrying.spec?.backoffLimit ?? 6})`
                : '',
            failed ? `Job ${failedName} failed: ${condition?.reason ?? 'Failed'}: ${condition?.message ?? ''}`.trim() : '',
            successText,
            events ? `events: ${events}` : '',
            logText,
        ]
            .filter(Boolean)
            .join('\n');
        // The log and the events say why; the Job condition only says that it failed.
        return problem(failed ? 'fail' : 'warn', evidence, `Read the refresher log: \`kubectl logs -n ${settings.names.namespace} -l job-name=${log?.jobName ?? jobNames[0]}\`.`, [log?.tail ?? '', log?.error ?? '', events, `${condition?.reason ?? ''} ${condition?.message ?? ''}`].join('\n'));
    }
    const created = toDate(cronJob.metadata?.creationTimestamp);
    if (!lastSuccess) {
        const young = created !== undefined && now.getTime() - created.getTime() < staleAfterMs;
        return problem(young ? 'warn' : 'fail', `${successText}; ${scheduleText}; ${jobs.length} Job(s) present`, 'Start a refresh now and watch it: ' +
            `\`kubectl create job --from=cronjob/${name} refresh-now -n ${settings.names.namespace}\`.`);
    }
    if (now.getTime() - lastSuccess.getTime() > staleAfterMs) {
        return problem('fail', `${successText}, more than two periods of ${scheduleText}`, 'The CronJob has not succeeded for two periods: check that the cronjob controller schedules it ' +
            `(\`kubectl get jobs -n ${settings.names.namespace}\`), that startingDeadlineSeconds is not too short, and start ` +
            `one by hand: \`kubectl create job --from=cronjob/${name} refresh-now -n ${settings.names.namespace}\`.`);
    }
    const newestText = jobs[0] ? `; newest Job ${jobs[0].metadata?.name} ${jobOutcome(jobs[0])}` : '';
    return pass(`${scheduleText}; ${successText}${newestText}`);
}
function judgePullSecret(snapshot, settings, now) {
    const name = settings.names.pullSecret;
    const observed = snapshot.pullSecret;
    if (observed.state === 'absent') {
        return problem('fail', `Secret ${name} not found`, 'The refresher Job writes it (see cronjob-healthy). Start one: ' +
            `\`kubectl create job --from=cronjob/${settings.names.cronJob} refresh-now -n ${settings.names.namespace}\`, ` +
            'or re-run with mode: deploy.');
    }
    if (observed.state !== 'found')
        return unreadable(observed, `Secret ${name}`);
    const secret = observed.value;
    const host = settings.identity.registryHost;
    if (secret.type !== 'kubernetes.io/dockerconfigjson') {
        return problem('fail', `Secret ${name} has type ${secret.type ?? '(none)'}, not kubernetes.io/dockerconfigjson`, `The kubelet ignores it for pulls. Delete it (\`kubectl delete secret ${name} -n ${settings.names.namespace}\`) ` +
            'and let the refresher recreate it.');
    }
    if (secret.parseError) {
        return problem('fail', `Secret ${name}: ${secret.parseError}`, 'Delete it and let the refresher recreate it.');
    }
    const entry = secret.registries.find((registry) => registryHost(registry.host) === host);
    if (!entry) {
        const hosts = secret.registries.map((registry) => registry.host).join(', ') || 'none';
        return problem('fail', `Secret ${name} has no entry for ${host} (hosts: ${hosts})`, `The refresher's --docker-server must be the image's registry host ${host} (input registry-region): ` +
            're-run with mode: deploy.');
    }
    if (entry.username !== PULL_SECRET_USERNAME) {
        return problem('fail', `Secret ${name} entry for ${host} has user ${entry.username ?? '(none)'}, not ${PULL_SECRET_USERNAME}`, `Artifact Registry accepts an access token only with the user ${PULL_SECRET_USERNAME}: re-run with mode: deploy.`);
    }
    const expiry = secretExpiry(secret, settings.workload.tokenLifetimeSeconds);
    if (!expiry) {
        return problem('warn', `Secret ${name} for ${host}: no time to judge its age`, 'Let the refresher rewrite it.');
    }
    const written = expiry.writtenAt ? `written ${minutesAgo(expiry.writtenAt, now)}, ` : '';
    const remainingMs = expiry.expiresAt.getTime() - now.getTime();
    const expiryText = `${written}expires ${expiry.expiresAt.toISOString()} (${expiry.source})`;
    const refreshHint = `The refresher has not replaced the token in time: see cronjob-healthy, and start one now: ` +
        `\`kubectl create job --from=cronjob/${settings.names.cronJob} refresh-now -n ${settings.names.namespace}\`. ` +
        'GCP access tokens live 60 minutes (D12).';
    if (remainingMs <= 0) {
        const expired = `token expired ${minutesAgo(expiry.expiresAt, now)}`;
        return problem('fail', `Secret ${name} for ${host}: ${expired}; ${expiryText}`, refreshHint);
    }
    if (remainingMs < EXPIRY_WARNING_MS) {
        const soon = `token expires in ${Math.round(remainingMs / 60_000)} min`;
        return problem('warn', `Secret ${name} for ${host}: ${soon}; ${expiryText}`, refreshHint);
    }
    const left = `${Math.round(remainingMs / 60_000)} min left`;
    return pass(`Secret ${name} for ${host} (user ${PULL_SECRET_USERNAME}): ${expiryText}, ${left}`);
}
function registryHost(key) {
    return key.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
}
/** When the token stops working: the refresher's annotation, else the last write + the token lifetime. */
function secretExpiry(secret, lifetimeSeconds) {
    const lifetimeMs = lifetimeSeconds * 1000;
    const annotated = toDate(secret.annotations[EXPIRES_AT_ANNOTATION]);
    const refreshedAt = toDate(secret.annotations[REFRESHED_AT_ANNOTATION]);
    const writtenAt = refreshedAt ?? secret.lastWriteAt ?? secret.createdAt;
    if (annotated)
        return { expiresAt: annotated, writtenAt, source: `annotation ${EXPIRES_AT_ANNOTATION}` };
    if (!writtenAt)
        return undefined;
    const source = refreshedAt
        ? `annotation ${REFRESHED_AT_ANNOTATION}`
        : secret.lastWriteAt
            ? 'last write (managedFields)'
            : 'creationTimestamp';
    return {
        expiresAt: new Date(writtenAt.getTime() + lifetimeMs),
        writtenAt,
        source: `${source} + ${Math.round(lifetimeSeconds / 60)} min token lifetime`,
    };
}

;// CONCATENATED MODULE: ./src/kube.ts
// The Kubernetes client: server-side apply, a Job made from the CronJob, watching it and the
// rollout to an outcome, and the evidence (pod log tail, events) a failure report needs.
// Everything goes through @kubernetes/client-node against whatever API server the KubeConfig
// names; tests use a real one (scripts/cluster.sh).

/** An API call that failed, with what we were doing and what the server said. */
class KubeError extends Error {
    operation;
    status;
    reason;
    serverMessage;
    constructor(operation, status, reason, serverMessage) {
        super(`${operation}: ${status ? `HTTP ${status} ` : ''}${reason ? `${reason}: ` : ''}${serverMessage}`);
        this.operation = operation;
        this.status = status;
        this.reason = reason;
        this.serverMessage = serverMessage;
        this.name = 'KubeError';
    }
}
/** Server-side apply refused because another field manager owns some of our fields. */
class ApplyConflictError extends Error {
    object;
    conflicts;
    constructor(object, conflicts) {
        super(`Apply of ${object} conflicts with another field manager: ` +
            conflicts.map((c) => `${c.field} (owned by "${c.manager}")`).join(', '));
        this.object = object;
        this.conflicts = conflicts;
        this.name = 'ApplyConflictError';
    }
}
/** Waiting reasons that mean "fix something", not "wait longer": the rollout watch stops on
 * them and the pods-healthy check fails on them, so deploy and verify agree. */
const STUCK_WAITING_REASONS = new Set([
    'ImagePullBackOff',
    'ErrImagePull',
    'InvalidImageName',
    'ErrImageNeverPull',
    'CreateContainerConfigError',
    'CreateContainerError',
    'CrashLoopBackOff',
]);
class KubeClient {
    kubeConfig;
    fieldManager;
    core;
    apps;
    batch;
    objects;
    constructor(kubeConfig, fieldManager) {
        this.kubeConfig = kubeConfig;
        this.fieldManager = fieldManager;
        this.core = kubeConfig.makeApiClient(dist/* CoreV1Api */.f5Y);
        this.apps = kubeConfig.makeApiClient(dist/* AppsV1Api */.eY6);
        this.batch = kubeConfig.makeApiClient(dist/* BatchV1Api */.Q8C);
        this.objects = dist/* KubernetesObjectApi */.e1Y.makeApiClient(kubeConfig);
    }
    /** Server-side apply each object in order with our one field manager. The action is judged
     * by resourceVersion: unchanged when the server had nothing to change. */
    async applyAll(objects, force) {
        const applied = [];
        for (const object of objects)
            applied.push(await this.apply(object, force));
        return applied;
    }
    async apply(object, force) {
        const { kind = '', metadata = {} } = object;
        const label = kube_describe(object);
        const before = await this.readOrUndefined(object);
        let after;
        try {
            after = await this.objects.patch(object, undefined, undefined, this.fieldManager, force, dist/* PatchStrategy */.Qve.ServerSideApply);
        }
        catch (error) {
            const conflicts = fieldConflicts(error);
            if (conflicts.length > 0)
                throw new ApplyConflictError(label, conflicts);
            throw wrap(`apply ${label}`, error);
        }
        const action = !before
            ? 'created'
            : before.metadata?.resourceVersion === after.metadata?.resourceVersion
                ? 'unchanged'
                : 'configured';
        return { kind, name: metadata.name ?? '', namespace: metadata.namespace, action };
    }
    async readOrUndefined(object) {
        try {
            return await this.objects.read({
                apiVersion: object.apiVersion,
                kind: object.kind,
                metadata: { name: object.metadata?.name ?? '', namespace: object.metadata?.namespace },
            });
        }
        catch (error) {
            if (statusOf(error) === 404)
                return undefined;
            throw wrap(`read ${kube_describe(object)}`, error);
        }
    }
    /** True when the Secret exists. Its data is dropped unread. */
    async secretExists(namespace, name) {
        try {
            await this.core.readNamespacedSecret({ name, namespace });
            return true;
        }
        catch (error) {
            if (statusOf(error) === 404)
                return false;
            throw wrap(`read Secret ${namespace}/${name}`, error);
        }
    }
    /** What `kubectl create job --from=cronjob/<cronJob> <jobName>` does, over the API. */
    async createJobFromCronJob(namespace, cronJobName, jobName) {
        let cronJob;
        try {
            cronJob = await this.batch.readNamespacedCronJob({ name: cronJobName, namespace });
        }
        catch (error) {
            throw wrap(`read CronJob ${namespace}/${cronJobName}`, error);
        }
        const template = cronJob.spec?.jobTemplate;
        const body = {
            apiVersion: 'batch/v1',
            kind: 'Job',
            metadata: {
                name: jobName,
                namespace,
                annotations: { 'cronjob.kubernetes.io/instantiate': 'manual', ...template?.metadata?.annotations },
                labels: template?.metadata?.labels,
                ownerReferences: [
                    {
                        apiVersion: 'batch/v1',
                        kind: 'CronJob',
                        name: cronJobName,
                        uid: cronJob.metadata?.uid ?? '',
                        controller: true,
                    },
                ],
            },
            spec: template?.spec,
        };
        try {
            return await this.batch.createNamespacedJob({ namespace, body, fieldManager: this.fieldManager });
        }
        catch (error) {
            throw wrap(`create Job ${namespace}/${jobName} from CronJob ${cronJobName}`, error);
        }
    }
    /** Watch the Job (and its pods) until it completes, fails, or a pod is stuck. */
    async waitForJob(namespace, jobName, signal) {
        let job;
        return watchUntil(this.kubeConfig, [
            {
                path: `/apis/batch/v1/namespaces/${namespace}/jobs`,
                query: { fieldSelector: `metadata.name=${jobName}` },
                onEvent: (_type, object) => {
                    job = object;
                    const conditions = object.status?.conditions ?? [];
                    const isTrue = (type) => conditions.find((c) => c.type === type && c.status === 'True');
                    if (isTrue('Complete'))
                        return { status: 'complete', job: object };
                    // FailureTarget comes first (pods still terminating); Failed follows. Either is final.
                    const failed = isTrue('Failed') ?? isTrue('FailureTarget');
                    if (failed) {
                        return { status: 'failed', job: object, reason: failed.reason ?? 'Failed', message: failed.message ?? '' };
                    }
                    return undefined;
                },
            },
            {
                path: `/api/v1/namespaces/${namespace}/pods`,
                query: { labelSelector: `job-name=${jobName}` },
                onEvent: (type, pod) => {
                    if (type === 'DELETED')
                        return undefined;
                    const stuck = stuckContainer(pod);
                    if (stuck)
                        return { status: 'stuck', job, stuck };
                    // The first failed attempt ends the wait: the Job's retries back off 10 s, 20 s, …
                    // and a refresher failure is almost always configuration, not chance.
                    const failed = pod.status?.phase === 'Failed' ? terminatedContainer(pod) : undefined;
                    return failed ? { status: 'failed', job, reason: 'PodFailed', message: failed } : undefined;
                },
            },
        ], signal);
    }
    /** Watch the Deployment until its current generation is Available with every replica updated,
     * stopping early when a pod of the new ReplicaSet is stuck or progress is exceeded. */
    async waitForRollout(namespace, name, signal) {
        let deployment;
        let currentHash;
        const pods = new Map();
        const stuckInCurrentReplicaSet = () => {
            if (!currentHash)
                return undefined;
            for (const pod of pods.values()) {
                if (pod.metadata?.labels?.['pod-template-hash'] !== currentHash || pod.metadata?.deletionTimestamp)
                    continue;
                const stuck = stuckContainer(pod);
                if (stuck)
                    return { status: 'stuck', deployment, stuck };
            }
            return undefined;
        };
        const selector = await this.deploymentSelector(namespace, name);
        return watchUntil(this.kubeConfig, [
            {
                path: `/apis/apps/v1/namespaces/${namespace}/deployments`,
                query: { fieldSelector: `metadata.name=${name}` },
                onEvent: async (_type, object) => {
                    deployment = object;
                    const observed = (object.status?.observedGeneration ?? 0) >= (object.metadata?.generation ?? 1);
                    if (!observed)
                        return undefined;
                    const progressing = object.status?.conditions?.find((c) => c.type === 'Progressing');
                    if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
                        return { status: 'failed', deployment: object, reason: progressing.reason, message: progressing.message ?? '' };
                    }
                    if (rolloutComplete(object))
                        return { status: 'available', deployment: object };
                    currentHash = await this.currentPodTemplateHash(namespace, object);
                    return stuckInCurrentReplicaSet();
                },
            },
            {
                path: `/api/v1/namespaces/${namespace}/pods`,
                query: { labelSelector: selector },
                onEvent: (type, pod) => {
                    const podName = pod.metadata?.name ?? '';
                    if (type === 'DELETED')
                        pods.delete(podName);
                    else
                        pods.set(podName, pod);
                    return stuckInCurrentReplicaSet();
                },
            },
        ], signal);
    }
    async deploymentSelector(namespace, name) {
        try {
            const deployment = await this.apps.readNamespacedDeployment({ name, namespace });
            const labels = deployment.spec?.selector?.matchLabels ?? {};
            return Object.entries(labels)
                .map(([key, value]) => `${key}=${value}`)
                .join(',');
        }
        catch (error) {
            throw wrap(`read Deployment ${namespace}/${name}`, error);
        }
    }
    /** The pod-template-hash of the ReplicaSet holding the Deployment's current revision. */
    async currentPodTemplateHash(namespace, deployment) {
        const revision = deployment.metadata?.annotations?.['deployment.kubernetes.io/revision'];
        if (!revision)
            return undefined;
        const list = await this.apps.listNamespacedReplicaSet({
            namespace,
            labelSelector: Object.entries(deployment.spec?.selector?.matchLabels ?? {})
                .map(([key, value]) => `${key}=${value}`)
                .join(','),
        });
        const current = list.items.find((rs) => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'] === revision &&
            rs.metadata?.ownerReferences?.some((owner) => owner.uid === deployment.metadata?.uid));
        return current?.metadata?.labels?.['pod-template-hash'];
    }
    /** Pods of a Job, newest first. */
    async jobPods(namespace, jobName) {
        const list = await this.core.listNamespacedPod({ namespace, labelSelector: `job-name=${jobName}` });
        return list.items.sort((a, b) => kube_time(b.metadata?.creationTimestamp) - kube_time(a.metadata?.creationTimestamp));
    }
    /** The last lines a container printed; empty when the log cannot be read (reported, not thrown). */
    async logTail(namespace, pod, container, lines = 30) {
        try {
            return await this.core.readNamespacedPodLog({ name: pod, namespace, container, tailLines: lines });
        }
        catch (error) {
            return `(log unavailable: ${wrap('read log', error).message})`;
        }
    }
    /** Events about one object, oldest first. */
    async eventsFor(namespace, objectName) {
        const list = await this.core.listNamespacedEvent({
            namespace,
            fieldSelector: `involvedObject.name=${objectName}`,
        });
        return list.items.sort((a, b) => eventTime(a) - eventTime(b));
    }
}
/** The first container (init containers included) waiting for a reason that will not resolve. */
function stuckContainer(pod) {
    const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
    for (const status of statuses) {
        const waiting = status.state?.waiting;
        if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
            return { pod: pod.metadata?.name ?? '', container: status.name, reason: waiting.reason, message: waiting.message ?? '' };
        }
    }
    return undefined;
}
/** `pod <name>: container <c> exited with code N: <message>` for a Failed pod. */
function terminatedContainer(pod) {
    const status = pod.status?.containerStatuses?.find((s) => s.state?.terminated && s.state.terminated.exitCode !== 0);
    const terminated = status?.state?.terminated;
    if (!terminated)
        return `pod ${pod.metadata?.name} failed${pod.status?.message ? `: ${pod.status.message}` : ''}`;
    return `pod ${pod.metadata?.name}: container ${status.name} exited with code ${terminated.exitCode}${terminated.message ? `: ${terminated.message}` : ''}`;
}
function rolloutComplete(deployment) {
    const want = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const available = status.conditions?.find((c) => c.type === 'Available')?.status === 'True';
    return (available &&
        (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 1) &&
        (status.updatedReplicas ?? 0) === want &&
        (status.availableReplicas ?? 0) === want &&
        (status.replicas ?? 0) === want // old pods gone
    );
}
function formatEvents(events) {
    return events.map((e) => `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`.trim());
}
/**
 * Run several watches until one handler returns a value (or the signal aborts). A watch the
 * server closes is resumed from the last resourceVersion it delivered; a 410 Gone restarts it
 * from the current state (the server then replays every object as ADDED).
 */
function watchUntil(kubeConfig, specs, signal) {
    const watch = new dist/* Watch */.ox1(kubeConfig);
    const controllers = new Set();
    let settled = false;
    return new Promise((resolve, reject) => {
        const finish = (action) => {
            if (settled)
                return;
            settled = true;
            signal.removeEventListener('abort', onAbort);
            for (const controller of controllers)
                controller.abort();
            action();
        };
        const onAbort = () => finish(() => reject(signal.reason));
        if (signal.aborted)
            return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        const start = (spec, resourceVersion, failures) => {
            if (settled)
                return;
            let lastVersion = resourceVersion;
            // Handlers run one at a time so async ones see events in order.
            let queue = Promise.resolve();
            watch
                .watch(spec.path, { ...spec.query, allowWatchBookmarks: true, ...(lastVersion ? { resourceVersion: lastVersion } : {}) }, (type, object) => {
                if (type === 'ERROR') {
                    if (object?.code === 410)
                        lastVersion = undefined;
                    return;
                }
                lastVersion = object?.metadata?.resourceVersion ?? lastVersion;
                if (type === 'BOOKMARK')
                    return;
                queue = queue.then(async () => {
                    if (settled)
                        return;
                    try {
                        const value = await spec.onEvent(type, object);
                        if (value !== undefined)
                            finish(() => resolve(value));
                    }
                    catch (error) {
                        finish(() => reject(error));
                    }
                });
            }, (error) => {
                if (settled)
                    return;
                // The server ends watches routinely; reconnect. Give up after repeated errors.
                if (error && failures >= 5)
                    return finish(() => reject(wrap(`watch ${spec.path}`, error)));
                setTimeout(() => start(spec, lastVersion, error ? failures + 1 : 0), error ? 500 * (failures + 1) : 0);
            })
                .then((controller) => (settled ? controller.abort() : controllers.add(controller)), (error) => {
                if (settled)
                    return;
                if (failures >= 5)
                    return finish(() => reject(wrap(`watch ${spec.path}`, error)));
                setTimeout(() => start(spec, lastVersion, failures + 1), 500 * (failures + 1));
            });
        };
        for (const spec of specs)
            start(spec, undefined, 0);
    });
}
function kube_describe(object) {
    const ns = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
    return `${object.kind} ${ns}${object.metadata?.name}`;
}
function statusOf(error) {
    const code = error?.code;
    return typeof code === 'number' ? code : undefined;
}
/** The Kubernetes Status object in an ApiException body (string or parsed). */
function statusBody(error) {
    const body = error?.body;
    if (typeof body === 'string') {
        try {
            return JSON.parse(body);
        }
        catch {
            return { message: body };
        }
    }
    return body ?? {};
}
function wrap(operation, error) {
    if (error instanceof KubeError)
        return error;
    const status = statusOf(error);
    const body = statusBody(error);
    const message = body.message ?? (error instanceof Error ? error.message : String(error));
    return new KubeError(operation, status, body.reason, message);
}
/** Server-side apply conflicts: 409 with causes of type FieldManagerConflict. */
function fieldConflicts(error) {
    if (statusOf(error) !== 409)
        return [];
    const causes = statusBody(error).details?.causes ?? [];
    return causes
        .filter((cause) => cause.reason === 'FieldManagerConflict')
        .map((cause) => ({
        field: cause.field ?? '',
        manager: /conflict with "([^"]+)"/.exec(cause.message ?? '')?.[1] ?? 'another manager',
        message: cause.message ?? '',
    }));
}
function kube_time(value) {
    return value ? new Date(value).getTime() : 0;
}
function eventTime(event) {
    return kube_time(event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp);
}

;// CONCATENATED MODULE: ./src/checks/workload-judges.ts
// Judges of the gateway's side: the namespace, the Deployment's rollout, its pods' containers and
// scheduling, and Bifrost's own /health answer through the API server's service proxy.


function judgeNamespace(snapshot, settings) {
    const observed = snapshot.namespace;
    if (observed.state !== 'found')
        return unreadable(observed, `namespace ${settings.names.namespace}`);
    const phase = observed.value.status?.phase ?? 'Active';
    if (phase !== 'Active') {
        return problem('fail', `namespace ${settings.names.namespace} is ${phase}`, 'The namespace is being deleted; wait until it is gone, then deploy again.');
    }
    return pass(`namespace ${settings.names.namespace} is Active`);
}
function judgeDeployment(snapshot, settings) {
    const name = settings.names.deployment;
    if (snapshot.deployment.state !== 'found')
        return unreadable(snapshot.deployment, `Deployment ${name}`);
    const deployment = snapshot.deployment.value;
    const desired = deployment.spec?.replicas ?? 1;
    const status = deployment.status ?? {};
    const condition = (type) => status.conditions?.find((c) => c.type === type);
    const available = condition('Available');
    const progressing = condition('Progressing');
    const total = status.replicas ?? 0;
    const updated = status.updatedReplicas ?? 0;
    const counts = `replicas ${desired}, updated ${updated}, ready ${status.readyReplicas ?? 0}, ` +
        `available ${status.availableReplicas ?? 0}${total > updated ? `, old ${total - updated}` : ''}; ` +
        `generation ${deployment.metadata?.generation ?? '?'}, observed ${status.observedGeneration ?? '?'}`;
    const seePods = 'See pods-healthy for why the pods are not ready.';
    if (desired === 0)
        return problem('warn', `Deployment ${name} is scaled to 0`, 'Set the replicas input above 0.');
    if (progressing?.reason === 'ProgressDeadlineExceeded') {
        return problem('fail', `${counts}; Progressing: ${progressing.reason}: ${progressing.message ?? ''}`, seePods);
    }
    if (available?.status !== 'True') {
        const why = available
            ? `Available ${available.status}: ${available.reason ?? ''} ${available.message ?? ''}`.trim()
            : 'no Available condition';
        return problem('fail', `${counts}; ${why}`, seePods);
    }
    // As `kubectl rollout status` judges it: an old pod still serving makes `available` reach
    // `desired` while the new pod is stuck (maxUnavailable 0), so old pods must be gone too.
    const rolledOut = (status.observedGeneration ?? 0) >= (deployment.metadata?.generation ?? 0) &&
        updated >= desired &&
        total <= updated &&
        (status.availableReplicas ?? 0) >= updated;
    if (!rolledOut) {
        return problem('warn', `${counts}; Available, but the rollout of the current generation is not complete`, seePods);
    }
    return pass(counts);
}
function gatewayPods(snapshot, settings) {
    if (snapshot.pods.state !== 'found')
        return [];
    const selector = (snapshot.deployment.state === 'found' ? snapshot.deployment.value.spec?.selector.matchLabels : undefined) ?? {
        app: settings.names.deployment,
    };
    return snapshot.pods.value.filter((pod) => Object.entries(selector).every(([key, value]) => pod.metadata?.labels?.[key] === value));
}
function judgePods(snapshot, settings) {
    if (snapshot.pods.state !== 'found')
        return unreadable(snapshot.pods, `pods in ${settings.names.namespace}`);
    const pods = gatewayPods(snapshot, settings);
    const deploymentName = settings.names.deployment;
    // ReplicaSet events (FailedCreate: quota, admission webhook) explain pods that never appeared.
    const replicaSetEvents = (snapshot.warningEvents.state === 'found' ? snapshot.warningEvents.value : []).filter((event) => event.involvedObject.kind === 'ReplicaSet' && event.involvedObject.name?.startsWith(`${deploymentName}-`));
    const podEvents = summariseEvents([...eventsFor(snapshot, pods.map(podName)), ...replicaSetEvents]);
    const desired = snapshot.deployment.state === 'found' ? (snapshot.deployment.value.spec?.replicas ?? 1) : 1;
    if (pods.length === 0) {
        const evidence = `no pods of Deployment ${deploymentName}${podEvents ? `; events: ${podEvents}` : ''}`;
        if (desired === 0)
            return pass(evidence);
        return problem('fail', evidence, 'The ReplicaSet could not create pods; its events above say why.');
    }
    const problems = [];
    for (const pod of pods) {
        const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
        for (const status of statuses) {
            const waiting = status.state?.waiting;
            if (waiting?.reason && STUCK_WAITING_REASONS.has(waiting.reason)) {
                const last = status.lastState?.terminated;
                const lastText = last ? ` (last exit ${last.exitCode}${last.reason ? ` ${last.reason}` : ''})` : '';
                const what = `${waiting.reason}: ${waiting.message ?? ''}${lastText}`;
                problems.push(`pod ${podName(pod)} container ${status.name}: ${what}`.trim());
            }
        }
        const unschedulable = pod.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False');
        if (unschedulable) {
            const why = `${unschedulable.reason ?? ''} ${unschedulable.message ?? ''}`;
            problems.push(`pod ${podName(pod)} not scheduled: ${why}`.trim());
        }
    }
    if (problems.length === 0) {
        const running = pods.filter((pod) => pod.status?.phase === 'Running').length;
        return pass(`${pods.length} pod(s), ${running} Running, no container waiting on an error`);
    }
    const evidence = [...problems, podEvents ? `events: ${podEvents}` : ''].filter(Boolean).join('\n');
    return problem('fail', evidence, 'Describe a pod for the whole story: ' +
        `\`kubectl describe pod -n ${settings.names.namespace} -l app=${deploymentName}\`.`);
}
function judgeGatewayHealth(snapshot, settings) {
    if (snapshot.service.state !== 'found')
        return unreadable(snapshot.service, `Service ${settings.names.service}`);
    const health = snapshot.health;
    if (!health)
        return skipped('the Service was not readable, so /health was not asked');
    if (health.status === undefined) {
        return problem('fail', `GET ${health.path} failed: ${health.error ?? 'no answer'}`, 'The API server could not be asked; check the connection to the cluster.');
    }
    const answer = `GET ${health.path} → ${health.status}${health.body ? ` ${health.body}` : ''}`;
    const gatewayLogs = `kubectl logs deployment/${settings.names.deployment} -n ${settings.names.namespace}`;
    if (health.status === 200)
        return pass(answer);
    // A Kubernetes Status body means the API server answered for the gateway: it never reached it.
    const proxyRefusal = apiServerStatusMessage(health.body);
    if (proxyRefusal !== undefined) {
        if (/no endpoints available/.test(proxyRefusal)) {
            return problem('fail', answer, `No gateway pod is ready to serve: see deployment-available and pods-healthy.`);
        }
        return {
            status: 'warn',
            evidence: answer,
            hint: 'The API server could not reach a gateway pod through the service proxy, so /health was not asked ' +
                '(the readiness probes still judge it). Check NetworkPolicies and the API server to node connectivity ' +
                `(konnectivity on AKS), or ask directly: kubectl port-forward svc/${settings.names.service} 8080:80 -n ${settings.names.namespace}.`,
        };
    }
    return problem('fail', answer, health.status === 503
        ? 'Bifrost answers 503 when a store it needs (config_store, logs_store) cannot be reached: fix its connection in ' +
            `the config input, then check \`${gatewayLogs}\`.`
        : `See pods-healthy and the gateway log: \`${gatewayLogs}\`.`);
}
/** The message of a Kubernetes `Status` object, when the body is one (not the gateway's own answer). */
function apiServerStatusMessage(body) {
    try {
        const parsed = JSON.parse(body);
        return parsed?.kind === 'Status' ? (parsed.message ?? '') : undefined;
    }
    catch {
        return undefined;
    }
}

;// CONCATENATED MODULE: ./src/checks/evaluate.ts
// The list of checks and their evaluation: CHECK_IDS (their order in the report), a title per check,
// and the judge that decides each one. evaluateChecks is pure, so the same snapshot gives the same
// results in the action, the tests and the troubleshooting docs.




const CHECK_IDS = [
    'namespace',
    'service-account-client-id',
    'refresher-workload-identity-label',
    'credential-config',
    'cronjob-healthy',
    'pull-secret',
    'deployment-available',
    'pods-healthy',
    'refresher-identity-injection',
    'gateway-health',
];
const TITLES = {
    namespace: (s) => `Namespace ${s.names.namespace} exists`,
    'service-account-client-id': (s) => `ServiceAccount ${s.names.refresherServiceAccount} names the managed identity client id`,
    'refresher-workload-identity-label': (s) => `CronJob ${s.names.cronJob} pod template has ${WORKLOAD_IDENTITY_LABEL}: "true"`,
    'credential-config': (s) => `ConfigMap ${s.names.credentialConfigMap} holds the expected credential config`,
    'cronjob-healthy': (s) => `CronJob ${s.names.cronJob} runs and succeeds`,
    'pull-secret': (s) => `Pull secret ${s.names.pullSecret} is present and fresh`,
    'deployment-available': (s) => `Deployment ${s.names.deployment} is available and rolled out`,
    'pods-healthy': (s) => `Gateway pods of ${s.names.deployment} are healthy`,
    'refresher-identity-injection': () => 'Refresher pod carries the Azure workload identity token',
    'gateway-health': (s) => `Gateway /health answers 200 through Service ${s.names.service}`,
};
const JUDGES = {
    namespace: judgeNamespace,
    'service-account-client-id': judgeServiceAccount,
    'refresher-workload-identity-label': judgeWorkloadIdentityLabel,
    'credential-config': judgeCredentialConfig,
    'cronjob-healthy': judgeCronJob,
    'pull-secret': judgePullSecret,
    'deployment-available': judgeDeployment,
    'pods-healthy': judgePods,
    'refresher-identity-injection': judgeIdentityInjection,
    'gateway-health': judgeGatewayHealth,
};
/** Pure: the same snapshot, settings and time give the same results. */
function evaluateChecks(snapshot, settings, now) {
    const namespaceMissing = snapshot.namespace.state === 'absent';
    return CHECK_IDS.map((id) => {
        const title = TITLES[id](settings);
        if (namespaceMissing && id !== 'namespace') {
            return { id, title, ...skipped(`namespace ${settings.names.namespace} does not exist`) };
        }
        return { id, title, ...JUDGES[id](snapshot, settings, now) };
    });
}

;// CONCATENATED MODULE: ./src/checks.ts
// Kubernetes-side verification. Two halves:
// - collectSnapshot: reads the objects through the API, in parallel, each once; keeps only what the
//   checks need (never Secret data: the pull secret is summarised to hosts and usernames).
// - evaluateChecks: pure judgement of a snapshot at a given time, one CheckResult per check.
// Evidence is what was seen; hints come from the catalogue in hints.ts when the evidence carries a
// service's words, else a specific fix.
//
// One small file per concern under ./checks/; this module re-exports their public API:
//   snapshot.ts          the snapshot types, collectSnapshot, pull-secret summary, redaction
//   jobs.ts              refresher Job outcomes and which pod's log explains a failure
//   schedule.ts          cron schedule → minutes between runs
//   evaluate.ts          CHECK_IDS, titles, the judge of each check, evaluateChecks
//   verdict.ts           what judges share: pass/skipped/problem, unreadable objects, event summaries
//   identity-judges.ts   ServiceAccount client id, workload identity label, credential config, token injection
//   refresher-judges.ts  CronJob runs and successes, pull secret shape and expiry
//   workload-judges.ts   namespace, Deployment rollout, gateway pods, /health
//   time.ts              date helpers






// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
;// CONCATENATED MODULE: ./src/inputs.ts
// Action inputs → typed Settings. Every value is checked here, once, against the form the
// services accept; all problems are collected and reported together in one InputError.
// getInput is passed in (main passes core.getInput) so tests need no INPUT_* juggling.





/** Defaults, identical to action.yml's (a unit test compares them). An empty default means
 * "required" or "derived from another input" — see DERIVED_DEFAULTS. */
const INPUT_DEFAULTS = {
    // identity
    'tenant-id': '',
    'client-id': '',
    'hub-slug': '',
    'gcp-project-id': '',
    'gcp-project-number': '',
    'gcp-service-account': '',
    'workload-identity-pool': '',
    'workload-identity-provider': '',
    'registry-region': '',
    'registry-host': '',
    federation: 'kubernetes',
    'entra-resource': '',
    'entra-authority-host': '',
    'sts-url': DEFAULT_STS_URL,
    'iam-credentials-url': DEFAULT_IAM_CREDENTIALS_URL,
    // workload
    namespace: 'bifrost',
    'service-account-name': 'bifrost-sa',
    'config-secret-name': 'bifrost-config',
    'image-tag': 'latest',
    replicas: '1',
    config: '',
    'cpu-request': '250m',
    'memory-request': '512Mi',
    'cpu-limit': '1000m',
    'memory-limit': '2Gi',
    'refresh-schedule': '*/30 * * * *',
    'refresher-image': 'gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0',
    // cluster
    kubeconfig: '',
    // Azure
    'subscription-id': '',
    'resource-group': '',
    'cluster-name': '',
    admin: 'false',
    'azure-environment': 'AzureCloud',
    'resource-manager-url': '',
    'authority-host': '',
    'aks-server-app-id': '6dae42f8-4368-4678-94ff-3960e28e3630',
    'identity-name': 'bifrost-pull-identity',
    'identity-resource-group': '',
    'federated-credential-name': 'bifrost-federated-credential',
    'manage-federated-credential': 'false',
    'azure-credential': 'auto',
    'login-client-id': '',
    // control
    mode: 'deploy',
    timeout: '10m',
    wait: 'true',
    'force-conflicts': 'false',
};
/** Inputs that must be set in every mode (verify compares the cluster against them). */
const REQUIRED_INPUTS = (/* unused pure expression or super */ null && ([
    'tenant-id',
    'client-id',
    'hub-slug',
    'gcp-project-id',
    'gcp-project-number',
    'gcp-service-account',
    'registry-region',
]));
/** Inputs whose empty value means "derive from another input". */
const DERIVED_DEFAULTS = {
    'workload-identity-pool': '`<hub-slug>-azure-pool`',
    'workload-identity-provider': '`<hub-slug>-azure-provider`',
    'registry-host': '`<registry-region>-docker.pkg.dev`',
    'entra-authority-host': 'the `authority-host` of `azure-environment`',
    'resource-manager-url': 'from `azure-environment`',
    'authority-host': 'from `azure-environment`',
    'identity-resource-group': 'the `resource-group` input',
};
/** Kubernetes Secrets hold at most 1 MiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const GCP_ACCESS_TOKEN_LIFETIME_SECONDS = 3600; // D12: generateAccessToken's default lifetime
/** Every invalid input of one run, reported together. */
class InputError extends Error {
    problems;
    constructor(problems) {
        const lines = problems.map((p) => `- ${p.input}: ${p.problem}. Expected ${p.expected}.`);
        super(`Invalid action inputs (${problems.length}):\n${lines.join('\n')}`);
        this.name = 'InputError';
        this.problems = problems;
    }
}
const regexRule = (re, problem, expected) => ({
    accepts: (v) => re.test(v),
    problem,
    expected,
});
const GUID = regexRule(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'is not a GUID', 'a GUID such as 72f988bf-86f1-41af-91ab-2d7cd011db47');
const DNS_LABEL = regexRule(/^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'is not a DNS-1123 label', 'at most 63 lowercase letters, digits and "-", starting and ending with a letter or digit');
const DNS_SUBDOMAIN = regexRule(/^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, 'is not a Kubernetes object name (DNS-1123 subdomain)', 'at most 253 lowercase letters, digits, "-" and ".", starting and ending with a letter or digit');
// Artifact Registry repository ids: lowercase letters, digits and hyphens, starting with a letter.
const HUB_SLUG = regexRule(/^(?=.{1,63}$)[a-z]([a-z0-9-]*[a-z0-9])?$/, 'is not a valid hub slug', 'lowercase letters, digits and "-", starting with a letter and ending with a letter or digit (the Artifact Registry repository name)');
const GCP_PROJECT_ID = regexRule(/^[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'is not a GCP project ID', '6–30 lowercase letters, digits and "-", starting with a letter, e.g. my-project-123');
const GCP_PROJECT_NUMBER = regexRule(/^[1-9][0-9]{0,19}$/, 'is not a GCP project number', 'the project number, digits only, e.g. 123456789012');
const GCP_SERVICE_ACCOUNT = regexRule(/^[a-z][a-z0-9-]{4,28}[a-z0-9]@[a-z][a-z0-9-]{4,28}[a-z0-9]\.iam\.gserviceaccount\.com$/, 'is not a GCP service account email', 'name@project.iam.gserviceaccount.com');
// Workload identity pool and provider ids: 4–32 characters; the `gcp-` prefix is reserved.
const WORKLOAD_IDENTITY_ID = regexRule(/^(?!gcp-)[a-z0-9-]{4,32}$/, 'is not a workload identity pool/provider ID', '4–32 lowercase letters, digits and "-", not starting with "gcp-"');
const GCP_REGION = regexRule(/^([a-z]+-[a-z]+[0-9]{1,2}|us|europe|asia)$/, 'is not an Artifact Registry location', 'a region such as us-central1 or europe-west4, or a multi-region: us, europe, asia');
const REGISTRY_HOST = regexRule(/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?$/, 'is not a registry host', 'a host name with an optional port, e.g. us-central1-docker.pkg.dev or 127.0.0.1:5000');
// Docker tag grammar, or a digest to pin the verified image (D9).
const IMAGE_TAG = regexRule(/^([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}|sha256:[a-f0-9]{64})$/, 'is not an image tag or digest', 'a tag of letters, digits, "_", "." and "-" (at most 128, not starting with "." or "-"), or a digest sha256:<64 hex>');
const IMAGE_REFERENCE = regexRule(/^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]{1,5})?(\/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$/, 'is not an image reference', 'registry/path/name[:tag][@sha256:digest], e.g. gcr.io/google.com/cloudsdktool/google-cloud-cli:528.0.0');
// Azure naming rules (Microsoft.Resources and Microsoft.ContainerService / ManagedIdentity docs).
const RESOURCE_GROUP = regexRule(/^(?=.{1,90}$)[-\w.()]*[-\w()]$/, 'is not a resource group name', 'at most 90 letters, digits, "_", "-", ".", "(" and ")", not ending with "."');
const AKS_CLUSTER_NAME = regexRule(/^(?=.{1,63}$)[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/, 'is not an AKS cluster name', 'at most 63 letters, digits, "_" and "-", starting and ending with a letter or digit');
const IDENTITY_NAME = regexRule(/^(?=.{3,128}$)[A-Za-z0-9][A-Za-z0-9_-]*$/, 'is not a managed identity name', '3–128 letters, digits, "_" and "-", starting with a letter or digit');
const FEDERATED_CREDENTIAL_NAME = regexRule(/^(?=.{3,120}$)[A-Za-z0-9][A-Za-z0-9_-]*$/, 'is not a federated credential name', '3–120 letters, digits, "_" and "-", starting with a letter or digit');
// The resource the managed-identity token is requested for; the refresher appends /.default.
const ENTRA_RESOURCE = {
    accepts: (v) => !/\/\.default$/.test(v) &&
        (GUID.accepts(v) || /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'\\`$]+$/.test(v)),
    problem: 'is not an Entra resource (App ID URI or application ID)',
    expected: 'an App ID URI such as api://<app-id> or https://host/path, or an application GUID, without /.default',
};
const BOOLEAN = regexRule(/^(true|True|TRUE|false|False|FALSE)$/, 'is not a boolean', 'true or false');
const REPLICAS = regexRule(/^[0-9]{1,4}$/, 'is not a whole number', 'an integer from 0 to 9999');
const RUN_ID = regexRule(/^[a-z0-9-]{1,20}$/, 'is not usable in a Job name', 'up to 20 lowercase letters, digits and "-" (GitHub sets digits)');
/** An https URL, or http on loopback only (emulators in tests), without credentials. */
const ENDPOINT_URL = {
    accepts: (v) => {
        let url;
        try {
            url = new URL(v);
        }
        catch {
            return false;
        }
        // Plain URL characters only: the value also reaches the refresher's environment.
        if (!/^[A-Za-z0-9\-._~:/?&=%[\]@+,;]+$/.test(v))
            return false;
        if (url.username || url.password || url.hash)
            return false;
        if (url.protocol === 'https:')
            return true;
        return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
    },
    problem: 'is not an endpoint URL',
    expected: 'an https:// URL (http:// only on 127.0.0.1/localhost), without user info or #fragment',
};
const enumRule = (values) => ({
    accepts: (v) => values.includes(v),
    problem: 'is not one of the accepted values',
    expected: `one of: ${values.join(', ')}`,
});
// Durations as GitHub users write them: 90s, 10m, 1h, 1h30m.
const DURATION = {
    accepts: (v) => parseDurationSeconds(v) !== undefined,
    problem: 'is not a duration',
    expected: 'hours/minutes/seconds such as 90s, 10m, 1h or 1h30m (more than 0)',
};
function parseDurationSeconds(value) {
    const match = /^(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?$/.exec(value);
    if (!match || value === '')
        return undefined;
    const [, h = '0', m = '0', s = '0'] = match;
    const seconds = Number(h) * 3600 + Number(m) * 60 + Number(s);
    return seconds > 0 ? seconds : undefined;
}
// Kubernetes quantities (resource.Quantity) without sign, e.g. 250m, 0.5, 512Mi, 2Gi, 1e3.
const QUANTITY_SUFFIX = {
    '': 1,
    m: 1e-3,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    P: 1e15,
    E: 1e18,
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    Pi: 2 ** 50,
    Ei: 2 ** 60,
};
function parseQuantity(value) {
    const match = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+)?$/.exec(value);
    if (!match)
        return undefined;
    const [, number, suffix = ''] = match;
    const scale = /^[eE]/.test(suffix) ? 10 ** Number(suffix.slice(1)) : QUANTITY_SUFFIX[suffix];
    return Number(number) * (scale ?? NaN);
}
const CPU_QUANTITY = {
    accepts: (v) => (parseQuantity(v) ?? 0) > 0,
    problem: 'is not a CPU quantity',
    expected: 'a positive Kubernetes quantity such as 250m, 0.5 or 2',
};
// A lowercase `m` on memory means milli-bytes: almost always a typo for Mi.
const MEMORY_QUANTITY = {
    accepts: (v) => !v.endsWith('m') && (parseQuantity(v) ?? 0) >= 1,
    problem: 'is not a memory quantity',
    expected: 'a positive Kubernetes quantity in bytes such as 512Mi, 2Gi or 1G (not "m", which means milli-bytes)',
};
// Five-field cron as the CronJob controller reads it (robfig/cron standard parser).
const CRON_FIELDS = [
    { name: 'minute', min: 0, max: 59 },
    { name: 'hour', min: 0, max: 23 },
    { name: 'day of month', min: 1, max: 31, question: true },
    { name: 'month', min: 1, max: 12, names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'] },
    { name: 'day of week', min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'], question: true },
];
function cronFieldAccepts(field, text) {
    const names = 'names' in field ? field.names : [];
    const offset = field.name === 'month' ? 1 : 0;
    const toNumber = (part) => {
        if (/^[0-9]{1,2}$/.test(part))
            return Number(part);
        const index = names.indexOf(part.toUpperCase());
        return index >= 0 ? index + offset : undefined;
    };
    return text.split(',').every((item) => {
        const [range, step, extra] = item.split('/');
        if (extra !== undefined)
            return false;
        if (step !== undefined && !/^[1-9][0-9]*$/.test(step))
            return false;
        if (range === '*' || ('question' in field && range === '?'))
            return true;
        const bounds = (range ?? '').split('-');
        if (bounds.length > 2)
            return false;
        const numbers = bounds.map(toNumber);
        if (numbers.some((n) => n === undefined || n < field.min || n > field.max))
            return false;
        return numbers.length === 1 || numbers[0] <= numbers[1];
    });
}
const CRON = {
    accepts: (v) => {
        const fields = v.split(/\s+/);
        return fields.length === 5 && fields.every((f, i) => cronFieldAccepts(CRON_FIELDS[i], f));
    },
    problem: 'is not a 5-field cron schedule',
    expected: 'minute hour day-of-month month day-of-week, e.g. */30 * * * *',
};
/** Reads inputs, applies defaults and collects problems instead of stopping at the first. */
class InputReader {
    getInput;
    problems = [];
    constructor(getInput) {
        this.getInput = getInput;
    }
    /** The trimmed value, or the input's default when empty. */
    raw(name) {
        const value = (this.getInput(name) ?? '').trim();
        return value === '' ? INPUT_DEFAULTS[name] : value;
    }
    report(input, problem, expected) {
        this.problems.push({ input, problem, expected });
    }
    /** The value if it fits the rule (or is empty and optional); else records the problem. */
    checked(name, rule, options = {}) {
        const value = this.raw(name) || options.fallback || '';
        if (value === '') {
            if (options.required)
                this.report(name, 'is required but empty', rule.expected);
            return '';
        }
        if (!rule.accepts(value))
            this.report(name, `${quote(value)} ${rule.problem}`, rule.expected);
        return value;
    }
    boolean(name) {
        return this.checked(name, BOOLEAN).toLowerCase() === 'true';
    }
    oneOf(name, values) {
        return this.checked(name, enumRule(values));
    }
}
/** Values in messages: JSON-quoted (newlines visible) and cut short. Never used for secrets. */
function quote(value) {
    const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
    return JSON.stringify(shown);
}
const optional = (value) => (value === '' ? undefined : value);
function readSettings(getInput, env) {
    const inputs = new InputReader(getInput);
    const required = { required: true };
    // Every mode needs the identity inputs: verify compares the cluster against them.
    const mode = inputs.oneOf('mode', ['deploy', 'render', 'verify']);
    // Identity
    const hubSlug = inputs.checked('hub-slug', HUB_SLUG, required);
    const slugForDefaults = HUB_SLUG.accepts(hubSlug) ? hubSlug : ''; // reported once, above
    const registryRegion = inputs.checked('registry-region', GCP_REGION, required);
    const federation = inputs.oneOf('federation', ['kubernetes', 'entra']);
    const environment = inputs.oneOf('azure-environment', [
        'AzureCloud',
        'AzureChinaCloud',
        'AzureUSGovernment',
    ]);
    const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
    const authorityHost = inputs.checked('authority-host', ENDPOINT_URL, { fallback: cloud.authorityHost });
    const identity = {
        tenantId: inputs.checked('tenant-id', GUID, required).toLowerCase(),
        clientId: inputs.checked('client-id', GUID, required).toLowerCase(),
        hubSlug,
        gcpProjectId: inputs.checked('gcp-project-id', GCP_PROJECT_ID, required),
        gcpProjectNumber: inputs.checked('gcp-project-number', GCP_PROJECT_NUMBER, required),
        gcpServiceAccount: inputs.checked('gcp-service-account', GCP_SERVICE_ACCOUNT, required),
        workloadIdentityPool: derivedWorkloadIdentityId(inputs, 'workload-identity-pool', slugForDefaults && defaultWorkloadIdentityPool(slugForDefaults)),
        workloadIdentityProvider: derivedWorkloadIdentityId(inputs, 'workload-identity-provider', slugForDefaults && defaultWorkloadIdentityProvider(slugForDefaults)),
        registryRegion,
        registryHost: inputs.checked('registry-host', REGISTRY_HOST, {
            fallback: registryRegion && registryHostForRegion(registryRegion),
        }),
        federation,
        entraResource: inputs.checked('entra-resource', ENTRA_RESOURCE, {
            required: federation === 'entra',
        }),
        entraAuthorityHost: trimSlash(inputs.checked('entra-authority-host', ENDPOINT_URL, { fallback: authorityHost })),
        stsUrl: inputs.checked('sts-url', ENDPOINT_URL),
        iamCredentialsUrl: trimSlash(inputs.checked('iam-credentials-url', ENDPOINT_URL)),
    };
    // Workload
    const imageTag = inputs.checked('image-tag', IMAGE_TAG);
    const resources = {
        requests: {
            cpu: inputs.checked('cpu-request', CPU_QUANTITY),
            memory: inputs.checked('memory-request', MEMORY_QUANTITY),
        },
        limits: {
            cpu: inputs.checked('cpu-limit', CPU_QUANTITY),
            memory: inputs.checked('memory-limit', MEMORY_QUANTITY),
        },
    };
    checkRequestWithinLimit(inputs, 'cpu', resources.requests.cpu, resources.limits.cpu);
    checkRequestWithinLimit(inputs, 'memory', resources.requests.memory, resources.limits.memory);
    const workload = {
        image: bifrostImage(identity, imageTag),
        imageTag,
        replicas: Number(inputs.checked('replicas', REPLICAS)),
        config: readBifrostConfig(inputs, env),
        resources,
        refreshSchedule: inputs.checked('refresh-schedule', CRON).split(/\s+/).join(' '),
        refresherImage: inputs.checked('refresher-image', IMAGE_REFERENCE),
        tokenLifetimeSeconds: GCP_ACCESS_TOKEN_LIFETIME_SECONDS,
    };
    const names = {
        namespace: inputs.checked('namespace', DNS_LABEL),
        refresherServiceAccount: inputs.checked('service-account-name', DNS_SUBDOMAIN),
        gatewayServiceAccount: 'bifrost-gateway',
        credentialConfigMap: 'gcp-credential-config',
        cronJob: 'refresh-ar-secret',
        pullSecret: 'ar-pull-secret',
        configSecret: inputs.checked('config-secret-name', DNS_SUBDOMAIN),
        role: 'secret-manager',
        roleBinding: 'secret-manager-binding',
        deployment: 'bifrost',
        service: 'bifrost',
    };
    const azure = readAzureSettings(inputs, environment, authorityHost);
    const kubeconfig = readKubeconfig(inputs);
    const control = {
        timeoutSeconds: parseDurationSeconds(inputs.checked('timeout', DURATION)) ?? 600,
        wait: inputs.boolean('wait'),
        forceConflicts: inputs.boolean('force-conflicts'),
        fieldManager: 'bifrost-aks-deploy',
        runId: readEnv(inputs, env, 'GITHUB_RUN_ID', 'local'),
        runAttempt: readEnv(inputs, env, 'GITHUB_RUN_ATTEMPT', '1'),
    };
    if (inputs.problems.length > 0)
        throw new InputError(inputs.problems);
    return { mode, names, identity, workload, azure, control, ...(kubeconfig ? { kubeconfig } : {}) };
}
/** Pool/provider ids: explicit, or derived from the hub slug (which can make them too long). */
function derivedWorkloadIdentityId(inputs, name, derived) {
    const explicit = inputs.raw(name);
    if (explicit !== '' || derived === '')
        return inputs.checked(name, WORKLOAD_IDENTITY_ID);
    if (!WORKLOAD_IDENTITY_ID.accepts(derived)) {
        inputs.report(name, `the default derived from hub-slug, ${quote(derived)}, ${WORKLOAD_IDENTITY_ID.problem}`, `${WORKLOAD_IDENTITY_ID.expected}; set ${name} to the ID the Bifrost team gave you`);
    }
    return derived;
}
function checkRequestWithinLimit(inputs, resource, request, limit) {
    const requested = parseQuantity(request);
    const limited = parseQuantity(limit);
    if (requested === undefined || limited === undefined)
        return; // already reported
    if (requested > limited) {
        inputs.report(`${resource}-request`, `${quote(request)} is more than ${resource}-limit ${quote(limit)}`, 'a request no larger than its limit (Kubernetes rejects the pod otherwise)');
    }
}
/**
 * `config`: inline JSON when it starts with `{`, else a path (relative to GITHUB_WORKSPACE).
 * The content is secret (provider keys): errors name the input and the position, never text.
 */
function readBifrostConfig(inputs, env) {
    const value = inputs.raw('config');
    if (value === '')
        return undefined;
    const expected = 'inline JSON starting with "{", or the path of a JSON file, holding a Bifrost config.json object';
    let json = value;
    if (!value.startsWith('{')) {
        const file = external_node_path_default().resolve(env.GITHUB_WORKSPACE || process.cwd(), value);
        try {
            if ((0,external_node_fs_.statSync)(file).size > MAX_CONFIG_BYTES) {
                inputs.report('config', `the file ${quote(value)} is larger than 1 MiB, the limit of a Kubernetes Secret`, expected);
                return undefined;
            }
            json = (0,external_node_fs_.readFileSync)(file, 'utf8');
        }
        catch (error) {
            const code = error.code ?? 'unreadable';
            inputs.report('config', `the file ${quote(value)} cannot be read (${code})`, expected);
            return undefined;
        }
    }
    if (Buffer.byteLength(json, 'utf8') > MAX_CONFIG_BYTES) {
        inputs.report('config', 'the JSON is larger than 1 MiB, the limit of a Kubernetes Secret', expected);
        return undefined;
    }
    let parsed;
    try {
        parsed = JSON.parse(json);
    }
    catch (error) {
        inputs.report('config', `is not valid JSON${jsonErrorPosition(json, error)}`, expected);
        return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        inputs.report('config', 'is JSON but not an object', expected);
        return undefined;
    }
    return {
        json,
        sha256: (0,external_node_crypto_.createHash)('sha256').update(json, 'utf8').digest('hex'),
        hasPostgresConfigStore: hasPostgresConfigStore(parsed),
    };
}
/** Bifrost's schema: `config_store: {enabled: boolean, type: "sqlite" | "postgres", config}`. */
function hasPostgresConfigStore(config) {
    const store = config.config_store;
    if (store === null || typeof store !== 'object')
        return false;
    const { enabled, type } = store;
    return enabled === true && type === 'postgres';
}
/** " at line L, column C" from V8's message, which may otherwise quote the (secret) text. */
function jsonErrorPosition(json, error) {
    const match = /at position ([0-9]+)/.exec(error instanceof Error ? error.message : '');
    if (match) {
        const before = json.slice(0, Number(match[1]));
        const line = before.split('\n').length;
        const column = before.length - before.lastIndexOf('\n');
        return ` (line ${line}, column ${column})`;
    }
    return /Unexpected end of JSON input/.test(error instanceof Error ? error.message : '')
        ? ' (it ends too early)'
        : '';
}
function readAzureSettings(inputs, environment, authorityHost) {
    const cloud = AZURE_CLOUDS[environment] ?? AZURE_CLOUDS.AzureCloud;
    const subscriptionId = optional(inputs.checked('subscription-id', GUID).toLowerCase());
    const resourceGroup = optional(inputs.checked('resource-group', RESOURCE_GROUP));
    const clusterName = optional(inputs.checked('cluster-name', AKS_CLUSTER_NAME));
    const identityResourceGroup = optional(inputs.checked('identity-resource-group', RESOURCE_GROUP));
    const manageFederatedCredential = inputs.boolean('manage-federated-credential');
    // Resource Manager paths need every segment above the resource.
    if ((resourceGroup || identityResourceGroup || clusterName) && !subscriptionId) {
        inputs.report('subscription-id', 'is empty while resource-group, identity-resource-group or cluster-name is set', 'the subscription GUID that holds them');
    }
    if (clusterName && !resourceGroup) {
        inputs.report('resource-group', 'is empty while cluster-name is set', "the cluster's resource group");
    }
    if (manageFederatedCredential && !(subscriptionId && (identityResourceGroup || resourceGroup))) {
        inputs.report('manage-federated-credential', 'is true but the managed identity cannot be located', 'subscription-id and identity-resource-group (or resource-group) set as well');
    }
    return {
        subscriptionId,
        resourceGroup,
        clusterName,
        admin: inputs.boolean('admin'),
        environment,
        resourceManagerUrl: trimSlash(inputs.checked('resource-manager-url', ENDPOINT_URL, { fallback: cloud.resourceManagerUrl })),
        authorityHost: trimSlash(authorityHost),
        aksServerAppId: inputs.checked('aks-server-app-id', GUID).toLowerCase(),
        identityName: inputs.checked('identity-name', IDENTITY_NAME),
        identityResourceGroup: identityResourceGroup ?? resourceGroup,
        federatedCredentialName: inputs.checked('federated-credential-name', FEDERATED_CREDENTIAL_NAME),
        manageFederatedCredential,
        credential: inputs.oneOf('azure-credential', [
            'auto',
            'github-oidc',
            'azure-cli',
            'environment',
        ]),
        loginClientId: optional(inputs.checked('login-client-id', GUID).toLowerCase()),
    };
}
/** The kubeconfig's content (secret). A one-line value is almost surely a path by mistake. */
function readKubeconfig(inputs) {
    const value = inputs.raw('kubeconfig');
    if (value === '')
        return undefined;
    if (!value.includes('\n') && !value.startsWith('{')) {
        inputs.report('kubeconfig', 'is a single line, which looks like a file path rather than kubeconfig content', 'the kubeconfig file\'s content (e.g. ${{ secrets.KUBECONFIG }}), or leave it empty to use KUBECONFIG / Azure');
    }
    return value;
}
function readEnv(inputs, env, name, fallback) {
    const value = env[name]?.trim() || fallback;
    if (!RUN_ID.accepts(value))
        inputs.report(name, `${quote(value)} ${RUN_ID.problem}`, RUN_ID.expected);
    return value;
}
function trimSlash(url) {
    return url.replace(/\/+$/, '');
}

// EXTERNAL MODULE: ./node_modules/yaml/dist/index.js
var yaml_dist = __webpack_require__(8815);
;// CONCATENATED MODULE: ./src/render.ts




const PART_OF_LABEL = 'app.kubernetes.io/part-of';
const MANAGED_BY_VALUE = 'bifrost-aks-deploy';
/** Only this *pod* label makes the azure-workload-identity webhook act (D6). */
const WORKLOAD_IDENTITY_USE_LABEL = 'azure.workload.identity/use';
const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
const GATEWAY_CONTAINER = 'bifrost';
const GATEWAY_PORT = 8080;
const HEALTH_PATH = '/health';
const APP_DIR = '/app/data'; // Bifrost's APP_DIR: config.json, config.db, logs.db
const CONFIG_KEY = 'config.json';
const GATEWAY_SELECTOR = { app: 'bifrost' }; // the seed's selector; immutable once applied
/** The refresher runs as this unprivileged user; gcloud and kubectl need only its scratch dir. */
const REFRESHER_UID = 65532;
const CRONJOB_STARTING_DEADLINE_SECONDS = 300;
const JOB_BACKOFF_LIMIT = 2;
const JOB_ACTIVE_DEADLINE_SECONDS = 300;
const PROJECTED_TOKEN_SECONDS = 3600;
function render(settings) {
    const objects = [
        namespace(settings),
        refresherServiceAccount(settings),
        gatewayServiceAccount(settings),
        credentialConfigMap(settings),
        secretManagerRole(settings),
        secretManagerRoleBinding(settings),
        ...(settings.workload.config ? [configSecret(settings)] : []),
        refresherCronJob(settings),
        gatewayDeployment(settings),
        gatewayService(settings),
    ];
    return { objects, warnings: warnings(settings) };
}
/** One YAML document per object, `---` separated. YAML 1.1 quoting, so kubectl's parser reads
 * strings such as `on`/`yes`/`0755` back as strings too; no anchors or aliases. */
function toYamlStream(objects) {
    return objects
        .map((object) => new yaml_dist/* Document */.yo(object, { version: '1.1', aliasDuplicateObjects: false }).toString({
        lineWidth: 0,
    }))
        .join('---\n');
}
/** Copies with every Secret value replaced, for manifests written to disk or logs. */
function redactSecretData(objects) {
    return objects.map((object) => {
        if (object.kind !== 'Secret')
            return object;
        const secret = structuredClone(object);
        for (const field of ['data', 'stringData']) {
            const values = secret[field];
            if (values)
                for (const key of Object.keys(values))
                    values[key] = '<redacted>';
        }
        return secret;
    });
}
// ---------------------------------------------------------------------------------------------
function commonLabels() {
    return { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE, [PART_OF_LABEL]: 'bifrost' };
}
function metadata(settings, name, extra = {}) {
    return {
        name,
        namespace: settings.names.namespace,
        ...extra,
        labels: { ...extra.labels, ...commonLabels() },
    };
}
function namespace(settings) {
    return {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: settings.names.namespace, labels: commonLabels() },
    };
}
/** The refresher's identity: the federated credential's subject. The seed's label stays; only
 * the pod label matters to the webhook (D6). */
function refresherServiceAccount(settings) {
    return {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: metadata(settings, settings.names.refresherServiceAccount, {
            annotations: { [WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION]: settings.identity.clientId },
            labels: { [WORKLOAD_IDENTITY_USE_LABEL]: 'true' },
        }),
    };
}
/** The gateway's own identity, with no API token and no Secret access (D5). */
function gatewayServiceAccount(settings) {
    return {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: metadata(settings, settings.names.gatewayServiceAccount),
        automountServiceAccountToken: false,
    };
}
function credentialConfigMap(settings) {
    return {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: metadata(settings, settings.names.credentialConfigMap),
        data: {
            [REFRESHER_PATHS.credentialConfigFile]: `${JSON.stringify(credentialConfig(settings.identity), null, 2)}\n`,
        },
    };
}
/** Only the pull secret may be read or patched; `create` cannot be limited by name (D4). */
function secretManagerRole(settings) {
    return {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        metadata: metadata(settings, settings.names.role),
        rules: [
            {
                apiGroups: [''],
                resources: ['secrets'],
                verbs: ['get', 'patch'],
                resourceNames: [settings.names.pullSecret],
            },
            { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
        ],
    };
}
function secretManagerRoleBinding(settings) {
    return {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: metadata(settings, settings.names.roleBinding),
        subjects: [
            {
                kind: 'ServiceAccount',
                name: settings.names.refresherServiceAccount,
                namespace: settings.names.namespace,
            },
        ],
        roleRef: { kind: 'Role', name: settings.names.role, apiGroup: 'rbac.authorization.k8s.io' },
    };
}
/** The Bifrost config.json the seed never creates (D7). `data`, not `stringData`: server-side
 * apply then owns exactly the bytes given. */
function configSecret(settings) {
    const config = settings.workload.config;
    return {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: metadata(settings, settings.names.configSecret),
        type: 'Opaque',
        data: { [CONFIG_KEY]: Buffer.from(config.json, 'utf8').toString('base64') },
    };
}
function refresherCronJob(settings) {
    const entra = settings.identity.federation === 'entra';
    const volumes = [
        { name: 'gcp-credential-config', configMap: { name: settings.names.credentialConfigMap } },
        {
            // The seed's volume name: webhooks ≤ 1.5 skip their own injection when it exists (D6).
            name: 'azure-identity-token',
            projected: {
                sources: [
                    {
                        serviceAccountToken: {
                            path: REFRESHER_PATHS.saTokenFile,
                            expirationSeconds: PROJECTED_TOKEN_SECONDS,
                            audience: AZURE_TOKEN_EXCHANGE_AUDIENCE,
                        },
                    },
                ],
            },
        },
        { name: 'scratch', emptyDir: {} },
        ...(entra ? [{ name: 'entra-token', emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } }] : []),
    ];
    const volumeMounts = [
        { name: 'gcp-credential-config', mountPath: REFRESHER_PATHS.credentialConfigDir, readOnly: true },
        { name: 'azure-identity-token', mountPath: REFRESHER_PATHS.saTokenDir, readOnly: true },
        { name: 'scratch', mountPath: REFRESHER_PATHS.scratchDir },
        ...(entra ? [{ name: 'entra-token', mountPath: REFRESHER_PATHS.entraTokenDir }] : []),
    ];
    const container = {
        name: REFRESHER_CONTAINER,
        image: settings.workload.refresherImage,
        command: ['/bin/bash', '-c'],
        args: [refresherScript()],
        env: refresherEnv(settings),
        volumeMounts,
        // The script writes only under its emptyDirs (HOME, CLOUDSDK_CONFIG, the Entra token).
        securityContext: { ...restrictedContainerSecurityContext(), readOnlyRootFilesystem: true },
        resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
    };
    const podSecurityContext = {
        runAsNonRoot: true,
        runAsUser: REFRESHER_UID,
        runAsGroup: REFRESHER_UID,
        fsGroup: REFRESHER_UID, // makes the projected token readable by that user
        seccompProfile: { type: 'RuntimeDefault' },
    };
    return {
        apiVersion: 'batch/v1',
        kind: 'CronJob',
        metadata: metadata(settings, settings.names.cronJob),
        spec: {
            schedule: settings.workload.refreshSchedule,
            concurrencyPolicy: 'Forbid', // D4: a manual and a scheduled run never race
            startingDeadlineSeconds: CRONJOB_STARTING_DEADLINE_SECONDS,
            successfulJobsHistoryLimit: 1,
            failedJobsHistoryLimit: 3,
            jobTemplate: {
                metadata: { labels: commonLabels() },
                spec: {
                    backoffLimit: JOB_BACKOFF_LIMIT,
                    activeDeadlineSeconds: JOB_ACTIVE_DEADLINE_SECONDS,
                    template: {
                        metadata: { labels: { [WORKLOAD_IDENTITY_USE_LABEL]: 'true', ...commonLabels() } },
                        spec: {
                            serviceAccountName: settings.names.refresherServiceAccount,
                            securityContext: podSecurityContext,
                            containers: [container],
                            volumes,
                            restartPolicy: 'Never',
                        },
                    },
                },
            },
        },
    };
}
function gatewayDeployment(settings) {
    const { workload, names } = settings;
    const probe = (initialDelaySeconds, periodSeconds) => ({
        httpGet: { path: HEALTH_PATH, port: GATEWAY_PORT },
        initialDelaySeconds,
        periodSeconds,
        timeoutSeconds: 5, // D10: /health pings the stores with up to 10 s; the default is 1 s
        failureThreshold: 3,
    });
    const container = {
        name: GATEWAY_CONTAINER,
        image: workload.image,
        ports: [{ containerPort: GATEWAY_PORT, name: 'http' }],
        resources: {
            requests: { ...workload.resources.requests },
            limits: { ...workload.resources.limits },
        },
        livenessProbe: probe(30, 30),
        readinessProbe: probe(10, 10),
        // Leave the Service endpoints before shutting down (chart default).
        lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 15'] } } },
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [
            { name: 'data', mountPath: APP_DIR }, // APP_DIR must be writable (SQLite, logs)
            { name: 'config', mountPath: `${APP_DIR}/${CONFIG_KEY}`, subPath: CONFIG_KEY, readOnly: true },
        ],
    };
    return {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: metadata(settings, names.deployment),
        spec: {
            replicas: workload.replicas,
            selector: { matchLabels: { ...GATEWAY_SELECTOR } },
            template: {
                metadata: {
                    labels: { ...GATEWAY_SELECTOR, ...commonLabels() },
                    // A subPath mount never updates in place: roll the pods when the config changes (D7).
                    ...(workload.config
                        ? { annotations: { [CONFIG_CHECKSUM_ANNOTATION]: workload.config.sha256 } }
                        : {}),
                },
                spec: {
                    serviceAccountName: names.gatewayServiceAccount,
                    imagePullSecrets: [{ name: names.pullSecret }],
                    securityContext: {
                        runAsNonRoot: true,
                        runAsUser: 1000,
                        runAsGroup: 1000,
                        fsGroup: 1000,
                        seccompProfile: { type: 'RuntimeDefault' },
                    },
                    terminationGracePeriodSeconds: 60,
                    containers: [container],
                    volumes: [
                        { name: 'data', emptyDir: {} },
                        { name: 'config', secret: { secretName: names.configSecret } },
                    ],
                },
            },
        },
    };
}
function gatewayService(settings) {
    return {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: metadata(settings, settings.names.service),
        spec: {
            selector: { ...GATEWAY_SELECTOR },
            ports: [{ port: 80, targetPort: GATEWAY_PORT, protocol: 'TCP' }],
            type: 'ClusterIP',
        },
    };
}
/** What the Pod Security "restricted" profile asks of every container. */
function restrictedContainerSecurityContext() {
    return { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } };
}
function warnings(settings) {
    const { workload } = settings;
    const found = [];
    if (workload.imageTag === 'latest') {
        found.push('image-tag is "latest" (D9): Kubernetes then pulls on every pod start, so pods can start only ' +
            'while the pull secret is fresh, and replicas may run different builds. Pin a version tag or a sha256 digest.');
    }
    if (workload.replicas > 1) {
        if (!workload.config) {
            found.push(`replicas is ${workload.replicas} and no config input was given (D8): unless the existing ` +
                `Secret's config.json sets a Postgres config_store, each replica keeps its own SQLite ` +
                'database and they drift apart.');
        }
        else if (!workload.config.hasPostgresConfigStore) {
            found.push(`replicas is ${workload.replicas} but the config has no Postgres config_store (D8): each ` +
                'replica keeps its own SQLite database in an emptyDir, so keys, settings and logs differ ' +
                'between replicas and vanish on restart. Use replicas 1, or config_store {"enabled": true, "type": "postgres"}.');
        }
    }
    return found;
}

;// CONCATENATED MODULE: ./src/report.ts
/** A failure the user can act on: what failed, what we saw, how to fix it. */
class ActionFailure extends Error {
    title;
    evidence;
    hint;
    constructor(title, message, evidence = [], hint) {
        super(message);
        this.title = title;
        this.evidence = evidence;
        this.hint = hint;
        this.name = 'ActionFailure';
    }
}
function setOutputs(core, report) {
    const outputs = {
        namespace: report.namespace,
        image: report.image,
        'tenant-id': report.tenantId,
        'client-id': report.clientId,
        'issuer-url': report.issuerUrl,
        'job-name': report.jobName,
        'pull-secret-expires-at': report.pullSecretExpiresAt,
        'manifests-path': report.manifestsPath,
        applied: JSON.stringify(report.applied),
        report: JSON.stringify(reportJson(report)),
    };
    for (const [name, value] of Object.entries(outputs)) {
        if (value !== undefined)
            core.setOutput(name, value);
    }
}
/** The `report` output: a stable schema documented in README.md ("The report output"). */
function reportJson(report) {
    return {
        schemaVersion: 1,
        mode: report.mode,
        namespace: report.namespace,
        result: report.failure || report.checks.some((c) => c.status === 'fail') ? 'fail' : 'pass',
        failure: report.failure
            ? { title: report.failure.title, message: report.failure.message, evidence: report.failure.evidence, hint: report.failure.hint ?? null }
            : null,
        checks: report.checks,
        applied: report.applied,
        phases: report.phases,
        pullSecretExpiresAt: report.pullSecretExpiresAt ?? null,
        stats: { checkApiRequests: report.checkApiRequests ?? null },
    };
}
/** Annotations: one per failed check and for the failure; warnings for warn checks. */
function annotate(core, report) {
    for (const warning of report.warnings)
        core.warning(warning, { title: 'bifrost-aks-deploy' });
    for (const check of report.checks) {
        const text = `${check.evidence}${check.hint ? `\nFix: ${check.hint}` : ''}`;
        if (check.status === 'fail')
            core.error(text, { title: `Check failed: ${check.title}` });
        if (check.status === 'warn')
            core.warning(text, { title: `Check warning: ${check.title}` });
    }
    const failure = report.failure;
    if (failure) {
        const lines = [failure.message, ...failure.evidence.map((e) => `  ${e}`)];
        if (failure.hint)
            lines.push(`Fix: ${failure.hint}`);
        core.error(lines.join('\n'), { title: failure.title });
    }
}
const STATUS_ICON = {
    pass: '✅ pass',
    warn: '⚠️ warn',
    fail: '❌ fail',
    skipped: '⏭️ skipped',
    succeeded: '✅ succeeded',
    failed: '❌ failed',
    created: 'created',
    configured: 'configured',
    unchanged: 'unchanged',
};
async function writeSummary(core, report) {
    const summary = core.summary;
    summary.addHeading(`Bifrost on AKS — ${report.mode}: ${report.failure || report.checks.some((c) => c.status === 'fail') ? 'failed' : 'succeeded'}`, 2);
    summary.addTable([
        [{ data: 'Namespace', header: true }, { data: report.namespace }],
        ...(report.image ? [[{ data: 'Image', header: true }, { data: code(report.image) }]] : []),
        [{ data: 'Tenant ID', header: true }, { data: code(report.tenantId) }],
        [{ data: 'Managed identity client ID', header: true }, { data: code(report.clientId) }],
        ...(report.issuerUrl ? [[{ data: 'Cluster OIDC issuer', header: true }, { data: code(report.issuerUrl) }]] : []),
        ...(report.pullSecretExpiresAt ? [[{ data: 'Pull secret expires', header: true }, { data: report.pullSecretExpiresAt }]] : []),
        ...(report.manifestsPath ? [[{ data: 'Manifests', header: true }, { data: code(report.manifestsPath) }]] : []),
    ]);
    if (report.failure) {
        const f = report.failure;
        summary.addHeading(`❌ ${escapeHtml(f.title)}`, 3);
        summary.addRaw(`<p>${escapeHtml(f.message)}</p>`, true);
        if (f.evidence.length)
            summary.addCodeBlock(f.evidence.join('\n'));
        if (f.hint)
            summary.addRaw(`<p><b>Fix:</b> ${escapeHtml(f.hint)}</p>`, true);
    }
    if (report.phases.length) {
        summary.addHeading('Phases', 3);
        summary.addTable([
            [{ data: 'Phase', header: true }, { data: 'Result', header: true }, { data: 'Detail', header: true }],
            ...report.phases.map((p) => [p.name, STATUS_ICON[p.status] ?? p.status, escapeHtml(p.detail)]),
        ]);
    }
    if (report.applied.length) {
        summary.addHeading('Applied objects', 3);
        summary.addTable([
            [{ data: 'Kind', header: true }, { data: 'Name', header: true }, { data: 'Result', header: true }],
            ...report.applied.map((a) => [a.kind, a.namespace ? `${a.namespace}/${a.name}` : a.name, STATUS_ICON[a.action] ?? a.action]),
        ]);
    }
    if (report.checks.length) {
        summary.addHeading('Checks', 3);
        summary.addTable([
            [{ data: 'Status', header: true }, { data: 'Check', header: true }, { data: 'Evidence', header: true }, { data: 'Hint', header: true }],
            ...report.checks.map((c) => [STATUS_ICON[c.status] ?? c.status, escapeHtml(c.title), escapeHtml(c.evidence), escapeHtml(c.hint ?? '')]),
        ]);
    }
    if (report.warnings.length) {
        summary.addHeading('Warnings', 3);
        summary.addList(report.warnings.map(escapeHtml));
    }
    await summary.write();
}
/** Run a phase inside a log group, so each phase folds in the job log. */
async function group(core, name, body) {
    core.startGroup(name);
    try {
        return await body();
    }
    finally {
        core.endGroup();
    }
}
function code(text) {
    return `<code>${escapeHtml(text)}</code>`;
}
function escapeHtml(text) {
    return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}

;// CONCATENATED MODULE: ./src/main.ts
// Orchestration only: read settings, then run the mode's phases in order and report.
// Each phase's work lives in its own module (render, kube, checks, azure, report).











async function run({ core, env, now = () => new Date() }) {
    let settings;
    try {
        settings = readSettings((name) => core.getInput(name), env);
    }
    catch (error) {
        if (error instanceof InputError) {
            core.error(error.message, { title: 'Invalid input' });
            core.setFailed(error.message);
            return;
        }
        throw error;
    }
    if (settings.workload.config)
        maskConfig(core, settings.workload.config.json);
    if (settings.kubeconfig)
        core.setSecret(settings.kubeconfig);
    const report = {
        mode: settings.mode,
        namespace: settings.names.namespace,
        image: settings.workload.image,
        tenantId: settings.identity.tenantId,
        clientId: settings.identity.clientId,
        applied: [],
        warnings: [],
        phases: [],
        checks: [],
    };
    const deadline = AbortSignal.timeout(settings.control.timeoutSeconds * 1000);
    try {
        const { objects, warnings } = render(settings);
        report.warnings.push(...warnings);
        if (settings.mode === 'render') {
            report.manifestsPath = await writeManifests(settings, objects, env);
        }
        else {
            // Signs in to Azure only when something needs Resource Manager.
            let azure;
            const connect = () => (azure ??= connectAzure(settings, { getIdToken: (audience) => core.getIDToken(audience), env }));
            const access = await resolveClusterAccess(settings, () => ({ arm: connect().arm, credential: connect().login.credential }));
            core.info(`Cluster: ${access.description}`);
            const kube = new KubeClient(access.kubeConfig, settings.control.fieldManager);
            const arm = hasAzureAccess(settings) ? connect().arm : undefined;
            if (settings.mode === 'deploy') {
                if (settings.azure.manageFederatedCredential)
                    await main_ensureFederatedCredential(core, settings, arm, report);
                await deploy(core, kube, settings, objects, report, deadline);
            }
            const { checks, azureFacts, apiRequests } = await group(core, 'Verify', () => verify(kube, settings, arm, now()));
            report.checks = checks;
            report.checkApiRequests = apiRequests;
            report.issuerUrl = bifrostTeamDetails(settings, azureFacts).issuerUrl;
            const failed = report.checks.filter((c) => c.status === 'fail');
            if (failed.length > 0 && !report.failure) {
                report.failure = new ActionFailure('Verification failed', `${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}`);
            }
        }
    }
    catch (error) {
        report.failure = asFailure(error, deadline, settings);
    }
    setOutputs(core, report);
    annotate(core, report);
    // Runners without job summaries (older GHES, local runs) lack the file: the log says it all.
    if (env.GITHUB_STEP_SUMMARY)
        await writeSummary(core, report);
    if (report.failure)
        core.setFailed(`${report.failure.title}: ${report.failure.message}`);
}
async function deploy(core, kube, settings, objects, report, deadline) {
    const { names, control } = settings;
    if (!settings.workload.config && !(await kube.secretExists(names.namespace, names.configSecret))) {
        throw new ActionFailure('Bifrost config missing', `Secret ${names.namespace}/${names.configSecret} does not exist and the \`config\` input is empty.`, [], 'Set the `config` input to your Bifrost config.json (a path in the workspace or inline JSON, e.g. from a secret), or create the Secret yourself: kubectl create secret generic bifrost-config --from-file=config.json -n ' +
            names.namespace);
    }
    report.applied = await group(core, 'Apply manifests', async () => {
        const applied = await kube.applyAll(objects, control.forceConflicts);
        for (const a of applied)
            core.info(`${a.kind} ${a.namespace ? `${a.namespace}/` : ''}${a.name} ${a.action}`);
        return applied;
    });
    report.phases.push({ name: 'Apply', status: 'succeeded', detail: applySummary(report.applied) });
    const jobName = initialJobName(settings);
    report.jobName = jobName;
    await group(core, 'Initial refresh of the pull secret', async () => {
        core.info(`Creating Job ${names.namespace}/${jobName} from CronJob ${names.cronJob}`);
        await kube.createJobFromCronJob(names.namespace, names.cronJob, jobName);
        const outcome = await kube.waitForJob(names.namespace, jobName, deadline);
        if (outcome.status !== 'complete')
            throw await refreshFailure(kube, settings, jobName, outcome);
        report.pullSecretExpiresAt = await pullSecretExpiry(kube, settings, jobName);
        report.phases.push({ name: 'Initial refresh', status: 'succeeded', detail: `Job ${jobName} completed; pull secret expires ${report.pullSecretExpiresAt ?? 'at an unknown time'}` });
    });
    if (!control.wait) {
        report.phases.push({ name: 'Rollout', status: 'skipped', detail: '`wait` is false' });
        return;
    }
    await group(core, 'Rollout', async () => {
        const outcome = await kube.waitForRollout(names.namespace, names.deployment, deadline);
        if (outcome.status !== 'available')
            throw await rolloutFailure(kube, settings, outcome);
        const replicas = outcome.deployment.status?.availableReplicas ?? 0;
        report.phases.push({ name: 'Rollout', status: 'succeeded', detail: `Deployment ${names.deployment}: ${replicas} replica(s) available` });
    });
}
/** Unique per workflow run and attempt; a local run (no GITHUB_RUN_ID) gets a time suffix. */
function initialJobName({ control }) {
    const run = control.runId === 'local' ? `local-${Date.now().toString(36)}` : `${control.runId}-${control.runAttempt}`;
    return `initial-refresh-${run}`.slice(0, 63).replace(/-+$/, '');
}
async function pullSecretExpiry(kube, settings, jobName) {
    const { namespace, pullSecret } = settings.names;
    let secret;
    try {
        secret = await kube.core.readNamespacedSecret({ name: pullSecret, namespace });
    }
    catch {
        throw new ActionFailure('Pull secret missing after refresh', `Job ${jobName} completed but Secret ${namespace}/${pullSecret} does not exist.`, [], `The refresher script writes the Secret with kubectl; check that \`refresher-image\` runs the script rendered by this action and that Role ${settings.names.role} allows create/patch on ${pullSecret}.`);
    }
    return secret.metadata?.annotations?.[EXPIRES_AT_ANNOTATION];
}
async function refreshFailure(kube, settings, jobName, outcome) {
    const { namespace } = settings.names;
    const pods = await kube.jobPods(namespace, jobName);
    const pod = pods[0]?.metadata?.name;
    const log = pod ? await kube.logTail(namespace, pod, REFRESHER_CONTAINER) : '';
    const events = formatEvents([...(await kube.eventsFor(namespace, jobName)), ...(pod ? await kube.eventsFor(namespace, pod) : [])]);
    const what = outcome.status === 'stuck'
        ? `Refresher pod ${outcome.stuck.pod} is stuck: ${outcome.stuck.reason}: ${outcome.stuck.message}`
        : outcome.status === 'failed'
            ? `Job ${jobName} failed: ${outcome.reason}${outcome.message ? `: ${outcome.message}` : ''}`
            : `Job ${jobName} did not complete`;
    const evidence = [
        ...(log.trim() ? [`Log of ${pod} (last lines):`, ...log.trimEnd().split('\n').map((l) => `  ${l}`)] : []),
        ...(events.length ? ['Events:', ...events.map((e) => `  ${e}`)] : []),
    ];
    const hint = findHint([what, log, ...events].join('\n'));
    return new ActionFailure('Initial refresh failed', what, evidence, (hint ? formatHint(hint) : undefined) ?? `Read the log above; run \`kubectl logs -n ${namespace} -l job-name=${jobName}\` for the whole log.`);
}
async function rolloutFailure(kube, settings, outcome) {
    const { namespace, deployment, pullSecret, cronJob } = settings.names;
    if (outcome.status === 'stuck') {
        const { pod, reason, message } = outcome.stuck;
        const events = formatEvents(await kube.eventsFor(namespace, pod));
        const hint = findHint([reason, message, ...events].join('\n'));
        const pullHint = `Check that Secret ${pullSecret} exists and is fresh (the refresh CronJob ${cronJob} must be succeeding: kubectl get jobs -n ${namespace}), that the image tag exists, and that the GCP service account may read the repository.`;
        return new ActionFailure('Rollout failed', `Pod ${pod} of Deployment ${deployment} is stuck: ${reason}${message ? `: ${message}` : ''}`, events.length ? ['Events:', ...events.map((e) => `  ${e}`)] : [], (hint ? formatHint(hint) : undefined) ?? (reason.includes('Image') ? pullHint : `Read the pod's events above (kubectl describe pod ${pod} -n ${namespace}).`));
    }
    if (outcome.status === 'failed') {
        return new ActionFailure('Rollout failed', `Deployment ${deployment}: ${outcome.reason}: ${outcome.message}`, [], `kubectl describe deployment ${deployment} -n ${namespace} shows which pods hold the rollout back.`);
    }
    return new ActionFailure('Rollout failed', `Deployment ${deployment} did not become available`);
}
/** Kubernetes-side and Azure-side checks, their reads in parallel. */
async function verify(kube, settings, arm, now) {
    const [snapshot, azureFacts] = await Promise.all([
        collectSnapshot({ core: kube.core, apps: kube.apps, batch: kube.batch }, settings),
        gatherAzureFacts(settings, arm),
    ]);
    const checks = [...evaluateChecks(snapshot, settings, now), ...azureChecks(settings, azureFacts)];
    return { checks, azureFacts, apiRequests: snapshot.apiRequests };
}
/** Preview namespaces need their own federated credential subject; create it idempotently. */
async function main_ensureFederatedCredential(core, settings, arm, report) {
    if (!arm) {
        throw new ActionFailure('Cannot manage the federated credential', '`manage-federated-credential` is true but no Azure access is configured.', [], 'Set `subscription-id` and `resource-group` (or `identity-resource-group`) so the action can reach the managed identity.');
    }
    await group(core, 'Federated credential', async () => {
        const result = await ensureRefresherFederatedCredential(settings, arm);
        const detail = `${result.name}: ${result.action} (subject ${result.properties.subject})${result.note ? `; ${result.note}` : ''}`;
        core.info(detail);
        report.phases.push({ name: 'Federated credential', status: 'succeeded', detail });
    });
}
async function writeManifests(settings, objects, env) {
    const dir = external_node_path_default().join(env.RUNNER_TEMP ?? external_node_path_default().join(process.cwd(), '.local'), 'bifrost-aks-deploy');
    await (0,promises_.mkdir)(dir, { recursive: true, mode: 0o700 });
    const file = external_node_path_default().join(dir, `manifests-${settings.names.namespace}.yaml`);
    // The config Secret holds provider keys: it never goes into a file (keep it in a secret store).
    const withoutSecretData = objects.filter((o) => !(o.kind === 'Secret' && o.metadata?.name === settings.names.configSecret));
    await (0,promises_.writeFile)(file, toYamlStream(withoutSecretData), { mode: 0o600 });
    return file;
}
/** The runner masks a multi-line value line by line at best: also mask every string value in
 * the config (provider keys, connection strings) wherever it could appear. */
function maskConfig(core, json) {
    core.setSecret(json);
    const visit = (value) => {
        if (typeof value === 'string' && value.length >= 8)
            core.setSecret(value);
        else if (value && typeof value === 'object')
            Object.values(value).forEach(visit);
    };
    visit(JSON.parse(json));
}
function applySummary(applied) {
    const counts = new Map();
    for (const a of applied)
        counts.set(a.action, (counts.get(a.action) ?? 0) + 1);
    return [...counts].map(([action, n]) => `${n} ${action}`).join(', ');
}
function asFailure(error, deadline, settings) {
    if (error instanceof ActionFailure)
        return error;
    if (error instanceof ApplyConflictError) {
        return new ActionFailure('Field conflict', error.message, error.conflicts.map((c) => c.message), formatHint(hintById('apply-conflict')));
    }
    if (error instanceof AzureError) {
        const message = error.message.startsWith(error.operation) ? error.message : `${error.operation}: ${error.message}`;
        return new ActionFailure('Azure error', message, error.status ? [`HTTP ${error.status}${error.code ? ` ${error.code}` : ''}`] : [], error.hint);
    }
    if (deadline.aborted && (error === deadline.reason || error?.name === 'TimeoutError')) {
        return new ActionFailure('Timed out', `The run did not finish within the \`timeout\` of ${settings.control.timeoutSeconds}s.`, [], 'See the last log group for the phase that was waiting; raise `timeout` if the cluster is just slow.');
    }
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof KubeError && error.status === 401) {
        return new ActionFailure('Cluster credentials refused', message, [], 'The API server did not accept the credentials (401). With Resource Manager access on an Entra-enabled cluster, check ' +
            '`aks-server-app-id` and `tenant-id`, and that the signed-in identity has an AKS RBAC role on the cluster; with a ' +
            'kubeconfig, its token or certificate has expired: fetch it again (azure/aks-set-context).');
    }
    const hint = findHint(message);
    return new ActionFailure('Kubernetes API error', message, [], hint && formatHint(hint));
}


/***/ })

};
