// Values the action starts from when an input is empty, and the names Google and Azure derive
// from other inputs. The seed page's names are the defaults (docs/SEED-REVIEW.md), so existing
// installs and the federated credential's subject keep working.

export const DEFAULT_STS_URL = 'https://sts.googleapis.com/v1/token';
export const DEFAULT_IAM_CREDENTIALS_URL = 'https://iamcredentials.googleapis.com';
export const DEFAULT_FIELD_MANAGER = 'bifrost-aks-deploy';

/** Distroless Node.js 22, non-root (uid 65532), no shell; pinned by digest. This digest is the
 * one pinned in many public Dockerfiles for `gcr.io/distroless/nodejs22-debian12:nonroot`
 * (it could not be checked against gcr.io from here: no network). */
export const DEFAULT_REFRESHER_IMAGE =
  'gcr.io/distroless/nodejs22-debian12:nonroot@sha256:13593b7570658e8477de39e2f4a1dd25db2f836d68a0ba771251572d23bb4f8e';

/** Images of the old gcloud + kubectl refresher: they have no node at /nodejs/bin/node. */
const GCLOUD_IMAGE = /(^|\/)(google-cloud-cli|cloud-sdk|cloudsdktool)([/:@]|$)/;

export function isGcloudRefresherImage(image: string): boolean {
  return GCLOUD_IMAGE.test(image);
}

/** The seed's pool and provider names (__fixtures__/seed, Step 5). */
export function defaultWorkloadIdentityPool(hubSlug: string): string {
  return `${hubSlug}-azure-pool`;
}

export function defaultWorkloadIdentityProvider(hubSlug: string): string {
  return `${hubSlug}-azure-provider`;
}

/** Artifact Registry's Docker host for a region or multi-region (`us` → `us-docker.pkg.dev`). */
export function registryHostForRegion(region: string): string {
  return `${region}-docker.pkg.dev`;
}

/** `<host>/<project>/<hub-slug>/bifrost` plus `:<tag>`, or `@sha256:…` for a pinned digest. */
export function bifrostImage(
  identity: { registryHost: string; gcpProjectId: string; hubSlug: string },
  tagOrDigest: string,
): string {
  const repository = `${identity.registryHost}/${identity.gcpProjectId}/${identity.hubSlug}/bifrost`;
  return tagOrDigest.startsWith('sha256:') ? `${repository}@${tagOrDigest}` : `${repository}:${tagOrDigest}`;
}

/** A preview's namespace: `<production namespace>-pr-<n>`, cut to a DNS label. */
export function defaultPreviewNamespace(productionNamespace: string, pr: number): string {
  return `${productionNamespace}-pr-${pr}`.slice(0, 63).replace(/-+$/, '');
}
