// Every label, annotation, container name and fixed value the rendered objects carry, and that
// the action, the checks and the refresher read back. One place, so a rename cannot miss a reader.
// Object *names* (bifrost-sa, ar-pull-secret, …) are inputs: see config/settings.ts `Names`.

// ---- Labels -------------------------------------------------------------------------------------
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'bifrost-aks-deploy';
export const PART_OF_LABEL = 'app.kubernetes.io/part-of';
/** Pod Security admission enforces this level on every pod of the namespace. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
/** Only this *pod* label makes the azure-workload-identity webhook act (D6). */
export const WORKLOAD_IDENTITY_USE_LABEL = 'azure.workload.identity/use';
/** The gateway's selector: the seed's; immutable once applied. */
export const GATEWAY_SELECTOR = { app: 'bifrost' } as const;
/** On a preview namespace: the production namespace whose refresher writes its pull secret. */
export const PULL_SECRET_FROM_LABEL = 'bifrost.maximhq.dev/pull-secret-from';
/** On every object of a preview. */
export const PREVIEW_LABELS = {
  pr: 'bifrost.maximhq.dev/preview',
  repository: 'bifrost.maximhq.dev/repository',
  commit: 'bifrost.maximhq.dev/commit',
} as const;

// ---- Annotations --------------------------------------------------------------------------------
/** On the refresher's ServiceAccount: the managed identity it federates to. */
export const WORKLOAD_IDENTITY_CLIENT_ID_ANNOTATION = 'azure.workload.identity/client-id';
/** Written by the refresher on the pull secret: when its token stops working (D12). */
export const EXPIRES_AT_ANNOTATION = 'bifrost.maximhq.dev/expires-at';
export const REFRESHED_AT_ANNOTATION = 'bifrost.maximhq.dev/refreshed-at';
/** Hash of the refresher spec (pod template + script) that wrote the pull secret. */
export const REFRESHER_SPEC_ANNOTATION = 'bifrost.maximhq.dev/refresher-spec';
/** On the gateway's pod template: the config's hash, so a new config rolls the pods (D7). */
export const CONFIG_CHECKSUM_ANNOTATION = 'checksum/config';
/** On the initial Job: the run (id-attempt) that created it, so a retried create can adopt it. */
export const CREATED_BY_RUN_ANNOTATION = 'bifrost.maximhq.dev/created-by-run';
/** What `kubectl create job --from=cronjob/…` puts on the Job it makes. */
export const INSTANTIATE_ANNOTATION = 'cronjob.kubernetes.io/instantiate';
/** On a preview's namespace, Jobs and Lease. */
export const PREVIEW_ANNOTATIONS = {
  repository: 'bifrost.maximhq.dev/repository', // the full owner/name (labels cannot hold "/")
  deployedAt: 'bifrost.maximhq.dev/deployed-at',
  run: 'bifrost.maximhq.dev/run',
} as const;
/** On a preview's Lease (the preview lock). */
export const LEASE_ANNOTATIONS = {
  newest: 'bifrost.maximhq.dev/newest-run',
  newestCommit: 'bifrost.maximhq.dev/newest-commit',
  renewedAt: 'bifrost.maximhq.dev/renewed-at',
} as const;

// ---- Containers, ports, paths -------------------------------------------------------------------
export const GATEWAY_CONTAINER = 'bifrost';
export const GATEWAY_PORT = 8080;
export const HEALTH_PATH = '/health';
/** Bifrost's APP_DIR: config.json, config.db, logs.db. */
export const APP_DIR = '/app/data';
/** The config Secret's key, mounted as APP_DIR/config.json. */
export const CONFIG_KEY = 'config.json';
export const REFRESHER_CONTAINER = 'token-refresh';
/** The refresher runs as this unprivileged user (distroless `nonroot`); it writes nothing. */
export const REFRESHER_UID = 65532;

// ---- The refresher's environment (read by refresh.mjs and by the action) -------------------------
/** The refresher spec hash the script records on the Secret (REFRESHER_SPEC_ANNOTATION). */
export const REFRESHER_SPEC_ENV = 'REFRESHER_SPEC';
/** Turns on the preview contract: the label a preview namespace carries. */
export const PREVIEW_NAMESPACE_LABEL_ENV = 'PREVIEW_NAMESPACE_LABEL';
/** A Job created for one preview: write only into that namespace. */
export const ONLY_NAMESPACE_ENV = 'ONLY_NAMESPACE';

// ---- Identity -----------------------------------------------------------------------------------
/** Audience of the projected ServiceAccount token, and of every Entra token exchange. */
export const AZURE_TOKEN_EXCHANGE_AUDIENCE = 'api://AzureADTokenExchange';
/** The variable the workload identity webhook injects with the token file's path. */
export const FEDERATED_TOKEN_FILE_ENV = 'AZURE_FEDERATED_TOKEN_FILE';
/** Field manager of the refresher's server-side apply of the pull secret. */
export const REFRESHER_FIELD_MANAGER = 'bifrost-refresher';
/** The registry user that goes with a Google access token. */
export const ACCESS_TOKEN_USER = 'oauth2accesstoken';
